"""am.cond and am.while_loop: eagerly and as structured nodes in graphs."""
import numpy as np
import pytest

import ambi as am
from ambi.errors import AmbiError, ArgumentError, DTypeError, TracingError

LEVELS = [0, 2]


def modes(fn, level):
    """fn eagerly, then traced at ``level``: the callables to compare."""
    return [fn, am.function(fn, optimize=level)]


def ops_of(fn, *args):
    g = am.function(fn, optimize=0).get_concrete_function(*args).graph
    return [g[n]["op"].name for n in g.order()]


# -- cond ---------------------------------------------------------------------------------
@pytest.mark.parametrize("level", LEVELS)
def test_cond_both_branches(level):
    def f(x):
        return am.cond(x > 0, lambda: x * 2.0, lambda: x - 1.0)

    for run in modes(f, level):
        assert run(am.constant(3.0)).numpy() == 6.0
        assert run(am.constant(-3.0)).numpy() == -4.0
    assert "cond" in ops_of(f, am.constant(1.0))


def test_cond_eager_runs_only_the_taken_branch():
    calls = []
    out = am.cond(am.constant(False), lambda: calls.append("t") or 1, lambda: 2)
    assert out.numpy() == 2 and calls == []
    assert am.cond(True, lambda: 1.0, lambda: 2.0).numpy() == 1.0  # a Python bool works


@pytest.mark.parametrize("level", LEVELS)
def test_cond_captures_outer_values(level):
    k = am.constant([10.0, 20.0])  # an eager tensor from outside: a constant in the graph

    def f(x, y):
        z = x * y  # a symbolic value of the outer graph, captured by both branches
        return am.cond(am.reduce_sum(x) > 0, lambda: z + k, lambda: z - y)

    x, y = am.constant([1.0, 2.0]), am.constant([3.0, 4.0])
    for run in modes(f, level):
        assert run(x, y).numpy().tolist() == [13.0, 28.0]
        assert run(-x, y).numpy().tolist() == [-6.0, -12.0]


@pytest.mark.parametrize("level", LEVELS)
def test_cond_returns_structures(level):
    def f(x):
        return am.cond(x > 0, lambda: {"a": x, "b": (x + 1, x * 0)},
                       lambda: {"a": -x, "b": (x - 1, x * 0)})

    for run in modes(f, level):
        out = run(am.constant(2))
        assert out["a"].numpy() == 2 and [t.numpy() for t in out["b"]] == [3, 0]
        assert run(am.constant(-2))["a"].numpy() == 2


@pytest.mark.parametrize("level", LEVELS)
def test_nested_cond(level):
    def sign(x):
        return am.cond(x > 0, lambda: am.constant(1),
                       lambda: am.cond(x < 0, lambda: am.constant(-1), lambda: am.constant(0)))

    for run in modes(sign, level):
        assert [int(run(am.constant(v))) for v in (5.0, -5.0, 0.0)] == [1, -1, 0]


def test_cond_branch_mismatch_errors():
    x = am.constant(1.0)
    bad = [lambda: am.cond(x > 0, lambda: (x, x), lambda: x),                 # structure
           lambda: am.cond(x > 0, lambda: x, lambda: am.constant(1)),         # dtype
           lambda: am.cond(x > 0, lambda: x, lambda: am.constant([1.0, 2.0]))]  # shape
    for make in bad:
        with pytest.raises(AmbiError, match="same structure") as info:
            am.function(lambda x, make=make: make())(x)
        assert "float32" in info.value.message


def test_cond_predicate_must_be_scalar_bool():
    f = am.function(lambda x: am.cond(x, lambda: x, lambda: x))
    with pytest.raises(DTypeError, match="scalar bool"):
        f(am.constant(1.0))
    with pytest.raises(DTypeError, match="scalar bool"):
        f(am.constant([True, False]))
    with pytest.raises(ValueError, match="ambiguous"):  # eagerly, as numpy
        am.cond(am.constant([True, False]), lambda: 1, lambda: 2)


# -- while_loop ------------------------------------------------------------------------
@pytest.mark.parametrize("level", LEVELS)
def test_while_multiple_vars(level):
    def f(n):
        i, total = am.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + i),
                                 [am.constant(0), am.constant(0)])
        return i, total

    for run in modes(f, level):
        i, total = run(am.constant(10))
        assert (int(i), int(total)) == (10, 45)
        assert [int(v) for v in run(am.constant(0))] == [0, 0]  # zero iterations
    assert "while" in ops_of(f, am.constant(3))


