"""Random well-formed programs print the same eagerly and as a graph at -O0 and -O2;
random, truncated and mutated text never gives a traceback or hangs."""
import contextlib
import io
import re

from hypothesis import given, settings, strategies as st

from ambi.lang import runtime
from ambi.lang.checking import compare_output, run_captured
from ambi.cli import main
from ambi.testing.programs_lang import loose_programs, mutated_programs, programs, token_soup

LOCATED = re.compile(r"^\S+:\d+:\d+: error: ")


@settings(deadline=None)
@given(programs())
def test_random_programs_print_the_same_in_every_mode(text):
    eager, error = run_captured(text, "p.ambi", "eager", None)
    assert error is None, f"{error}\n--- program:\n{text}"
    for mode in ("graph0", "graph2"):
        out, error = run_captured(text, "p.ambi", mode, None)
        assert error is None, f"{mode}: {error}\n--- program:\n{text}"
        diff, why = compare_output(eager, out)
        assert why is None, f"{mode}: {why}\n--- program:\n{text}"


def run_cli_on(text, tmp_dir, data=None):
    path = tmp_dir / "fuzz.ambi"
    path.write_bytes(data if data is not None else text.encode("utf-8"))
    out, err = io.StringIO(), io.StringIO()
    runtime.LIMITS["iterations"] = 200  # a mutated loop may never end
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", str(path)])
    finally:
        runtime.LIMITS["iterations"] = None
    return code, err.getvalue()


def check_no_traceback(code, err):
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code != 0:
        assert LOCATED.match(err) or err.startswith("error: cannot read"), err


@settings(deadline=None)
@given(token_soup())
def test_random_tokens_give_a_located_message(tmp_path_factory, text):
    check_no_traceback(*run_cli_on(text, tmp_path_factory.mktemp("fuzz")))


@settings(deadline=None)
@given(mutated_programs())
def test_mutated_programs_give_a_located_message(tmp_path_factory, text):
    check_no_traceback(*run_cli_on(text, tmp_path_factory.mktemp("fuzz")))


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(tmp_path_factory, data):
    code, err = run_cli_on("", tmp_path_factory.mktemp("fuzz"), data)
    check_no_traceback(code, err)


def test_iteration_cap_stops_eager_and_graph_loops(tmp_path):
    """The fuzzing cap: an endless eager loop is an error, an endless graph loop stops."""
    code, err = run_cli_on("let i = 0\nwhile true { i = i + 1 }\n", tmp_path)
    assert code == 1 and "loop ran more than 200 iterations" in err
    code, err = run_cli_on("@graph fn f(x) {\n  while true { x = x + 1 }\n  return x\n}\n"
                           "f(0)\n", tmp_path)
    assert (code, err) == (0, "")


def _builtin_names():
    from ambi.lang.builtins import builtins
    return sorted(builtins())


@settings(deadline=None)
@given(loose_programs(_builtin_names()), st.sampled_from(["eager", "graph"]))
def test_random_builtin_calls_give_a_located_message(tmp_path_factory, text, mode):
    path = tmp_path_factory.mktemp("loose") / "l.ambi"
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(path), "--mode", mode])
    check_no_traceback(code, err.getvalue())
