"""Inputs for the gradient check of each differentiable op, away from its kinks.

``SAMPLES[name](draw) -> (operands, params)``: operands are float64 arrays (the ones
differentiated), int arrays (indices) or bool arrays (conditions). A new
differentiable op needs an entry here, or test_every_differentiable_op_is_sampled fails.
"""
import numpy as np
from hypothesis import assume, strategies as st
from hypothesis.extra import numpy as hnp

SHAPE = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
SHAPE1 = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def floats(draw, shape, lo=-2.0, hi=2.0):
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(lo, hi)))


def away(draw, shape, lo=0.2, hi=2.0):
    """|x| in [lo, hi], either sign: away from a kink at 0."""
    mag = floats(draw, shape, lo, hi)
    return mag * draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0])))


def distinct(draw, shape):
    """Values that differ pairwise by at least 0.1: no ties for max, min or pooling."""
    n = int(np.prod(shape, dtype=np.int64))
    perm = draw(st.permutations(range(n)))
    return (np.array(perm, np.float64).reshape(shape) * 0.1 - 0.05 * n) + 0.01


def pair(draw, **kw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    return shapes.input_shapes


def axis_params(draw, shape):
    nd = len(shape)
    axis = draw(st.one_of(st.none(), st.integers(-nd, nd - 1),
                          st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd,
                                   unique=True).map(tuple)))
    return {"axis": axis, "keepdims": draw(st.booleans())}


def unary(lo=-2.0, hi=2.0, kinked=False):
    def sample(draw):
        shape = draw(SHAPE)
        return [away(draw, shape, lo, hi) if kinked else floats(draw, shape, lo, hi)], {}
    return sample


def fractional(draw):
    """k + u with u in [0.1, 0.4]: away from the jumps of floor, ceil and round."""
    shape = draw(SHAPE)
    k = draw(hnp.arrays(np.float64, shape, elements=st.integers(-3, 3)))
    return [k + floats(draw, shape, 0.1, 0.4)], {}


def binary(y_lo=None, x_lo=-2.0):
    def sample(draw):
        sx, sy = pair(draw)
        y = away(draw, sy, y_lo, 2.0) if y_lo else floats(draw, sy)
        return [floats(draw, sx, x_lo, 2.0), y], {}
    return sample


def quotient(draw):
    """x = (k + u) y: x / y stays away from the integers where floordiv and mod jump."""
    shape = draw(SHAPE)
    y = away(draw, shape, 0.5, 2.0)
    k = draw(hnp.arrays(np.float64, shape, elements=st.integers(-3, 3)))
    return [(k + floats(draw, shape, 0.2, 0.8)) * y, y], {}


def extreme(draw):
    sx, sy = pair(draw)
    x, y = floats(draw, sx), floats(draw, sy)
    assume(np.all(np.abs(np.subtract(x, y)) > 0.05))
    return [x, y], {}


def where(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    c, sx, sy = shapes.input_shapes
    cond = draw(hnp.arrays(np.bool_, c))
    return [cond, floats(draw, sx), floats(draw, sy)], {}


def reduction(kind="floats"):
    def sample(draw):
        shape = draw(SHAPE1)
        x = {"floats": floats, "distinct": distinct}[kind](draw, shape) if kind != "prod" \
            else away(draw, shape, 0.5, 1.5)
        return [x], axis_params(draw, shape)
    return sample


def along_axis(draw):
    shape = draw(SHAPE1)
    return [floats(draw, shape)], {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


def matmul(draw):
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2))
    ba, bb = batch.input_shapes
    return [floats(draw, ba + (m, k)), floats(draw, bb + (k, n))], {}


def transpose(draw):
    shape = draw(SHAPE)
    perm = draw(st.one_of(st.none(), st.permutations(range(len(shape))).map(tuple)))
    return [floats(draw, shape)], {"perm": perm}


def reshape(draw):
    shape = draw(SHAPE)
    target = draw(st.sampled_from([shape[::-1], (-1,), (1,) + shape]))
    return [floats(draw, shape)], {"shape": target}


def expand_dims(draw):
    shape = draw(SHAPE)
    return [floats(draw, shape)], {"axis": draw(st.integers(-len(shape) - 1, len(shape)))}


def squeeze(draw):
    shape = draw(SHAPE1)
    ones = tuple(i for i, d in enumerate(shape) if d == 1)
    return [floats(draw, shape)], {"axis": draw(st.sampled_from([None, ones]))}


