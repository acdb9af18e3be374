"""Common-subexpression elimination: what merges, what never does, and locations."""
import numpy as np

import ambi as am
from ambi.ir.ops_ir import CONST
from ambi.passes import run
from passes_helpers import canon, compute_nodes, ops, run_graph, trace

X = np.array([1.0, -2.0, 3.0], np.float32)


def cse_dce(f, *args):
    g = trace(f, *args)
    run(g, ["cse", "dce"])
    return g


def test_a_repeated_expression_is_computed_once():
    g = cse_dce(lambda x, y: am.exp(x * y) + am.exp(x * y), X, X)
    expected = trace(lambda x, y: (lambda e: e + e)(am.exp(x * y)), X, X)
    assert canon(g) == canon(expected)


def _chain(x, y, k):
    for _ in range(k):
        x = am.sin(am.tanh(x * y)) + y
    return x


def test_twin_chains_merge_in_one_run():
    """Each node of a chain alone reads its operand until the twin below it merges; one
    run of cse still merges the second chain, level by level, into the first."""
    g = cse_dce(lambda x, y: (_chain(x, y, 6), _chain(x, y, 6) * 2.0), X, X)
    expected = trace(lambda x, y: (lambda a: (a, a * 2.0))(_chain(x, y, 6)), X, X)
    assert canon(g) == canon(expected)


def test_commutative_operands_are_put_in_order_first():
    g = cse_dce(lambda x, y: (x * y, y * x, x - y, y - x), X, X)
    assert compute_nodes(g) == ["multiply", "subtract", "subtract"]
    out = g.outputs
    assert out[0] == out[1] and out[2] != out[3]


def test_equal_constants_merge_by_dtype_shape_and_bits():
    def f(x):
        return (x + 1.0, x + 1.0,                 # merge
                x + am.constant(-0.0), x + 0.0,   # -0.0 and 0.0 differ
                x + np.float32(np.nan), x + np.float32(np.nan),  # the same NaN bits merge
                x + am.constant([1.0, 1.0, 1.0]))  # another shape
    g = cse_dce(f, X)
    values = [g[n]["params"]["value"] for n in g.order() if g[n]["op"] is CONST]
    assert len(values) == 5
    assert compute_nodes(g).count("add") == 5


def test_different_params_do_not_merge():
    m = np.ones((2, 3), np.float32)
    g = cse_dce(lambda x: (am.reduce_sum(x, axis=0), am.reduce_sum(x, axis=1),
                           am.reduce_sum(x, axis=0)), m)
    assert compute_nodes(g) == ["reduce_sum", "reduce_sum"]


def test_float_params_compare_by_bits():
    g = cse_dce(lambda x: (am.random.uniform([3], minval=0.0, seed=1),
                           am.random.uniform([3], minval=-0.0, seed=1),
                           am.random.uniform([3], minval=0.0, seed=1)), X)
    assert compute_nodes(g) == ["random_uniform", "random_uniform"]


def test_effects_never_merge():
    v = am.Variable([0.0, 0.0, 0.0])

    def f(x):
        am.print(x)
        am.print(x)
        return v.read_value() + v.read_value() + am.random.uniform([3]) \
            + am.random.uniform([3])
    g = cse_dce(f, X)
    assert [op for op in ops(g) if op in ("print", "var_read", "random_uniform")] == \
        ["print", "print", "var_read", "var_read", "random_uniform", "random_uniform"]


def test_subgraphs_are_cleaned_inside_but_never_merged_with_the_outside():
    def f(x):
        y = x * 2.0
        return am.cond(am.reduce_sum(x) > 0.0, lambda: x * 2.0 + x * 2.0, lambda: y)
    g = cse_dce(f, X)
    cond = next(n for n in g.order() if g.subgraphs(n))
    true_graph = g.subgraphs(cond)[0]
    assert compute_nodes(true_graph) == ["multiply", "add"]
    assert "multiply" in compute_nodes(g)   # the outer y stays outside


def test_the_kept_node_carries_both_locations():
    def f(x):
        a = am.exp(x)
        b = am.exp(x)
        return a + b
    g = trace(f, X)
    locs = [g[n]["locs"][0] for n in g.order() if g[n]["op"] is am.exp]
    run(g, ["cse"])
    (kept,) = [n for n in g.order() if g[n]["op"] is am.exp]
    assert list(g[kept]["locs"]) == locs and locs[0].line + 1 == locs[1].line


def test_semantics_and_idempotence():
    def f(x, y):
        return am.tanh(x + y) * am.tanh(y + x) - am.maximum(x, y) / am.maximum(y, x)
    g = trace(f, X, X[::-1].copy())
    assert run(g, ["cse"])[0]["changed"]
    before = canon(g)
    assert not run(g, ["cse"])[0]["changed"]
    assert canon(g) == before
    ref = run_graph(trace(f, X, X[::-1].copy()), [X, X[::-1].copy()])
    np.testing.assert_array_equal(run_graph(g, [X, X[::-1].copy()])[0][0], ref[0][0])
