"""Ops' error behaviour, eagerly and at trace time, and the structural ops that have no
numpy reference: seeded random draws and print order."""
import numpy as np
import pytest

import ambi as am
from ambi import dtypes as dt
from ambi.errors import ArgumentError, DTypeError, RunError, ShapeError
from ambi.ir.opdef import REGISTRY


def both_modes(fn, *args):
    """fn(*args) eagerly and through am.function(optimize=0): (eager, graph) results."""
    return fn(*args), am.function(fn, optimize=0)(*args)


def raises_in_both(error, fn, *args, match=None):
    """The same error class (and message) eagerly and while tracing."""
    msgs = []
    for run in (fn, am.function(fn, optimize=0)):
        with pytest.raises(error, match=match) as info:
            run(*args)
        msgs.append(info.value.message)
    return msgs


f32 = lambda *s: am.constant(np.ones(s, np.float32))  # noqa: E731


# -- shape errors name the op and both shapes ------------------------------------------
BINARY = [n for n, op in REGISTRY.items() if op.elementwise and op.arity == 2
          and dt.float32 in op.accepts]


@pytest.mark.parametrize("name", BINARY)
def test_broadcast_error_names_op_and_shapes(name):
    op = REGISTRY[name]
    for msg in raises_in_both(ShapeError, lambda a, b: op(a, b), f32(2, 3), f32(4)):
        assert name in msg and "(2, 3)" in msg and "(4,)" in msg


@pytest.mark.parametrize("name", BINARY)
def test_mixed_dtypes_name_both_and_cast(name):
    op = REGISTRY[name]
    x, y = am.constant([1.0, 2.0]), am.constant([1, 2])
    for msg in raises_in_both(DTypeError, lambda a, b: op(a, b), x, y):
        assert "float32" in msg and "int32" in msg and "am.cast" in msg


def test_where_shape_and_condition_errors():
    raises_in_both(ShapeError, lambda c, x: am.where(c, x, x), am.constant([True] * 3),
                   f32(2))
    raises_in_both(DTypeError, lambda c, x: am.where(c, x, x), f32(2), f32(2))


def test_matmul_inner_dims():
    for msg in raises_in_both(ShapeError, am.matmul, f32(2, 3), f32(4, 5)):
        assert "matmul" in msg and "(2, 3)" in msg and "(4, 5)" in msg
    raises_in_both(ShapeError, am.matmul, f32(3), f32(3, 2), match="rank")
    raises_in_both(ShapeError, am.matmul, f32(2, 2, 3), f32(3, 3, 2))  # batch dims


@pytest.mark.parametrize("shape, target", [((2, 3), (4,)), ((2, 3), (-1, 4)),
                                           ((6,), (-1, -1)), ((0, 3), (-1, 0))])
def test_reshape_impossible(shape, target):
    for msg in raises_in_both(ShapeError, lambda x: am.reshape(x, target), f32(*shape)):
        assert "reshape" in msg and str(shape) in msg or "invalid" in msg


@pytest.mark.parametrize("call", [
    lambda x: am.reduce_sum(x, axis=2), lambda x: am.reduce_max(x, axis=-3),
    lambda x: am.reduce_mean(x, axis=(0, 0)), lambda x: am.argmax(x, axis=2),
    lambda x: am.concat([x, x], axis=2), lambda x: am.stack([x, x], axis=4),
    lambda x: am.expand_dims(x, 3), lambda x: am.squeeze(x, 5),
    lambda x: am.softmax(x, axis=2), lambda x: am.gather(x, [0], axis=-3),
    lambda x: am.transpose(x, (0, 0)),
], ids=["sum", "max", "mean-repeated", "argmax", "concat", "stack", "expand_dims",
        "squeeze", "softmax", "gather", "transpose"])
def test_axis_out_of_range(call):
    raises_in_both(ArgumentError, call, f32(2, 3))


def test_other_shape_errors():
    raises_in_both(ShapeError, lambda x: am.squeeze(x, 0), f32(2, 3), match="not 1")
    raises_in_both(ShapeError, lambda x, y: am.concat([x, y], axis=0), f32(2, 3), f32(2, 4))
    raises_in_both(ShapeError, lambda x: am.broadcast_to(x, (2, 2)), f32(3))
    raises_in_both(ShapeError, lambda x: am.slice(x, [1], [5]), f32(3))
    raises_in_both(ShapeError, lambda x: x[5], f32(3))
    raises_in_both(ShapeError, lambda x: x[::0], f32(3), match="step")
    raises_in_both(ArgumentError, lambda x: am.transpose(x, (-1, 0)), f32(2, 3), match="perm")
    raises_in_both(ArgumentError, lambda x: am.cast(x), f32(3), match="dtype")
    raises_in_both(ArgumentError, lambda x: am.reduce_max(x), f32(0), match="empty")
    raises_in_both(ArgumentError, lambda x: am.argmin(x, axis=0), f32(0, 2), match="empty")
    raises_in_both(ArgumentError, lambda x: am.argmax(x, axis=None), f32(2, 0), match="empty")