def concat(draw):
    shape = draw(SHAPE1)
    axis = draw(st.integers(0, len(shape) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = [floats(draw, shape[:axis] + (s,) + shape[axis + 1:]) for s in sizes]
    return [parts], {"axis": axis}


def stack(draw):
    shape = draw(SHAPE)
    n = draw(st.integers(1, 3))
    return [[floats(draw, shape) for _ in range(n)]], \
        {"axis": draw(st.integers(0, len(shape)))}


def broadcast_to(draw):
    target = draw(SHAPE)
    k = draw(st.integers(0, len(target)))
    small = tuple(d if draw(st.booleans()) else 1 for d in target[len(target) - k:])
    return [floats(draw, small)], {"shape": target}


def cast(draw):
    return [floats(draw, draw(SHAPE))], {"dtype": "float64"}


def strided_slice(draw):
    from ambi.ops.indexing import encode_index
    shape = draw(SHAPE1)
    index = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    return [floats(draw, shape)], {"index": encode_index(index)}


def slice_(draw):
    shape = draw(SHAPE1)
    begin = [draw(st.integers(0, d - 1)) for d in shape]
    size = [draw(st.sampled_from([-1, 1, d - b])) for d, b in zip(shape, begin)]
    return [floats(draw, shape)], {"begin": tuple(begin), "size": tuple(size)}


def gather(draw):
    shape = draw(SHAPE1)
    axis = draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    idx = draw(hnp.arrays(np.int32, draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)),
                          elements=st.integers(-n, n - 1)))
    return [floats(draw, shape), idx], {"axis": axis}


def _window(draw):
    n, h, w, c = (draw(st.integers(lo, hi)) for lo, hi in ((1, 2), (2, 5), (2, 5), (1, 2)))
    k = (draw(st.integers(1, min(3, h))), draw(st.integers(1, min(3, w))))
    return (n, h, w, c), k, draw(st.sampled_from([1, 2, (1, 2)])), \
        draw(st.sampled_from(["VALID", "SAME"]))


def conv2d(draw):
    shape, k, strides, padding = _window(draw)
    f = floats(draw, k + (shape[3], draw(st.integers(1, 2))))
    return [floats(draw, shape), f], {"strides": strides, "padding": padding}


def max_pool2d(draw):
    shape, k, strides, padding = _window(draw)
    return [distinct(draw, shape)], {"ksize": k, "strides": strides, "padding": padding}


SAMPLES = {
    "negative": unary(), "exp": unary(), "sin": unary(), "cos": unary(), "tanh": unary(),
    "sigmoid": unary(), "square": unary(), "log": unary(0.2, 3.0), "sqrt": unary(0.2, 3.0),
    "rsqrt": unary(0.2, 3.0), "log1p": unary(-0.5, 2.0), "abs": unary(0.1, 2.0, True),
    "sign": unary(0.1, 2.0, True), "relu": unary(0.1, 2.0, True),
    "floor": fractional, "ceil": fractional, "round": fractional,
    "add": binary(), "subtract": binary(), "multiply": binary(),
    "divide": binary(y_lo=0.5), "pow": binary(x_lo=0.5), "floordiv": quotient,
    "mod": quotient, "maximum": extreme, "minimum": extreme, "where": where,
    "reduce_sum": reduction(), "reduce_mean": reduction(), "reduce_prod": reduction("prod"),
    "reduce_max": reduction("distinct"), "reduce_min": reduction("distinct"),
    "softmax": along_axis, "log_softmax": along_axis, "matmul": matmul,
    "transpose": transpose, "reshape": reshape, "expand_dims": expand_dims,
    "squeeze": squeeze, "concat": concat, "stack": stack, "broadcast_to": broadcast_to,
    "cast": cast, "strided_slice": strided_slice, "slice": slice_, "gather": gather,
    "conv2d": conv2d, "max_pool2d": max_pool2d,
}

# Differentiable ops whose gradient is checked by another test, and why.
ELSEWHERE = {
    "one_hot": "its operand is integer indices: nothing to differentiate "
               "(tests/autodiff/test_tape.py::test_integer_inputs_get_no_gradient)",
    "cond": "needs subgraphs: tests/autodiff/test_grad_control.py",
    "while": "needs subgraphs: tests/autodiff/test_grad_control.py",
}
