"""Algebraic simplification: each identity (graph in, expected graph out), each refusal,
and the same values as the unsimplified graph."""
import numpy as np
import pytest

import ambi as am
from ambi.passes import run
from passes_helpers import canon, compute_nodes, run_graph, trace

X = np.array([1.5, -0.0, 0.0, -2.0, np.inf, np.nan], np.float32)
M = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
T3 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
I = np.array([3, -7, 0], np.int32)
B = np.array([True, False, True])


def simplified(f, *args):
    """Run simplify then dce on f's graph; check values against the original graph."""
    g = trace(f, *args)
    run(g, ["simplify", "dce"])
    ref = run_graph(trace(f, *args), args)[0]
    for a, b in zip(ref, run_graph(g, args)[0]):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-6, equal_nan=True)
    return g


IDENTITIES = [  # (program, what it must become, argument)
    (lambda x: x * 1.0, lambda x: x, X),                                 # x*1 -> x
    (lambda x: 1.0 * x, lambda x: x, X),                                 # 1*x -> x
    (lambda x: x * 1, lambda x: x, I),                                   # ints too
    (lambda x: x / 1.0, lambda x: x, X),                                 # x/1 -> x
    (lambda x: x - 0.0, lambda x: x, X),                                 # x-(+0) -> x
    (lambda x: am.negative(-x), lambda x: x, X),                                   # --x -> x
    (lambda x: am.negative(am.negative(-x)), lambda x: -x, X),
    (lambda x: x ** 1.0, lambda x: x, X),                                # x**1 -> x
    (lambda x: x ** 2.0, lambda x: x * x, X),                            # x**2 -> x*x
    (lambda x: x ** 2, lambda x: x * x, I),
    (lambda b: am.logical_not(am.logical_not(b)), lambda b: b, B),       # not not b -> b
    (lambda x: am.abs(am.abs(x)), lambda x: am.abs(x), X),               # ||x|| -> |x|
    (lambda x: am.abs(-x), lambda x: am.abs(x), X),                      # |-x| -> |x|
    (lambda x: am.maximum(x, x), lambda x: x, X),                        # max(x, x) -> x
    (lambda x: am.minimum(x, x), lambda x: x, X),                        # min(x, x) -> x
    (lambda b: am.logical_and(b, b), lambda b: b, B),                    # b and b -> b
    (lambda b: am.logical_or(b, b), lambda b: b, B),                     # b or b -> b
    (lambda x: am.where(x > 0.0, x, x), lambda x: x, X),                 # where(c, x, x) -> x
    (lambda x: am.where(am.constant(True), x, -x), lambda x: x, X),      # where(T, x, y) -> x
    (lambda x: am.where(am.constant(False), x, -x), lambda x: -x, X),    # where(F, x, y) -> y
    (lambda m: am.transpose(am.transpose(m)), lambda m: m, M),           # transposes cancel
    (lambda t: am.transpose(am.transpose(t, (1, 2, 0)), (2, 0, 1)), lambda t: t, T3),
    (lambda t: am.transpose(am.transpose(t, (1, 0, 2)), (0, 2, 1)),     # perms compose
     lambda t: am.transpose(t, (1, 2, 0)), T3),
    (lambda x: am.transpose(x), lambda x: x, X),                         # 1-D: identity perm
    (lambda r: am.transpose(r), lambda r: am.reshape(r, (3, 1)), X[:3].reshape(1, 3)),
    (lambda t: am.transpose(t, (1, 0, 2)), lambda t: am.reshape(t, (1, 2, 3)),
     M.reshape(2, 1, 3)),                                                # only size-1 axes move
    (lambda m: am.reshape(am.reshape(m, (3, 2)), (6,)), lambda m: am.reshape(m, (6,)), M),
    (lambda m: am.reshape(am.reshape(m, (-1,)), (2, 3)), lambda m: m, M),
    (lambda m: am.reshape(m, (2, 3)), lambda m: m, M),                   # to its own shape
    (lambda x: am.cast(x, am.float32), lambda x: x, X),                  # to its own dtype
    (lambda x: am.cast(am.cast(x, am.float64), am.float32), lambda x: x, X),  # exact round trip
    (lambda i: am.cast(am.cast(i, am.float64), am.int32), lambda i: i, I),
    (lambda m: am.broadcast_to(m, (2, 3)), lambda m: m, M),              # to its own shape
    (lambda x: am.broadcast_to(am.broadcast_to(x, (2, 6)), (4, 2, 6)),
     lambda x: am.broadcast_to(x, (4, 2, 6)), X),
    (lambda x: x ** 2.0 * 1.0, lambda x: x * x, X),                      # chains settle at once
]


