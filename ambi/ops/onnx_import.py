"""How ONNX ops run on ambi's ops: one rule per ONNX op type (``IMPORT[op_type] = rule``),
next to the op records they call. ``ambi/onnx/importer.py`` walks a model and calls them.

A rule is ``rule(ctx, *inputs) -> list of outputs``. Inputs are ambi tensors, numpy arrays
(values known when the model loads: initializers, constants, shapes) or None (an omitted
optional input). ``ctx`` gives the node's attributes (``ctx.attr(name, default)``), a
static input's value (``ctx.static(i)``), the opset (``ctx.opset``), subgraphs
(``ctx.run(graph, values)``), ONNX dtype codes as ambi DTypes (``ctx.dtype(code)``) and
``ctx.fail(message)`` (a LoadError naming the node).
"""
import math

import numpy as np

from .. import dtypes as dt
from ..ir.types import broadcast_shapes
from . import elementwise as el, indexing, linalg, nn, reduce as rd, shape as sh
from .indexing import encode_index

IMPORT = {}


def rule(*op_types):
    def deco(fn):
        for name in op_types:
            IMPORT[name] = fn
        return fn
    return deco


def _one(fn):
    return lambda ctx, *xs: [fn(*xs)]


# -- the same meaning under another name ---------------------------------------------
for _name, _op in {"Abs": el.abs, "Neg": el.negative, "Sign": el.sign, "Exp": el.exp,
                   "Log": el.log, "Sqrt": el.sqrt, "Sin": el.sin, "Cos": el.cos,
                   "Tanh": el.tanh, "Floor": el.floor, "Ceil": el.ceil, "Round": el.round,
                   "Not": el.logical_not, "Relu": el.relu, "Sigmoid": el.sigmoid,
                   "Add": el.add, "Sub": el.subtract, "Mul": el.multiply,
                   "Equal": el.equal, "Less": el.less, "LessOrEqual": el.less_equal,
                   "Greater": el.greater, "GreaterOrEqual": el.greater_equal,
                   "And": el.logical_and, "Or": el.logical_or, "Xor": el.not_equal,
                   "Where": el.where}.items():
    IMPORT[_name] = _one(_op)
IMPORT["Identity"] = lambda ctx, x: [x]


def _dtype_of(x):
    return x.dtype if isinstance(x.dtype, dt.DType) else dt.of_numpy(x.dtype)


def _const(value, like):
    """A scalar of ``like``'s dtype (ONNX attributes are float or int)."""
    return np.asarray(value, _dtype_of(like).np)


def _shape(x):
    return tuple(np.shape(x)) if isinstance(x, np.ndarray) else x.shape


@rule("Pow")
def _pow(ctx, x, y):
    if _dtype_of(y) is not _dtype_of(x):  # ONNX lets the exponent's dtype differ
        y = sh.cast(y, _dtype_of(x))
    return [el.pow(x, y)]


@rule("Div")
def _div(ctx, x, y):
    if _dtype_of(x).is_float:
        return [el.divide(x, y)]
    # integers truncate toward zero: sign(x) * sign(y) * (|x| // |y|)
    return [el.multiply(el.multiply(el.sign(x), el.sign(y)), el.floordiv(el.abs(x), el.abs(y)))]


@rule("Mod")
def _mod(ctx, x, y):
    r = el.mod(x, y)  # the divisor's sign, as Python
    if not ctx.attr("fmod", 0):
        return [r]
    zero = _const(0, r)  # C's fmod has the dividend's sign
    moved = el.logical_and(el.not_equal(r, zero), el.not_equal(el.less(x, zero), el.less(y, zero)))
    return [el.where(moved, el.subtract(r, y), r)]


@rule("Reciprocal")
def _reciprocal(ctx, x):
    return [el.divide(_const(1, x), x)]


@rule("Tan")
def _tan(ctx, x):
    return [el.divide(el.sin(x), el.cos(x))]


