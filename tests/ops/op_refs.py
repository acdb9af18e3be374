"""The numpy reference of every registered op, and the cases to try: the table REFS.

Read by ``test_against_numpy.py`` (every op against numpy, eagerly and in graphs) and
by ``tests/devices/test_registry.py`` (every op on an OpenCL device), so a case added
here is tested everywhere. Like JAX's lax_reference.
"""
import math

import numpy as np

from ambi import dtypes as dt
from ambi.ops.indexing import encode_index

# Structural ops, tested elsewhere rather than against a numpy function:
STRUCTURAL = {
    "arg", "const",               # the IR's own inputs/literals: every traced case uses them
    "cond", "while",              # tests/test_control.py
    "var_read", "var_write",      # tests/test_function.py (variables read at run time)
    "print",                      # tests/ops/test_op_errors.py and tests/test_function.py
    "random_uniform", "random_normal",  # tests/ops/test_op_errors.py (seeds, distribution)
    "fused",                      # made by the -O2 fuse pass: tests/ops/test_op_errors.py
}

TOL = {dt.float32: (1e-5, 1e-6), dt.float64: (1e-12, 1e-12)}  # SPEC section 9
RNG = np.random.default_rng(0)
F32, F64, I32, I64, BOOL = dt.float32, dt.float64, dt.int32, dt.int64, dt.bool_


# -- values -------------------------------------------------------------------------
def edges(dtype):
    """The edge values of a dtype: signed zeros, infinities, nan, int limits."""
    if dtype.is_float:
        return np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, np.inf, -np.inf, np.nan,
                         1e30, -1e-30], dtype.np)
    if dtype.is_int:
        info = np.iinfo(dtype.np)
        return np.array([0, 1, -1, 2, -7, 13, info.max, info.min], dtype.np)
    return np.array([False, True])


def rand(dtype, shape, low=-20, high=20):
    if dtype.is_float:
        return (RNG.normal(size=shape) * 3).astype(dtype.np)
    if dtype.is_int:
        return RNG.integers(low, high, size=shape).astype(dtype.np)
    return RNG.random(size=shape) < 0.5


def positive(dtype, shape):
    return (np.abs(rand(dtype, shape)) + 1).astype(dtype.np)


# -- case builders: each returns [(arrays, params), ...] for one dtype ---------------
UNARY_SHAPES = [(), (0,), (5,), (2, 3)]
BINARY_SHAPES = [((), ()), ((0,), (0,)), ((4,), (4,)), ((2, 3), (3,)), ((2, 1), (1, 3)),
                 ((), (2, 3)), ((0, 3), (1, 3)), ((3,), ())]


def unary_cases(dtype):
    cases = [([rand(dtype, s)], {}) for s in UNARY_SHAPES]
    return cases + [([edges(dtype)], {})]


def binary_cases(dtype, rhs=rand):
    cases = [([rand(dtype, a), rhs(dtype, b)], {}) for a, b in BINARY_SHAPES]
    e = edges(dtype)
    return cases + [([e[:, None], e[None, :]], {})]  # every pair of edge values


def int_pow_cases(dtype):
    """Integer exponents must be >= 0 (negative ones are an error, tested below)."""
    expo = lambda d, s: RNG.integers(0, 5, size=s).astype(d.np)  # noqa: E731
    if not dtype.is_int:
        return binary_cases(dtype)
    cases = [([rand(dtype, a, -5, 5), expo(dtype, b)], {}) for a, b in BINARY_SHAPES]
    e, k = edges(dtype), np.array([0, 1, 2, 3, 31, 63], dtype.np)
    return cases + [([e[:, None], k[None, :]], {})]  # overflow wraps as numpy's does


def where_cases(dtype):
    out = []
    for (a, b), c in zip(BINARY_SHAPES, [(), (0,), (4,), (2, 1), (1, 3), (), (0, 1), (3,)]):
        out.append(([rand(BOOL, c), rand(dtype, a), rand(dtype, b)], {}))
    return out


