"""Hypothesis: random Python functions with tensor if/while/for (nested, with break,
continue and early return), autograph'd and traced at -O0 and -O2, equal eager."""
import hashlib

from hypothesis import given, strategies as st

import ambi as am
from ambi.testing import assert_equivalent

UPDATES = ["a = a * 0.5 + 1.0", "b = b - a * 0.25", "a = am.tanh(a + b)", "b = b + x",
           "a = am.maximum(a, y)", "a = a + am.cast(k, am.float32)", "b = am.abs(b) - 0.5"]
CONDITIONS = ["a > b", "x > 0.0", "b < a and a > 0.5", "not (a > y)", "a < 1.0 or b > 2.0",
              "b > 0.0"]
RETURNS = ["return a, b", "return a - b, b", "return x, a + b"]


@st.composite
def blocks(draw, depth, in_loop, counters):
    """Lines of a block (indented by the caller), each a statement or compound."""
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        choices = ["update", "update"] + (["if", "while", "for"] if depth < 3 else [])
        choices += ["break", "continue"] if in_loop else []
        choices += ["return"]
        kind = draw(st.sampled_from(choices))
        lines += draw(statement(kind, depth, in_loop, counters))
    return lines


@st.composite
def statement(draw, kind, depth, in_loop, counters):
    cond = draw(st.sampled_from(CONDITIONS))
    if kind == "update":
        return [draw(st.sampled_from(UPDATES))]
    if kind in ("break", "continue", "return"):
        exit_line = draw(st.sampled_from(RETURNS)) if kind == "return" else kind
        return [f"if {cond}:", "    " + exit_line]
    body = draw(blocks(depth + 1, kind != "if", counters))
    if kind == "if":
        orelse = draw(st.one_of(st.just([]), blocks(depth + 1, in_loop, counters)))
        return [f"if {cond}:"] + _indent(body) + (["else:"] + _indent(orelse) if orelse else [])
    if kind == "for":
        bound = draw(st.sampled_from(["n", "3", "n + 1"]))
        return [f"for k in range({bound}):"] + _indent(body)
    c = f"c{len(counters)}"
    counters.append(c)
    # a counter bounds every while loop; it steps first, so `continue` cannot skip it.
    # The condition is parenthesized: `c < n + 2 and a < 1.0 or b > 2.0` would loop
    # forever once b > 2 (it did, now and then, in the README's pytest)
    return [f"{c} = am.constant(0)", f"while {c} < n + 2 and ({cond}):",
            f"    {c} += 1"] + _indent(body)


def _indent(lines):
    return ["    " + ln for ln in lines]


@st.composite
def programs(draw):
    body = draw(blocks(0, False, []))
    lines = ["def generated(x, y, n):", "    a = x", "    b = y", "    k = am.constant(0)"]
    return "\n".join(lines + _indent(body) + ["    return a, b"]) + "\n"


def load(source, directory):
    """Define the function from a real file, so autograph can read its source."""
    path = directory / f"gen_{hashlib.sha1(source.encode()).hexdigest()[:12]}.py"
    path.write_text(source)
    namespace = {"am": am}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace["generated"]


@given(source=programs(), x=st.floats(-3, 3, width=32), y=st.floats(-3, 3, width=32),
       n=st.integers(0, 4))
def test_random_control_flow_agrees_with_eager(tmp_path_factory, source, x, y, n):
    fn = load(source, tmp_path_factory.getbasetemp())
    args = (am.constant(x), am.constant(y), am.constant(n))
    try:
        assert_equivalent(fn, *args, modes=("eager", "graph0", "graph2"))
    except AssertionError as e:
        raise AssertionError(f"{e}\nprogram:\n{source}") from None
