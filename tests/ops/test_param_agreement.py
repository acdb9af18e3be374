"""Eager kernels and trace-time shape rules agree on every parameter value.

Eager mode runs the numpy kernel and asks the shape rule only when the kernel fails,
so a kernel more lenient than its rule would give a result eagerly and an error in a
graph. Hypothesis draws shapes and parameters, valid or not; both modes must then give
the same result, or the same AmbiError, and never a bare Python/numpy error.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import ambi as am
from ambi.errors import AmbiError
from ambi.ops.indexing import encode_index

axis = st.integers(-4, 4)
axes = st.none() | axis | st.tuples(axis) | st.tuples(axis, axis) | st.tuples(axis, axis, axis)
dims = st.lists(st.integers(-2, 6), max_size=4).map(tuple)
slices = st.builds(slice, st.none() | st.integers(-4, 4), st.none() | st.integers(-4, 4),
                   st.none() | st.integers(-2, 2).filter(bool))
index_item = st.integers(-3, 3) | slices | st.none() | st.just(Ellipsis)
REDUCE = {"axis": axes, "keepdims": st.booleans()}

PARAMS = {
    "reduce_sum": REDUCE, "reduce_prod": REDUCE, "reduce_max": REDUCE, "reduce_min": REDUCE,
    "reduce_mean": REDUCE,
    "argmax": {"axis": st.none() | axis}, "argmin": {"axis": st.none() | axis},
    "transpose": {"perm": st.none() | st.lists(axis, max_size=4).map(tuple)},
    "reshape": {"shape": dims},
    "expand_dims": {"axis": axis},
    "squeeze": {"axis": axes},
    "softmax": {"axis": axis}, "log_softmax": {"axis": axis},
    "broadcast_to": {"shape": dims},
    "strided_slice": {"index": st.lists(index_item, max_size=4).map(
        lambda items: encode_index(tuple(items)))},
    "slice": {"begin": dims, "size": dims},
    "one_hot": {"depth": st.integers(0, 4)},
    "cast": {"dtype": st.sampled_from([am.float32, am.float64, am.int32, am.int64, am.bool])},
}
VARIADIC = {"concat": axis, "stack": axis}


def outcome(fn, *args):
    """The result as (shape, dtype, values), or the AmbiError class raised."""
    try:
        out = fn(*args)
    except AmbiError as e:
        return type(e)
    return out.shape, out.dtype, out.numpy()


def assert_agree(fn, *args):
    eager = outcome(fn, *args)
    graph = outcome(am.function(fn, optimize=0), *args)
    if isinstance(eager, type) or isinstance(graph, type):
        assert eager == graph, f"eager: {eager}, graph: {graph}"
        return
    assert eager[:2] == graph[:2]
    np.testing.assert_array_equal(eager[2], graph[2])


def operand(shape, name):
    if name == "one_hot":
        return am.constant(np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape) - 1)
    return am.constant(np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape))


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


@pytest.mark.parametrize("name", sorted(PARAMS))
@given(data=st.data())
def test_eager_and_graph_agree_on_params(name, data):
    op = getattr(am, name, None) or am.ir.REGISTRY[name]
    x = operand(data.draw(shapes, label="shape"), name)
    params = {k: data.draw(s, label=k) for k, s in PARAMS[name].items()}
    assert_agree(lambda x: op(x, **params), x)


@pytest.mark.parametrize("name", sorted(VARIADIC))
@given(data=st.data())
def test_eager_and_graph_agree_on_joins(name, data):
    op = getattr(am, name)
    a = operand(data.draw(shapes, label="a"), name)
    b = operand(data.draw(shapes, label="b"), name)
    ax = data.draw(VARIADIC[name], label="axis")
    assert_agree(lambda a, b: op([a, b], axis=ax), a, b)


@given(data=st.data())
def test_eager_and_graph_agree_on_gather(data):
    x = operand(data.draw(shapes, label="params"), "gather")
    idx = data.draw(hnp.arrays(np.int32, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
                               elements=st.integers(-4, 4)), label="indices")
    ax = data.draw(axis, label="axis")
    assert_agree(lambda x, i: am.gather(x, i, axis=ax), x, am.constant(idx))


@given(data=st.data())
def test_eager_and_graph_agree_on_matmul_and_broadcasting(data):
    a = operand(data.draw(shapes, label="a"), "matmul")
    b = operand(data.draw(shapes, label="b"), "matmul")
    assert_agree(am.matmul, a, b)
    assert_agree(am.add, a, b)
    assert_agree(lambda a, b: am.where(a > 1.0, a, b), a, b)