AXES = [((), None), ((), 0), ((), -1), ((5,), 0), ((5,), -1), ((2, 3), None), ((2, 3), 0),
        ((2, 3), 1), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 0)), ((0, 3), 1), ((2, 0), 0)]


def reduce_cases(dtype, nonempty=False, limits=True):
    cases = []
    for shape, axis in AXES:
        axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
        if nonempty and any(shape and shape[a] == 0 for a in axes):
            continue  # an empty reduction of max/min is an error, tested below
        for keepdims in (False, True):
            cases.append(([rand(dtype, shape)], {"axis": axis, "keepdims": keepdims}))
    e = edges(dtype) if limits or not dtype.is_int else edges(dtype)[:-2]
    cases.append(([e], {"axis": None, "keepdims": False}))
    if dtype.is_float:  # the edges without nan, so inf and signed zeros show
        cases.append(([edges(dtype)[:8]], {"axis": 0, "keepdims": False}))
    return cases


def arg_cases(dtype):
    shapes = [((), 0), ((5,), 0), ((5,), -1), ((2, 3), 0), ((2, 3), 1), ((0, 3), 1),
              ((2, 3), None), ((), None)]  # None: the index into the flattened tensor
    cases = [([rand(dtype, s, -3, 3)], {"axis": a, "keepdims": False}) for s, a in shapes]
    cases += [([rand(dtype, s, -3, 3)], {"axis": a, "keepdims": True})
              for s, a in [((2, 3), 1), ((2, 3), None), ((5,), 0)]]
    return cases + [([edges(dtype)], {"axis": 0, "keepdims": False})]


def k_reduce(arrays, params):
    shape = np.shape(arrays[0])
    axes = range(len(shape)) if params["axis"] is None else np.atleast_1d(params["axis"])
    return math.prod(shape[a] for a in axes if shape)  # a scalar's axis 0 holds 1 term


def softmax_cases(dtype):
    cases = [([rand(dtype, s)], {"axis": a}) for s, a in
             [((5,), -1), ((2, 3), -1), ((2, 3), 0), ((0, 3), -1), ((2, 3, 4), 1)]]
    if not dtype.is_float:
        return cases
    big = np.array([1000.0, 1001.0, -np.inf, 0.0], dtype.np)  # stability and exp(-inf)
    return cases + [([big], {"axis": -1}), ([np.array([1.0, np.nan], dtype.np)], {"axis": 0})]


def shape_cases(pairs):
    """Cases ``(input shape, params)`` for ops with one operand."""
    return lambda dtype: [([rand(dtype, s)], p) for s, p in pairs]


def concat_cases(dtype):
    lists = [([(2, 3), (1, 3)], 0), ([(2, 1), (2, 3)], -1), ([(0, 3), (2, 3)], 0),
             ([(4,)], 0), ([(2,), (0,), (3,)], 0)]
    return [([rand(dtype, s) for s in shapes], {"axis": a}) for shapes, a in lists]


def stack_cases(dtype):
    lists = [([(), ()], 0), ([(2, 3), (2, 3)], 1), ([(2, 3), (2, 3), (2, 3)], -1),
             ([(0,), (0,)], 0), ([(3,)], 0)]
    return [([rand(dtype, s) for s in shapes], {"axis": a}) for shapes, a in lists]


def cast_cases(dtype):
    if dtype.is_float:  # finite values that fit every int type: out-of-range is undefined
        x = np.array([0.0, -0.0, 1.5, -2.5, 3.0, 100.75, -1e-30], dtype.np)
    else:
        x = edges(dtype)
    out = [([x], {"dtype": d}) for d in dt.ALL]
    return out + [([rand(dtype, (0, 2))], {"dtype": F32}), ([rand(dtype, ())], {"dtype": I64})]


def gather_cases(dtype):
    out = []
    for shape, idx, axis in [((5,), [4, 0, -1], 0), ((3, 4), [[0, 2], [1, 1]], 1),
                             ((3, 4), [], 0), ((3, 4), 2, 0), ((2, 0), [1], 0)]:
        for idt in (np.int32, np.int64):
            out.append(([rand(dtype, shape), np.array(idx, idt)], {"axis": axis}))
    return out