# -- windows: geometry errors (values are checked against a loop in the table) ---------
def test_window_geometry_errors():
    x = f32(1, 4, 4, 2)
    raises_in_both(ShapeError, lambda x: am.conv2d(x, f32(5, 5, 2, 1)), x, match="larger")
    raises_in_both(ShapeError, lambda x: am.conv2d(x, f32(3, 3, 1, 1)), x, match="C_in")
    raises_in_both(ShapeError, lambda x: am.max_pool2d(x[0], 2), x, match="rank 4")
    raises_in_both(ArgumentError, lambda x: am.max_pool2d(x, 2, padding="FULL"), x)
    raises_in_both(ArgumentError, lambda x: am.max_pool2d(x, 0), x, match="ksize")
    raises_in_both(ArgumentError, lambda x: am.conv2d(x, f32(1, 1, 2, 1), strides=(1, 0)), x)


@pytest.mark.parametrize("h, k, s, padding, out", [
    (5, 3, 1, "VALID", 3), (5, 3, 2, "VALID", 2), (5, 3, 2, "SAME", 3), (6, 3, 2, "SAME", 3),
    (4, 2, 3, "SAME", 2), (1, 1, 1, "VALID", 1), (7, 7, 1, "VALID", 1)])
def test_window_output_size_as_tensorflow(h, k, s, padding, out):
    x = f32(1, h, h, 1)
    for y in both_modes(lambda x: am.max_pool2d(x, k, s, padding), x):
        assert y.shape == (1, out, out, 1)
    for y in both_modes(lambda x: am.conv2d(x, f32(k, k, 1, 3), s, padding), x):
        assert y.shape == (1, out, out, 3)


# -- run-time failures are ambi errors, consistent across modes ------------------------
def test_gather_out_of_range_is_an_ambi_error():
    x = am.constant([1.0, 2.0, 3.0])
    for idx in ([3], [-4], [[0, 7]]):
        for run in (am.gather, am.function(am.gather, optimize=0)):
            with pytest.raises(RunError, match="out of range") as info:
                run(x, am.constant(idx))
            assert not isinstance(info.value, IndexError)
            assert info.value.loc is not None and info.value.loc.file == __file__


def test_gather_indices_must_be_ints():
    raises_in_both(DTypeError, am.gather, am.constant([1, 2]), am.constant([0.0]))


def test_one_hot_indices_must_be_ints():
    raises_in_both(DTypeError, lambda i: am.one_hot(i, 3), am.constant([0.0, 1.0]))
    assert am.one_hot([1], 3).numpy().tolist() == [[0.0, 1.0, 0.0]]


@pytest.mark.parametrize("dtype", [am.int32, am.int64])
def test_int_pow_negative_exponent_is_an_error(dtype):
    """As numpy and PyTorch: integer ** negative integer is an error, in every mode."""
    x, y = am.constant([2, 3], dtype), am.constant([1, -1], dtype)
    raises_in_both(RunError, am.pow, x, y, match="negative")


@pytest.mark.parametrize("dtype", [am.int32, am.int64])
def test_int_division_by_zero(dtype):
    """Integer // 0 and % 0 give 0 (numpy's result, documented); / 0 gives inf/nan."""
    x, zero = am.constant([7, -7, 0], dtype), am.constant([0, 0, 0], dtype)
    for op, want in [(am.floordiv, [0, 0, 0]), (am.mod, [0, 0, 0])]:
        for y in both_modes(op, x, zero):
            assert y.numpy().tolist() == want and y.dtype is dtype
    for y in both_modes(am.divide, x, zero):
        np.testing.assert_array_equal(y.numpy(), [np.inf, -np.inf, np.nan])