@rule("Sinh", "Cosh")
def _sinh_cosh(ctx, x):
    e, f = el.exp(x), el.exp(el.negative(x))
    both = el.subtract(e, f) if ctx.op_type == "Sinh" else el.add(e, f)
    return [el.multiply(both, _const(0.5, x))]


@rule("IsNaN")
def _isnan(ctx, x):
    return [el.not_equal(x, x)]


@rule("IsInf")
def _isinf(ctx, x):
    pos, neg = ctx.attr("detect_positive", 1), ctx.attr("detect_negative", 1)
    if pos and neg:
        return [el.equal(el.abs(x), _const(np.inf, x))]
    if pos or neg:
        return [el.equal(x, _const(np.inf if pos else -np.inf, x))]
    return [el.logical_and(el.equal(x, x), el.not_equal(x, x))]  # all false


def _fold(op, xs):
    out = xs[0]
    for x in xs[1:]:
        out = op(out, x)
    return out


IMPORT["Max"] = lambda ctx, *xs: [_fold(el.maximum, xs)]
IMPORT["Min"] = lambda ctx, *xs: [_fold(el.minimum, xs)]
IMPORT["Sum"] = lambda ctx, *xs: [_fold(el.add, xs)]
IMPORT["Mean"] = lambda ctx, *xs: [el.divide(_fold(el.add, xs), _const(len(xs), xs[0]))]


@rule("Softmax", "LogSoftmax")
def _softmax(ctx, x):
    fn = nn.softmax if ctx.op_type == "Softmax" else nn.log_softmax
    if ctx.opset >= 13:
        return [fn(x, axis=ctx.attr("axis", -1))]
    shape = _shape(x)  # before opset 13: over the axes from `axis` on, flattened
    a = ctx.attr("axis", 1) % max(len(shape), 1)
    flat = sh.reshape(x, shape=(math.prod(shape[:a]), math.prod(shape[a:])))
    return [sh.reshape(fn(flat, axis=-1), shape=shape)]


@rule("Dropout")
def _dropout(ctx, x, ratio=None, training=None):
    if training is not None and bool(ctx.static(2)):
        ctx.fail("training_mode=True is not supported (inference only)")
    return [x, np.ones(_shape(x), bool)]


# -- values known at load time ---------------------------------------------------------
@rule("Constant")
def _constant(ctx):
    for key in ("value", "value_float", "value_int", "value_floats", "value_ints"):
        v = ctx.attr(key, None)
        if v is not None:
            return [np.asarray(v, np.float32 if "float" in key else
                               np.int64 if "int" in key else None)]
    ctx.fail("only numeric constants are supported (value, value_float(s), value_int(s))")


@rule("Shape")
def _shape_op(ctx, x):
    dims = np.asarray(_shape(x), np.int64)
    return [dims[ctx.attr("start", 0):ctx.attr("end", None)]]


IMPORT["Size"] = lambda ctx, x: [np.asarray(math.prod(_shape(x)), np.int64)]


@rule("ConstantOfShape")
def _constant_of_shape(ctx, dims):
    shape = tuple(int(d) for d in ctx.static(0))
    ctx.check_size(shape)
    value = ctx.attr("value", np.zeros(1, np.float32))
    return [np.full(shape, value.reshape(-1)[0], value.dtype)]


@rule("Range")
def _range(ctx, start, limit, delta):
    start, limit, delta = (ctx.static(i) for i in range(3))
    n = max(int(math.ceil((limit - start) / delta)), 0) if delta else 0
    ctx.check_size((n,))
    return [(start + delta * np.arange(n)).astype(np.asarray(start).dtype)]


@rule("EyeLike")
def _eye_like(ctx, x):
    d = ctx.dtype(ctx.attr("dtype", None)) if ctx.attr("dtype", None) else _dtype_of(x)
    rows, cols = _shape(x)
    return [np.eye(rows, cols, k=ctx.attr("k", 0), dtype=d.np)]


# -- shapes ---------------------------------------------------------------------------
@rule("Cast", "CastLike")
def _cast(ctx, x, like=None):
    d = _dtype_of(like) if like is not None else ctx.dtype(ctx.attr("to", 0))
    return [sh.cast(x, d)]