def one_hot_cases(dtype):
    idx = np.array([0, 2, 5, -1, 1], dtype.np)  # out of range and negative: all zeros
    return [([idx], {"depth": 3, "dtype": F32}), ([idx.reshape(5, 1)], {"depth": 4, "dtype": I32}),
            ([np.array(1, dtype.np)], {"depth": 2, "dtype": F64}),
            ([np.zeros((0,), dtype.np)], {"depth": 3, "dtype": BOOL})]


def matmul_cases(dtype):
    pairs = [((2, 3), (3, 4)), ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((2, 2, 3), (3, 4)),
             ((1, 2, 3), (4, 3, 2)), ((1, 1), (1, 1))]
    cases = [([rand(dtype, a, -5, 5), rand(dtype, b, -5, 5)], {}) for a, b in pairs]
    if dtype.is_int:  # overflow wraps
        big = np.full((1, 2), np.iinfo(dtype.np).max, dtype.np)
        cases.append(([big, np.full((2, 1), 3, dtype.np)], {}))
    return cases


def window_cases(with_filter):
    geometries = [((1, 5, 5, 2), 3, 1, "VALID"), ((2, 5, 6, 1), 2, 2, "SAME"),
                  ((1, 4, 4, 3), 3, 2, "SAME"), ((1, 7, 5, 2), (2, 3), (2, 1), "VALID"),
                  ((0, 3, 3, 1), 2, 1, "SAME"), ((1, 1, 1, 1), 1, 1, "VALID")]

    def cases(dtype):
        out = []
        for shape, k, s, pad in geometries:
            x = rand(dtype, shape, -9, 9)
            kh, kw = (k, k) if isinstance(k, int) else k
            if with_filter:
                out.append(([x, rand(dtype, (kh, kw, shape[3], 2))],
                            {"strides": s, "padding": pad}))
            else:
                out.append(([x], {"ksize": k, "strides": s, "padding": pad}))
        return out
    return cases


# -- references written independently of the kernels --------------------------------
def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2


