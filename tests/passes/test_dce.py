"""Dead-code elimination: structural tests (graph in, expected graph out) and semantics."""
import numpy as np

import ambi as am
from ambi.ops import cond_op
from ambi.passes import run
from passes_helpers import canon, effect_signature, ops, run_graph, trace

X = np.array([1.0, -2.0, 3.0], np.float32)


def test_unused_values_go():
    def f(x):
        am.exp(x) * 2.0       # dead
        return x + 1.0
    g = trace(f, X)
    assert run(g, ["dce"])[0]["changed"]
    assert canon(g) == canon(trace(lambda x: x + 1.0, X))


def test_effects_and_what_they_read_stay():
    v = am.Variable([0.0, 0.0, 0.0])

    def f(x):
        am.print("x3", x * 3.0)
        v.assign(x * 4.0)
        v.read_value()        # an unused read is still an effect
        am.sin(x)             # dead
        return x

    g = trace(f, X)
    before = effect_signature(g)
    run(g, ["dce"])
    assert effect_signature(g) == before
    assert ops(g) == ["arg", "const", "multiply", "print", "const", "multiply", "var_write",
                      "var_read"]


def test_unused_inputs_stay():
    g = trace(lambda x, y: x * 2.0, X, X)
    assert not run(g, ["dce"])[0]["changed"]
    assert len(g.inputs) == 2


def test_dead_code_inside_branches_goes_but_branch_inputs_stay():
    def f(x, y):
        def true_fn():
            am.exp(y)          # dead inside the branch; y stays an input of the branch
            return x * 2.0
        return am.cond(am.reduce_sum(x) > 0.0, true_fn, lambda: x - y)

    g = trace(f, X, X)
    cond = next(n for n in g.order() if g[n]["op"] is cond_op)
    true_graph = g[cond]["params"]["true_graph"]
    n_inputs, n_operands = len(true_graph.inputs), len(g.operands(cond))
    assert run(g, ["dce"])[0]["changed"]
    assert "exp" not in ops(true_graph)
    assert len(true_graph.inputs) == n_inputs and len(g.operands(cond)) == n_operands
    assert_same_values(f, g, X, X)


def test_dead_loops_stay_since_a_loop_may_not_end():
    """docs/passes.md: a `while` is kept like an effect (`while true {}` must hang)."""
    def f(x):
        am.while_loop(lambda i: i < 3, lambda i: i + 1, [am.constant(0)])

        def body(i):
            am.print(i)
            return i + 1
        am.while_loop(lambda i: i < 2, body, [am.constant(0)])
        return x

    g = trace(f, X)
    run(g, ["dce"])
    assert ops(g).count("while") == 2
    assert run_graph(g, [X])[1] == "0\n1\n"


def test_idempotent():
    def f(x):
        y = am.exp(x)
        am.sin(y)
        return x
    g = trace(f, X)
    assert run(g, ["dce"])[0]["changed"]
    before = canon(g)
    assert not run(g, ["dce"])[0]["changed"]
    assert canon(g) == before


def assert_same_values(f, g, *args):
    ref = run_graph(trace(f, *args), args)
    out = run_graph(g, args)
    for a, b in zip(ref[0], out[0]):
        np.testing.assert_array_equal(a, b)
