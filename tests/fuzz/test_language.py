"""Hostile script text, in every mode: deep nesting, huge literals, odd line separators,
zero steps, out-of-range tuple indexes, shapes from loop variables, mutated examples.
Whatever the text, `ambi run` exits 0, 1 or 2 with a located message, never a
traceback, an internal error or an unlocated "recursion too deep"."""
import contextlib
import io
import pathlib
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from ambi.lang import runtime
from ambi.cli import main
from ambi.testing.programs_lang import programs

from .conftest import budget

EXAMPLES = sorted((pathlib.Path(__file__).resolve().parents[2] / "examples").glob("*.ambi"))
LOCATED = re.compile(r"^\S+:\d+:\d+: (error|warning): ")

FRAGMENTS = [
    "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029", "\r", "\r\n", ";", "\t",
    "7" * 1200, "9" * 30, "1e999", "-" * 1200 + "1", " + ".join(["1"] * 1100),
    "(" * 1100 + "1" + ")" * 1100, "[" * 70 + "1" + "]" * 70, "if true {\n" * 1100,
    "range(0, 10, 0)", "for i in range(1, 3) { print(zeros([i])) }", "let t = (1, 2)",
    "print(t[9])", "reshape([1.0], [2 ** 40])", "normal([2 ** 40], seed=1)",
    "sum([1.0], axis=1.5)", "eye(-1)", "while true { }", "fn f(x) { return f(x) }\nf(1)",
    "zeros([-1])", "concat([])", "transpose([[1]], [0.5, 1])", "{", "}", "(", "]", '"',
]


@st.composite
def hostile_scripts(draw):
    base = draw(st.sampled_from([p.read_text() for p in EXAMPLES]) | programs())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(base)))
        piece = draw(st.sampled_from(FRAGMENTS))
        if draw(st.booleans()):
            piece = "\n" + piece + "\n"
        base = base[:at] + piece + base[at:]
    return base


def run_cli(path, *flags):
    out, err = io.StringIO(), io.StringIO()
    runtime.LIMITS["iterations"] = 200  # an inserted endless loop must end the test
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", str(path), *flags])
    finally:
        runtime.LIMITS["iterations"] = None
    return code, err.getvalue()


@settings(max_examples=budget(20, 300), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=hostile_scripts())
def test_hostile_scripts_get_located_messages_in_every_mode(tmp_path, text):
    path = tmp_path / "h.ambi"
    path.write_text(text, encoding="utf-8", newline="")
    for flags in ([], ["--mode", "graph", "-O", "0"], ["--mode", "graph"]):
        code, err = run_cli(path, *flags)
        assert code in (0, 1, 2), err
        assert "Traceback" not in err and "internal error" not in err, err
        first = next((line for line in err.splitlines() if "warning:" not in line), "")
        assert code == 0 or LOCATED.match(first), (flags, err)