def window_loop(x, kh, kw, strides, padding, channels, reduce_window):
    """Explicit loops over output pixels; out-of-range taps are skipped (TF's rule)."""
    (sh, sw), (n, h, w, _) = pair(strides), x.shape
    if padding == "VALID":
        (oh, ph), (ow, pw) = ((h - kh) // sh + 1, 0), ((w - kw) // sw + 1, 0)
    else:
        (oh, ph), (ow, pw) = same_pads(h, kh, sh), same_pads(w, kw, sw)
    out = np.zeros((n, oh, ow, channels), np.float64)
    for i in range(oh):
        for j in range(ow):
            taps = [(a, b) for a in range(kh) for b in range(kw)
                    if 0 <= i * sh - ph + a < h and 0 <= j * sw - pw + b < w]
            out[:, i, j, :] = reduce_window(x, i * sh - ph, j * sw - pw, taps)
    return out.astype(x.dtype)


def conv_ref(x, f, strides, padding):
    kh, kw, _, co = f.shape

    def dot(x, r, c, taps):
        return sum((x[:, r + a, c + b, :].astype(np.float64) @ f[a, b].astype(np.float64)
                    for a, b in taps), np.zeros((x.shape[0], co)))
    return window_loop(x, kh, kw, strides, padding, co, dot)


def pool_ref(x, ksize, strides, padding):
    kh, kw = pair(ksize)

    def window_max(x, r, c, taps):
        return np.max([x[:, r + a, c + b, :] for a, b in taps], axis=0)
    return window_loop(x, kh, kw, strides, padding, x.shape[3], window_max)


def slice_ref(x, begin, size):
    return x[tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]


def one_hot_ref(idx, depth, dtype):
    return (idx[..., None] == np.arange(depth)).astype(dtype.np)


def in_f64(fn):
    """Evaluate in float64 and round back: an independent, more exact reference."""
    return lambda x, **p: fn(x.astype(np.float64), **p).astype(x.dtype)


def divide_ref(x, y):
    if x.dtype.kind == "f":
        return x / y
    out = np.float64 if x.dtype == np.int64 else np.float32
    return (x.astype(np.float64) / y.astype(np.float64)).astype(out)


def mean_ref(x, axis, keepdims):
    """Integers are first cast to the float result dtype, as in JAX: sums cannot wrap."""
    out = x.dtype if x.dtype.kind == "f" else (np.float64 if x.dtype == np.int64 else np.float32)
    x, axis = x.astype(out).astype(np.float64), axis if x.ndim else None
    return np.asarray(np.mean(x, axis=axis, keepdims=keepdims)).astype(out)


def reduce_ref(fn):
    return lambda x, axis, keepdims: np.asarray(fn(x, axis=axis, keepdims=keepdims,
                                                   dtype=x.dtype)).astype(x.dtype)


def softmax_ref(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_ref(x, axis):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


class Ref:
    """One table entry: the numpy reference, the cases per dtype, and the summed terms."""

    def __init__(self, fn, cases=unary_cases, k=None):
        self.fn, self.cases, self.k = fn, cases, k or (lambda arrays, params: 1)


def _bin(fn, cases=binary_cases):
    return Ref(fn, cases)


REFS = {
    # elementwise unary
    "negative": Ref(lambda x: -x), "abs": Ref(np.abs), "sign": Ref(np.sign),
    "exp": Ref(np.exp), "log": Ref(np.log), "log1p": Ref(np.log1p), "sqrt": Ref(np.sqrt),
    "sin": Ref(np.sin), "cos": Ref(np.cos), "tanh": Ref(np.tanh), "floor": Ref(np.floor),
    "ceil": Ref(np.ceil), "round": Ref(np.rint), "logical_not": Ref(lambda x: ~x),
    "stop_gradient": Ref(lambda x: x),
    "square": Ref(lambda x: x * x),
    "relu": Ref(lambda x: np.where(np.isnan(x) | (x > 0), x, 0).astype(x.dtype)),
    "rsqrt": Ref(in_f64(lambda x: 1 / np.sqrt(x))),
    "sigmoid": Ref(in_f64(lambda x: 1 / (1 + np.exp(-x)))),
    # elementwise binary and ternary
    "add": _bin(lambda x, y: x + y), "subtract": _bin(lambda x, y: x - y),
    "multiply": _bin(lambda x, y: x * y), "divide": _bin(divide_ref),
    "floordiv": _bin(np.floor_divide), "mod": _bin(np.remainder),
    "pow": _bin(np.power, int_pow_cases),
    "maximum": _bin(np.maximum), "minimum": _bin(np.minimum),
    "equal": _bin(lambda x, y: x == y), "not_equal": _bin(lambda x, y: x != y),
    "less": _bin(lambda x, y: x < y), "less_equal": _bin(lambda x, y: x <= y),
    "greater": _bin(lambda x, y: x > y), "greater_equal": _bin(lambda x, y: x >= y),
    "logical_and": _bin(lambda x, y: x & y), "logical_or": _bin(lambda x, y: x | y),
    "where": Ref(np.where, where_cases),
    # reductions
    "reduce_sum": Ref(reduce_ref(np.sum), reduce_cases, k_reduce),
    "reduce_prod": Ref(reduce_ref(np.prod), reduce_cases, k_reduce),
    "reduce_max": Ref(lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
                      lambda d: reduce_cases(d, nonempty=True)),
    "reduce_min": Ref(lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims),
                      lambda d: reduce_cases(d, nonempty=True)),
    # mean sums in float (as JAX): int limits would make the sum order-dependent
    "reduce_mean": Ref(mean_ref, lambda d: reduce_cases(d, limits=False), k_reduce),
    "argmax": Ref(lambda x, axis, keepdims: np.asarray(np.argmax(
        x, axis=axis if x.ndim else None, keepdims=keepdims and x.ndim > 0), np.int32),
        arg_cases),
    "argmin": Ref(lambda x, axis, keepdims: np.asarray(np.argmin(
        x, axis=axis if x.ndim else None, keepdims=keepdims and x.ndim > 0), np.int32),
        arg_cases),
    # linear algebra and nn
    "matmul": Ref(lambda a, b: np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(
        a.dtype) if a.dtype.kind == "f" else np.matmul(a, b), matmul_cases,
        lambda arrays, params: arrays[0].shape[-1]),
    "softmax": Ref(in_f64(softmax_ref), softmax_cases, lambda a, p: a[0].shape[p["axis"]]),
    "log_softmax": Ref(in_f64(log_softmax_ref), softmax_cases,
                       lambda a, p: a[0].shape[p["axis"]]),
    "conv2d": Ref(conv_ref, window_cases(True), lambda a, p: math.prod(a[1].shape[:3])),
    "max_pool2d": Ref(pool_ref, window_cases(False)),
    # shape
    "reshape": Ref(lambda x, shape: np.reshape(x, shape), shape_cases(
        [((6,), {"shape": (2, 3)}), ((2, 3), {"shape": (-1,)}), ((), {"shape": (1, 1)}),
         ((0, 3), {"shape": (3, 0)}), ((2, 3), {"shape": (3, -1)}), ((1,), {"shape": ()})])),
    "transpose": Ref(lambda x, perm: np.transpose(x, perm), shape_cases(
        [((2, 3, 4), {"perm": (2, 0, 1)}), ((2, 3), {"perm": None}), ((), {"perm": None}),
         ((0, 2), {"perm": (1, 0)})])),
    "expand_dims": Ref(lambda x, axis: np.expand_dims(x, axis), shape_cases(
        [((), {"axis": 0}), ((2, 3), {"axis": -1}), ((2, 3), {"axis": 1}),
         ((0,), {"axis": 0})])),
    "squeeze": Ref(lambda x, axis: np.squeeze(x, axis), shape_cases(
        [((1, 3, 1), {"axis": None}), ((1, 3, 1), {"axis": 0}), ((1, 3, 1), {"axis": (0, 2)}),
         ((1, 3, 1), {"axis": -1}), ((1,), {"axis": None}), ((0, 1), {"axis": 1})])),
    "broadcast_to": Ref(lambda x, shape: np.broadcast_to(x, shape), shape_cases(
        [((3,), {"shape": (2, 3)}), ((), {"shape": (2, 2)}), ((1,), {"shape": (0,)}),
         ((2, 1), {"shape": (4, 2, 3)}), ((), {"shape": ()})])),
    "strided_slice": Ref(lambda x, index: x[_decode(index)], shape_cases(
        [((4,), {"index": encode_index(0)}), ((3, 4), {"index": encode_index(np.s_[:, 1:3])}),
         ((3, 4), {"index": encode_index(np.s_[..., None])}),
         ((5,), {"index": encode_index(np.s_[::-2])}),
         ((3, 4), {"index": encode_index(np.s_[-1, ::-1])}),
         ((4,), {"index": encode_index(np.s_[3:1])}), ((), {"index": encode_index(None)})])),
    "slice": Ref(slice_ref, shape_cases(
        [((3, 4), {"begin": (0, 1), "size": (2, -1)}), ((5,), {"begin": (2,), "size": (0,)}),
         ((2, 3, 4), {"begin": (1, 0, 2), "size": (1, 3, 2)}),
         ((), {"begin": (), "size": ()})])),
    "concat": Ref(lambda *xs, axis: np.concatenate(xs, axis=axis), concat_cases),
    "stack": Ref(lambda *xs, axis: np.stack(xs, axis=axis), stack_cases),
    "cast": Ref(lambda x, dtype: x.astype(dtype.np), cast_cases),
    "gather": Ref(lambda x, i, axis: np.take(x, i, axis=axis), gather_cases),
    "one_hot": Ref(one_hot_ref, one_hot_cases),
}


def _decode(index):
    from ambi.ops.indexing import decode_index
    return decode_index(index)



def call(op, tensors, params):
    return op(list(tensors), **params) if op.variadic else op(*tensors, **params)
