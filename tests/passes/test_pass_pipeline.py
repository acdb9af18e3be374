"""-O1 on a function with every kind of waste leaves only the necessary compute nodes."""
import numpy as np

import ambi as am
from passes_helpers import canon, compute_nodes, trace

X = np.array([1.0, -2.0, 3.0], np.float32)
Y = np.array([0.5, 4.0, -1.0], np.float32)


def wasteful(x, y):
    a = x * y + x * y                                   # repeated subexpression
    k = am.constant(2.0) * am.constant(3.0) + 1.0       # constant subtree: 7
    am.exp(x) * 100.0                                   # dead value
    b = am.cond(am.constant(1.0) > 0.0,                 # dead branch: the pred folds
                lambda: a * 1.0, lambda: am.sin(a))     # and x*1 -> x inside
    c = am.negative(-b) / 1.0                                   # exact identities
    d = am.transpose(am.reshape(am.reshape(c, (3, 1)), (1, 3))) ** 1.0
    return am.reshape(d, (3,)) + k


def necessary(x, y):
    m = x * y
    return (m + m) + am.constant(7.0)


def test_o1_leaves_only_the_necessary_compute_nodes():
    f = am.function(wasteful, optimize=1)
    cf = f.get_concrete_function(X, Y)
    assert len(compute_nodes(trace(wasteful, X, Y))) == 18   # as traced, branches aside
    assert compute_nodes(cf.graph) == ["multiply", "add", "add"]   # the stated count: 3
    assert canon(cf.graph) == canon(trace(necessary, X, Y))
    np.testing.assert_array_equal(f(X, Y).numpy(), wasteful(am.constant(X), am.constant(Y)))


def test_o0_runs_the_graph_as_traced():
    cf = am.function(wasteful, optimize=0).get_concrete_function(X, Y)
    assert canon(cf.graph) == canon(trace(wasteful, X, Y))
    assert cf.stats() == []


def test_stats_show_each_pass_shrinking_the_graph():
    stats = am.function(wasteful, optimize=1).get_concrete_function(X, Y).stats()
    assert stats[0]["nodes_before"] > stats[-1]["nodes_after"]
    for a, b in zip(stats, stats[1:]):
        assert b["nodes_before"] == a["nodes_after"]
    changed = {r["pass"] for r in stats if r["changed"]}
    assert changed == {"dce", "fold", "cse", "simplify"}