@pytest.mark.parametrize("f, expected, arg", IDENTITIES)
def test_identity(f, expected, arg):
    g = simplified(f, arg)
    assert canon(g) == canon(trace(expected, arg))


REFUSED = [  # not exact in IEEE arithmetic, or the types would change
    (lambda x: x + 0.0, X),                                  # -0.0 + 0.0 is +0.0
    (lambda x: x - am.constant(-0.0), X),                    # x - (-0) is x + 0
    (lambda x: x * 0.0, X),                                  # inf * 0 is nan
    (lambda x: x - x, X),                                    # inf - inf is nan
    (lambda x: x / x, X),
    (lambda x: x * am.constant(np.ones((2, 6), np.float32)), X),  # 1 broadcasts x up
    (lambda i: i / 1, I),                                    # int / int is float32
    (lambda x: am.cast(am.cast(x, am.float32), am.float64),
     X.astype(np.float64)),                                  # float32 rounds
    (lambda i: am.cast(am.cast(i, am.float32), am.int32), I),   # not every int32 fits
    (lambda x: x * 2.0 * 0.5, X),                            # no reassociation
    (lambda x: am.where(x > 0.0, x, -x), X),
]


@pytest.mark.parametrize("f, arg", REFUSED)
def test_refused(f, arg):
    g = trace(f, arg)
    before = canon(g)
    assert not run(g, ["simplify"])[0]["changed"]
    assert canon(g) == before


def test_square_transpose_is_not_an_identity():
    m = np.arange(4, dtype=np.float32).reshape(2, 2)
    g = simplified(lambda m: am.transpose(m), m)
    assert compute_nodes(g) == ["transpose"]


def test_cond_on_a_constant_is_inlined():
    def f(x):
        pred = am.constant(2.0) > 1.0
        return am.cond(pred, lambda: am.negative(-x) * 3.0, lambda: am.exp(x))
    g = trace(f, X)
    run(g, ["fold", "simplify", "dce"])
    assert canon(g) == canon(trace(lambda x: x * 3.0, X))


def test_cond_with_effects_on_a_constant_is_inlined_in_effect_order():
    def f(x):
        def loud():
            am.print("taken")
            return x
        am.print("before")
        y = am.cond(am.constant(2.0) > 1.0, loud, lambda: x)
        am.print("after")
        return y
    g = trace(f, X)
    run(g, ["fold", "simplify", "dce"])
    assert "cond" not in compute_nodes(g)
    assert [g[n]["params"]["template"] for n in g.effects()] == [
        ("before",), ("taken",), ("after",)]
    assert run_graph(g, [X])[1] == "before\ntaken\nafter\n"


def test_cond_on_a_value_computed_at_run_time_stays():
    def f(x):
        return am.cond(am.reduce_sum(x) > 0.0, lambda: x * 2.0, lambda: x)
    g = trace(f, np.ones(3, np.float32))
    run(g, ["fold", "simplify", "dce"])
    assert "cond" in compute_nodes(g)


def test_rules_apply_inside_subgraphs():
    def f(x):
        return am.cond(am.reduce_sum(x) > 0.0, lambda: x * 1.0, lambda: am.negative(-x))
    g = trace(f, X)
    run(g, ["simplify", "dce"])
    cond = next(n for n in g.order() if g.subgraphs(n))
    assert all(compute_nodes(sub) == [] for sub in g.subgraphs(cond))


def test_replacements_keep_the_removed_nodes_locations():
    g = trace(lambda x: am.exp(x) * 1.0, X)
    mul = next(n for n in g.order() if g[n]["op"] is am.multiply)
    loc = g[mul]["locs"][0]
    run(g, ["simplify"])
    (exp,) = [n for n in g.order() if g[n]["op"] is am.exp]
    assert loc in g[exp]["locs"]


@pytest.mark.parametrize("f, expected, arg", IDENTITIES[::4])
def test_idempotent(f, expected, arg):
    g = trace(f, arg)
    run(g, ["simplify"])
    before = canon(g)
    assert not run(g, ["simplify"])[0]["changed"]
    assert canon(g) == before


def test_one_rule_on_the_op_record_covers_both_operand_orders():
    """ambi/ops/rewrites.py writes ``x*1 -> x`` once, on multiply's record; multiply is
    commutative, so simplify tries it on ``1*x`` too."""
    assert am.multiply.commutative and len(am.multiply.rewrites) == 1
    for f in (lambda x: x * 1.0, lambda x: 1.0 * x):
        assert compute_nodes(simplified(f, X)) == []
    g = trace(lambda x: am.constant(np.ones((2, 6), np.float32)) * x, X)
    assert not run(g, ["simplify"])[0]["changed"]  # the 1 broadcasts x up, in either order