@rule("Reshape")
def _reshape(ctx, x, target):
    shape, target = _shape(x), [int(d) for d in ctx.static(1)]
    if not ctx.attr("allowzero", 0):
        target = [shape[i] if d == 0 else d for i, d in enumerate(target)]
    return [sh.reshape(x, shape=tuple(target))]


@rule("Flatten")
def _flatten(ctx, x):
    shape = _shape(x)
    a = ctx.attr("axis", 1)
    a = a + len(shape) if a < 0 else a
    return [sh.reshape(x, shape=(math.prod(shape[:a]), math.prod(shape[a:])))]


def _axes(ctx, i, default=None):
    """``axes`` from input ``i`` (newer opsets) or the attribute (older ones)."""
    if ctx.has(i):
        return [int(a) for a in np.reshape(ctx.static(i), -1)]
    axes = ctx.attr("axes", default)
    return None if axes is None else list(axes)


@rule("Squeeze")
def _squeeze(ctx, x, axes=None):
    axes = _axes(ctx, 1)
    return [sh.squeeze(x, axis=None if axes is None else tuple(axes))]


@rule("Unsqueeze")
def _unsqueeze(ctx, x, axes=None):
    axes = _axes(ctx, 1)
    n = len(_shape(x)) + len(axes)
    out = list(_shape(x))
    for a in sorted(a % n for a in axes):
        out.insert(a, 1)
    return [sh.reshape(x, shape=tuple(out))]


IMPORT["Transpose"] = lambda ctx, x: [sh.transpose(x, perm=_perm(ctx))]


def _perm(ctx):
    perm = ctx.attr("perm", None)
    return None if perm is None else tuple(perm)


IMPORT["Concat"] = lambda ctx, *xs: [sh.concat(list(xs), axis=ctx.attr("axis", 0))]


@rule("Expand")
def _expand(ctx, x, dims):
    target = broadcast_shapes(_shape(x), tuple(int(d) for d in ctx.static(1)), "Expand")
    ctx.check_size(target)
    return [sh.broadcast_to(x, shape=target)]


@rule("Tile")
def _tile(ctx, x, reps):
    reps = [int(r) for r in ctx.static(1)]
    ctx.check_size(tuple(d * r for d, r in zip(_shape(x), reps)))
    for axis, r in enumerate(reps):
        if r != 1:
            x = sh.concat([x] * r, axis=axis)
    return [x]


@rule("Gather")
def _gather(ctx, x, idx):
    return [indexing.gather(x, idx, axis=ctx.attr("axis", 0))]


def _onnx_slice(start, end, step, dim):
    """ONNX's clamped Slice bounds on an axis of size ``dim`` -> a Python slice."""
    start = start + dim if start < 0 else start
    end = end + dim if end < 0 else end
    if step > 0:
        return slice(min(max(start, 0), dim), min(max(end, 0), dim), step)
    start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
    return slice(start, None if end < 0 else end, step)


@rule("Slice")
def _slice(ctx, x, *rest):
    shape = _shape(x)
    if ctx.opset < 10:
        starts, ends, axes = ctx.attr("starts"), ctx.attr("ends"), ctx.attr("axes", None)
        steps = None
    else:
        starts, ends = ctx.static(1), ctx.static(2)
        axes = ctx.static(3) if ctx.has(3) else None
        steps = ctx.static(4) if ctx.has(4) else None
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * len(shape)
    for a, s, e, k in zip(axes, starts, ends, steps):
        a = int(a) % len(shape)
        index[a] = _onnx_slice(int(s), int(e), int(k), shape[a])
    return [indexing.strided_slice(x, index=encode_index(tuple(index)))]


