"""Golden errors: every kind of user mistake prints FILE:LINE:COL: error:, the line and a
caret, with the exit status of its kind (2 syntax/usage, 1 runtime), and no traceback."""
import contextlib
import io
import pathlib
import re

import pytest

from ambi.cli import main

GOLDEN = pathlib.Path(__file__).with_name("golden_errors.txt")


def load_cases():
    """(name, source, exit status, expected stderr) for each case of the golden file."""
    text = GOLDEN.read_text()
    cases = []
    for chunk in text.split("=== ")[1:]:
        head, rest = chunk.split("\n", 1)
        name, status = re.fullmatch(r"(\S+) \(exit (\d)\)", head).groups()
        source, expected = rest.split("--- stderr\n")
        cases.append((name, source, int(status), expected))
    return cases


CASES = load_cases()


@pytest.mark.parametrize("name,source,status,expected", CASES, ids=[c[0] for c in CASES])
def test_error_message(name, source, status, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.ambi").write_text(source)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", "t.ambi"])
    assert (code, err.getvalue()) == (status, expected)


@pytest.mark.parametrize("name,source,status,expected",
                         [c for c in CASES if c[2] == 1], ids=[c[0] for c in CASES if c[2] == 1])
def test_error_same_in_graph_mode(name, source, status, expected, tmp_path, monkeypatch):
    """Runtime errors point at the same script line when the whole script is a graph."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.ambi").write_text(source)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", "t.ambi", "--mode", "graph"])
    assert code == 1
    assert err.getvalue().splitlines()[0].split(": error:")[0] == \
        expected.splitlines()[0].split(": error:")[0]


def test_traceback_flag_shows_python_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.ambi").write_text("print(nope)\n")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["run", "t.ambi", "--traceback"]) == 1
    assert "Traceback (most recent call last)" in err.getvalue()
    assert "t.ambi:1:7: error: unknown name `nope`" in err.getvalue()


def test_docs_list_every_error_message():
    """docs/language.md's table of errors has each golden message (kept in sync)."""
    doc = (GOLDEN.parents[2] / "docs" / "language.md").read_text()
    for name, _, _, expected in CASES:
        message = expected.splitlines()[0].split(": error: ", 1)[1].replace("|", "\\|")
        assert message in doc, f"{name}: add `{message}` to docs/language.md"