def test_int_overflow_wraps_as_numpy():
    big = am.constant(np.array([2**31 - 1], np.int32))
    for y in both_modes(lambda x: x + 1, big):
        assert y.numpy().tolist() == [-2**31]
    for y in both_modes(lambda x: -x - 1, big):
        assert y.numpy().tolist() == [-2**31]
    low = am.constant(np.array([-2**63], np.int64))
    for y in both_modes(lambda x: (am.abs(x), x // -1), low):
        assert [v.numpy().tolist() for v in y] == [[-2**63], [-2**63]]


# -- random: seeds, modes, distribution ----------------------------------------------
@pytest.mark.parametrize("draw", [
    lambda seed: am.random.uniform([1000], seed=seed),
    lambda seed: am.random.normal([10, 100], seed=seed),
    lambda seed: am.random.uniform([7], minval=-2, maxval=5, seed=seed, dtype=am.float64),
], ids=["uniform", "normal", "uniform-float64"])
def test_seeded_random_same_in_every_mode(draw):
    eager = draw(3).numpy()
    assert np.array_equal(draw(3).numpy(), eager)
    for level in (0, 1, 2):
        f = am.function(lambda: draw(3), optimize=level)
        assert np.array_equal(f().numpy(), eager) and np.array_equal(f().numpy(), eager)
    assert not np.array_equal(draw(4).numpy(), eager)


def test_random_distribution_sanity():
    u = am.random.uniform([20000], seed=1).numpy()
    assert u.dtype == np.float32 and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.std() - (1 / 12) ** 0.5) < 0.01
    n = am.random.normal([20000], mean=2.0, stddev=3.0, seed=1).numpy()
    assert abs(n.mean() - 2.0) < 0.1 and abs(n.std() - 3.0) < 0.1
    assert np.isfinite(n).all()
    r = am.random.uniform([5000], minval=-3, maxval=-1, seed=2).numpy()
    assert r.min() >= -3 and r.max() < -1


def test_unseeded_draws_differ_each_call_and_repeat_after_set_seed():
    f = am.function(lambda: am.random.normal([4]), optimize=2)
    a, b = f().numpy(), f().numpy()
    assert not np.array_equal(a, b)  # an effect: not folded into a constant
    am.random.set_seed(11)
    first = [am.random.uniform([3]).numpy(), f().numpy()]
    am.random.set_seed(11)
    again = [am.random.uniform([3]).numpy(), f().numpy()]
    assert all(np.array_equal(x, y) for x, y in zip(first, again))


def test_random_shapes_and_dtypes():
    for y in both_modes(lambda: am.random.normal([0, 3], seed=1, dtype=am.float64)):
        assert y.shape == (0, 3) and y.dtype is am.float64
    for y in both_modes(lambda: am.random.uniform([], seed=1)):
        assert y.shape == () and y.dtype is am.float32


# -- print: program order, every mode ---------------------------------------------------
def test_print_order_eager_and_graph(capsys):
    def f(x):
        am.print("a", x)
        y = x * 2
        am.print(y, "b", x + 1)
        am.print("c")
        return y

    x = am.constant([1, 2])
    f(x)
    eager = capsys.readouterr().out
    assert eager == "a [1 2]\n[2 4] b [2 3]\nc\n"
    for level in (0, 2):
        g = am.function(f, optimize=level)
        g(x)
        g(x)
        assert capsys.readouterr().out == eager * 2


# -- fused: made by the -O2 fuse pass, never called by users ---------------------------
def test_fused_nodes_equal_the_unfused_graph():
    def f(x, y):
        z = am.exp(x) * y - am.sin(y) / (x * x + 1.0)
        return am.maximum(z, 0.0), z + 1.0

    x = am.constant(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    y = am.constant(np.linspace(1, 2, 4, dtype=np.float32))
    graph = am.function(f, optimize=0).get_concrete_function(x, y).graph
    am.passes.run(graph, ["fuse"])  # what an OpenCL target's -O2 does
    fused = [n for n in graph.order() if graph[n]["op"].name == "fused"]
    assert fused, graph.pretty()
    am.ir.verify(graph)
    run = [am.core.EagerTensor(v, t.dtype) for v, t in
           zip(am.interp.Compiled(graph)(x.numpy(), y.numpy()),
               (graph.out_type(o) for o in graph.outputs))]
    for a, b, e in zip(run, am.function(f, optimize=0)(x, y), f(x, y)):
        assert a.dtype is e.dtype and a.shape == e.shape
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(b.numpy(), e.numpy())


def test_constructor_and_composite_errors_name_their_own_op():
    with pytest.raises(DTypeError, match="2.5 is not an integer, so it cannot be int32"):
        am.fill([2], 2.5, am.int32)  # as am.constant(2.5, am.int32)
    with pytest.raises(DTypeError, match=r"\[1, 2.5\] holds values that are not integers"):
        am.constant([1, 2.5], am.int32)
    assert am.zeros([2], am.bool).numpy().tolist() == [False, False]
    with pytest.raises(ShapeError, match="stack: every tensor needs the same shape"):
        am.stack([am.constant([1.0]), am.constant([1.0, 2.0])])
    with pytest.raises(ArgumentError, match="one_hot: argument .depth. must be an int >= 0"):
        am.one_hot([0, 1], -1)
