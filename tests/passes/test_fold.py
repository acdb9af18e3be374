"""Constant folding: structural tests, the size cap, refusals, locations and semantics."""
import numpy as np
import pytest

import ambi as am
from ambi import config
from ambi.errors import RunError
from ambi.ir.ops_ir import CONST
from ambi.passes import run
from passes_helpers import canon, compute_nodes, ops, run_graph, trace

X = np.array([1.0, -2.0, 3.0], np.float32)


def consts(graph):
    return [graph[n]["params"]["value"] for n in graph.order() if graph[n]["op"] is CONST]


def test_a_constant_subtree_becomes_one_constant():
    def f(x):
        return x + (am.constant(2.0) * am.constant(3.0) - 1.0)
    g = trace(f, X)
    assert run(g, ["fold", "dce"])[0]["changed"]
    assert canon(g) == canon(trace(lambda x: x + am.constant(5.0), X))


def test_fold_alone_leaves_its_inputs_for_dce():
    g = trace(lambda x: x + am.constant(2.0) * am.constant(3.0), X)
    run(g, ["fold"])
    assert ops(g) == ["arg", "const", "const", "const", "add"]  # 2, 3 (dead) and 6


def test_the_value_is_the_interpreters_bit_for_bit():
    def f(x):
        zero = am.constant([0.0, -0.0, 0.0])
        return x + am.constant([1.0, 1.0, 0.0]) / zero   # inf, -inf, nan
    g = trace(f, X)
    run(g, ["fold", "dce"])
    assert compute_nodes(g) == ["add"]
    folded = consts(g)[0]
    assert folded.dtype == np.float32
    np.testing.assert_array_equal(folded, [np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(run_graph(g, [X])[0][0], run_graph(trace(f, X), [X])[0][0])


def test_results_over_the_size_cap_are_left(monkeypatch):
    monkeypatch.setattr(config, "FOLD_MAX_ELEMENTS", 4)

    def f(x):
        small = am.constant(np.ones(4, np.float32)) * 2.0
        big = am.constant(np.ones(5, np.float32)) * 2.0
        return x + am.reduce_sum(small) + am.reduce_sum(big)
    g = trace(f, X)
    run(g, ["fold", "dce"])
    assert compute_nodes(g) == ["multiply", "reduce_sum", "add", "add"]


def test_a_kernel_that_raises_is_left_to_fail_at_run_time_at_its_line():
    def f(x):
        bad = am.gather(am.constant([1.0, 2.0]), am.constant([5]))  # index out of range
        return x + bad
    g = trace(f, X)
    assert not run(g, ["fold"])[0]["changed"]
    with pytest.raises(RunError, match="gather") as e:
        am.function(f, optimize=2)(X)
    assert "test_fold.py" in str(e.value) and "am.gather(" in str(e.value)


def test_effects_never_fold():
    v = am.Variable([1.0, 2.0, 3.0])

    def f(x):
        am.print(am.constant(1.0) + 1.0)
        return x + v.read_value() * 1.0 + am.random.uniform([3])  # unseeded: an effect
    g = trace(f, X)
    run(g, ["fold", "dce"])
    # only the print's operand (1 + 1) folded
    assert compute_nodes(g) == ["print", "var_read", "multiply", "add", "random_uniform", "add"]


def test_seeded_random_draws_fold_to_the_same_numbers():
    def f(x):
        return x + am.random.normal([3], seed=7)
    g = trace(f, X)
    run(g, ["fold", "dce"])
    assert compute_nodes(g) == ["add"]
    np.testing.assert_array_equal(consts(g)[0], am.random.normal([3], seed=7).numpy())


def test_loops_are_not_folded():
    def f(x):
        i = am.while_loop(lambda i: i < 3, lambda i: i + 1, [am.constant(0)])[0]
        return x + am.cast(i, am.float32)
    g = trace(f, X)
    run(g, ["fold"])
    assert "while" in ops(g)


def fizzbuzz(n):
    """The language's fizzbuzz body: nested conds, each with prints, on a constant."""
    def say(*what):
        return lambda: am.print(*what)
    am.cond((n % 3 == 0) & (n % 5 == 0), say("FizzBuzz"),
            lambda: am.cond(n % 3 == 0, say("Fizz"),
                            lambda: am.cond(n % 5 == 0, say("Buzz"), say(n))))


def test_a_cond_on_a_constant_becomes_its_branch_with_its_prints_in_order():
    def f(x):
        for i in range(1, 16):
            fizzbuzz(am.constant(i))
        return x
    g = trace(f, X)
    expected = run_graph(g, [X])[1]
    assert expected.split()[:5] == ["1", "2", "Fizz", "4", "Buzz"]
    assert run(g, ["fold"])[0]["changed"]
    assert "cond" not in ops(g) and ops(g).count("print") == 15   # nested conds too
    assert run_graph(g, [X])[1] == expected


def test_a_cond_on_an_input_is_not_folded():
    g = trace(lambda x, n: fizzbuzz(n) or x, X, np.array(3, np.int32))
    run(g, ["fold"])
    assert ops(g).count("cond") == 1


def test_folding_inside_branches():
    def f(x):
        return am.cond(am.reduce_sum(x) > 0.0,
                       lambda: x * (am.constant(2.0) + 1.0), lambda: x)
    g = trace(f, X)
    assert run(g, ["fold", "dce"])[0]["changed"]
    cond = next(n for n in g.order() if g.subgraphs(n))
    true_graph = g.subgraphs(cond)[0]
    assert compute_nodes(true_graph) == ["multiply"]
    assert consts(true_graph)[0] == 3.0


def test_the_folded_constant_keeps_the_source_location():
    def f(x):
        return x + am.constant(2.0) * am.constant(3.0)  # the line of the multiply
    g = trace(f, X)
    mul = next(n for n in g.order() if g[n]["op"] is am.multiply)
    locs = g[mul]["locs"]
    run(g, ["fold"])
    (folded,) = [n for n in g.order() if g[n]["op"] is CONST and g[n]["params"]["value"] == 6]
    assert g[folded]["locs"] == locs and locs


def test_idempotent():
    g = trace(lambda x: x + am.constant(2.0) * am.constant(3.0) * am.constant(4.0), X)
    assert run(g, ["fold"])[0]["changed"]
    before = canon(g)
    assert not run(g, ["fold"])[0]["changed"]
    assert canon(g) == before


def test_folding_calls_the_very_kernel_the_interpreter_calls(monkeypatch):
    calls = []
    kernel = am.multiply.kernel

    def spy(*args, **params):
        calls.append(args)
        return kernel(*args, **params)
    monkeypatch.setitem(vars(am.multiply), "kernel", spy)  # records are frozen
    g = trace(lambda x: x + am.constant(2.0) * am.constant(3.0), X)
    run(g, ["fold"])
    assert [tuple(map(float, a)) for a in calls] == [(2.0, 3.0)]


def test_a_loop_whose_only_effect_folds_away_leaves_the_effect_chain():
    """A constant-false `if` holding the loop body's only print folds away; the `while`
    is then pure and the passes splice it out of the outer effect chain (found by the CI
    profile's random programs: "the effect chain is broken")."""
    def f(x):
        am.print("before", x)

        def body(k):
            am.cond(am.constant(False), lambda: am.print("never", x), lambda: None)
            return (k + 1.0,)

        k = am.while_loop(lambda k: k < 2.0, body, (am.constant(0.0),))
        am.print("after", x)
        return k

    g = trace(f, X)
    run(g, ["fold", "dce"])  # the pass manager verifies the graph after each pass
    prints = [n for n in g.order() if g[n]["op"].name == "print"]
    assert len(prints) == 2 and g.nx.has_edge(prints[0], prints[1], key="seq")