@rule("Split")
def _split(ctx, x, split=None):
    shape, axis = _shape(x), ctx.attr("axis", 0)
    a = axis % len(shape)
    sizes = ctx.static(1) if ctx.has(1) else ctx.attr("split", None)
    if sizes is None:
        n = ctx.attr("num_outputs", ctx.n_outputs)
        size = -(-shape[a] // n)
        sizes = [min(size, shape[a] - i * size) for i in range(n)]
    out, at = [], 0
    for s in sizes:
        index = [slice(None)] * a + [slice(at, at + int(s))]
        out.append(indexing.strided_slice(x, index=encode_index(tuple(index))))
        at += int(s)
    return out


@rule("DepthToSpace", "SpaceToDepth")
def _depth_space(ctx, x):
    n, c, h, w = _shape(x)
    b = ctx.attr("blocksize")
    if ctx.op_type == "SpaceToDepth":
        y = sh.reshape(x, shape=(n, c, h // b, b, w // b, b))
        crd = ctx.attr("mode", "DCR") == "CRD"  # the channel before the block offsets
        y = sh.transpose(y, perm=(0, 1, 3, 5, 2, 4) if crd else (0, 3, 5, 1, 2, 4))
        return [sh.reshape(y, shape=(n, c * b * b, h // b, w // b))]
    if ctx.attr("mode", "DCR") == "DCR":
        y = sh.transpose(sh.reshape(x, shape=(n, b, b, c // (b * b), h, w)),
                         perm=(0, 3, 4, 1, 5, 2))
    else:
        y = sh.transpose(sh.reshape(x, shape=(n, c // (b * b), b, b, h, w)),
                         perm=(0, 1, 4, 2, 5, 3))
    return [sh.reshape(y, shape=(n, c // (b * b), h * b, w * b))]


# -- reductions ------------------------------------------------------------------------
def _reduce_axes(ctx, x):
    first = 1 if ctx.opset >= 18 or ctx.op_type == "ReduceSum" and ctx.opset >= 13 else None
    axes = _axes(ctx, first) if first else ctx.attr("axes", None)
    if not axes:
        if ctx.attr("noop_with_empty_axes", 0):
            return ()
        return None
    return tuple(axes)


REDUCTIONS = {
    "ReduceSum": lambda x, **k: rd.reduce_sum(x, **k),
    "ReduceMean": lambda x, **k: rd.reduce_mean(x, **k),
    "ReduceMax": lambda x, **k: rd.reduce_max(x, **k),
    "ReduceMin": lambda x, **k: rd.reduce_min(x, **k),
    "ReduceProd": lambda x, **k: rd.reduce_prod(x, **k),
    "ReduceSumSquare": lambda x, **k: rd.reduce_sum(el.multiply(x, x), **k),
    "ReduceL1": lambda x, **k: rd.reduce_sum(el.abs(x), **k),
    "ReduceL2": lambda x, **k: el.sqrt(rd.reduce_sum(el.multiply(x, x), **k)),
    "ReduceLogSum": lambda x, **k: el.log(rd.reduce_sum(x, **k)),
    "ReduceLogSumExp": lambda x, **k: el.log(rd.reduce_sum(el.exp(x), **k)),
}


@rule(*REDUCTIONS)
def _reduce(ctx, x, axes=None):
    axis = _reduce_axes(ctx, x)
    if axis == ():
        return [x]
    keep = bool(ctx.attr("keepdims", 1))
    if ctx.op_type in ("ReduceMax", "ReduceMin") and _empty_axis(_shape(x), axis):
        return [_identity(ctx, x, axis, keep)]
    out = REDUCTIONS[ctx.op_type](x, axis=axis, keepdims=keep)
    if ctx.op_type == "ReduceMean" and _dtype_of(out) is not _dtype_of(x):
        out = sh.cast(out, _dtype_of(x))  # ONNX keeps an integer mean integer
    return [out]


def _empty_axis(shape, axis):
    axes = range(len(shape)) if axis is None else [a % len(shape) for a in axis]
    return any(shape[a] == 0 for a in axes)


def _identity(ctx, x, axis, keep):
    """ONNX's max (min) over an empty axis: the lowest (highest) value of the dtype
    (ambi's reduce_max/min refuse it, as numpy, JAX and PyTorch do)."""
    shape, d = _shape(x), _dtype_of(x)
    axes = set(range(len(shape)) if axis is None else (a % len(shape) for a in axis))
    out = tuple(1 if i in axes else n for i, n in enumerate(shape) if keep or i not in axes)
    high = ctx.op_type == "ReduceMin"
    if d.is_float:
        value = np.inf if high else -np.inf
    elif d.is_bool:
        value = high
    else:
        value = np.iinfo(d.np).max if high else np.iinfo(d.np).min
    return np.full(out, value, d.np)


@rule("ArgMax", "ArgMin")
def _arg(ctx, x):
    fn = rd.argmax if ctx.op_type == "ArgMax" else rd.argmin
    shape, axis = _shape(x), ctx.attr("axis", 0)
    a = axis % len(shape)
    if ctx.attr("select_last_index", 0):  # the last one: search the reversed axis
        flipped = indexing.strided_slice(x, index=encode_index((slice(None),) * a +
                                                               (slice(None, None, -1),)))
        found = el.subtract(np.int32(shape[a] - 1), fn(flipped, axis=a))
    else:
        found = fn(x, axis=a)
    found = sh.cast(found, dt.int64)
    if ctx.attr("keepdims", 1):
        found = sh.expand_dims(found, axis=a)
    return [found]


IMPORT["GlobalAveragePool"] = lambda ctx, x: [rd.reduce_mean(
    x, axis=tuple(range(2, len(_shape(x)))), keepdims=True)]
IMPORT["GlobalMaxPool"] = lambda ctx, x: [rd.reduce_max(
    x, axis=tuple(range(2, len(_shape(x)))), keepdims=True)]


# -- linear algebra and normalization ---------------------------------------------------
@rule("MatMul")
def _matmul(ctx, a, b):
    va, vb = len(_shape(a)) == 1, len(_shape(b)) == 1  # numpy's vector rules
    a = sh.expand_dims(a, axis=0) if va else a
    b = sh.expand_dims(b, axis=-1) if vb else b
    out = linalg.matmul(a, b)
    shape = list(out.shape)
    if vb:
        shape.pop(-1)
    if va:
        shape.pop(-1 if vb else -2)
    return [sh.reshape(out, shape=tuple(shape)) if va or vb else out]


@rule("Gemm")
def _gemm(ctx, a, b, c=None):
    a = sh.transpose(a) if ctx.attr("transA", 0) else a
    b = sh.transpose(b) if ctx.attr("transB", 0) else b
    y = el.multiply(linalg.matmul(a, b), _const(ctx.attr("alpha", 1.0), a))
    if c is not None:
        y = el.add(y, el.multiply(c, _const(ctx.attr("beta", 1.0), a)))
    return [y]


IMPORT["If"] = lambda ctx, pred: list(cf_cond(ctx, pred))


def cf_cond(ctx, pred):
    pred = sh.reshape(pred, shape=()) if _shape(pred) != () else pred
    out = ctx.cond(pred, lambda: tuple(ctx.run(ctx.attr("then_branch"), [])),
               lambda: tuple(ctx.run(ctx.attr("else_branch"), [])))
    return out if isinstance(out, (tuple, list)) else (out,)


@rule("Loop")
def _loop(ctx, trips=None, keep=None, *state):
    body = ctx.attr("body")
    if len(body.output) != len(state) + 1:
        ctx.fail("scan outputs of Loop are not supported")
    limit = np.int64(2 ** 63 - 1) if trips is None else sh.reshape(trips, shape=())
    go = np.asarray(True) if keep is None else sh.reshape(keep, shape=())

    def test(i, go, *vs):
        return el.logical_and(el.less(i, limit), go)

    def step(i, go, *vs):
        out = ctx.run(body, [i, go, *vs])
        return (el.add(i, np.int64(1)), sh.reshape(out[0], shape=()), *out[1:])
    result = ctx.while_loop(test, step, [np.int64(0), go, *state])
    return list(result[2:])