@pytest.mark.parametrize("level", LEVELS)
def test_while_captures_and_tensors_of_any_shape(level):
    step = am.constant([1.0, 2.0])

    def f(x, limit):
        scale = x * 0.5  # captured by the body
        (out,) = am.while_loop(lambda v: am.reduce_sum(v) < limit,
                               lambda v: [v + step + scale], [x])
        return out

    for run in modes(f, level):
        out = run(am.constant([0.0, 0.0]), am.constant(10.0))
        assert out.numpy().tolist() == [4.0, 8.0]


@pytest.mark.parametrize("level", LEVELS)
def test_while_inside_cond_and_cond_inside_while(level):
    def collatz_steps(n):
        def body(n, k):
            n = am.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)
            return n, k + 1
        return am.while_loop(lambda n, k: n > 1, body, (n, am.constant(0)))[1]

    def f(n):
        return am.cond(n > 0, lambda: collatz_steps(n), lambda: am.constant(-1))

    for run in modes(f, level):
        assert [int(run(am.constant(v))) for v in (6, 27, 1, -3)] == [8, 111, 0, -1]


def test_while_loop_keeps_the_container_type():
    out = am.while_loop(lambda i: i < 3, lambda i: i + 1, [am.constant(0)])
    assert isinstance(out, list) and int(out[0]) == 3
    out = am.function(lambda: am.while_loop(lambda i: i < 3, lambda i: (i + 1,),
                                            (am.constant(0),)))()
    assert isinstance(out, tuple) and int(out[0]) == 3


def test_while_errors():
    i0 = am.constant(0)
    with pytest.raises(ArgumentError, match="list or tuple"):
        am.while_loop(lambda i: i < 3, lambda i: i + 1, i0)
    bad_body = am.function(lambda i: am.while_loop(lambda i: i < 3,
                                                   lambda i: [am.cast(i, am.float32)], [i]))
    with pytest.raises(AmbiError, match="shapes and dtypes") as info:
        bad_body(i0)
    assert "int32" in info.value.message and "float32" in info.value.message
    grow = am.function(lambda i: am.while_loop(lambda i: i[0] < 3,
                                               lambda i: [am.concat([i, i], 0)], [i]))
    with pytest.raises(AmbiError, match="shapes and dtypes"):
        grow(am.constant([0]))
    int_pred = am.function(lambda i: am.while_loop(lambda i: i, lambda i: [i - 1], [i]))
    with pytest.raises(DTypeError, match="scalar bool"):
        int_pred(am.constant(3))


def test_python_control_flow_on_traced_values_points_to_cond():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TracingError, match="am.cond") as info:
        am.function(f, autograph=False)(am.constant(1.0))
    assert "am.while_loop" in info.value.message
    assert info.value.loc.file == __file__


# -- print inside control flow, in order ---------------------------------------------
@pytest.mark.parametrize("level", LEVELS)
def test_print_inside_branches_and_loops_in_order(capsys, level):
    def f(n):
        am.print("start")

        def body(i):
            am.cond(i % 2 == 0, lambda: am.print("even", i), lambda: am.print("odd", i))
            return [i + 1]
        am.while_loop(lambda i: i < n, body, [am.constant(0)])
        am.print("end")
        return n

    expected = ["start", "even 0", "odd 1", "even 2", "end"]
    for run in modes(f, level):
        run(am.constant(3))
        run(am.constant(3))
        assert capsys.readouterr().out.splitlines() == expected * 2


def test_graph_results_match_eager_on_many_inputs():
    def f(x):
        def body(i, acc):
            acc = am.cond(acc > 100.0, lambda: acc / 3.0, lambda: acc * x + 1.0)
            return i + 1, acc
        return am.while_loop(lambda i, acc: i < 7, body, (am.constant(0), am.constant(1.0)))[1]

    g = am.function(f)
    for v in np.linspace(-4, 4, 9, dtype=np.float32):
        assert float(g(am.constant(v))) == pytest.approx(float(f(am.constant(v))), rel=1e-6)
