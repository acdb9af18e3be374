"""ONNX's neural-network ops as compositions of ambi's, registered into
``onnx_import.IMPORT``: activations, normalizations, and the windowed ops on ambi's NHWC
``conv2d``/``max_pool2d`` (Conv, MaxPool, AveragePool, Pad in constant mode).

ONNX is NCHW (1-D windows are NCW): inputs are transposed to NHWC (a 1-D window gets a
height of 1), padded explicitly by concatenating constant blocks, run with
``padding="VALID"`` and transposed back.
"""
import numpy as np

from .. import dtypes as dt
from . import elementwise as el, indexing, linalg, nn, reduce as rd, shape as sh
from .indexing import encode_index
from .onnx_import import IMPORT, _const, _dtype_of, _one, _shape, rule

# -- activations: short compositions --------------------------------------------------
@rule("LeakyRelu", "PRelu", "ThresholdedRelu", "Elu", "Celu", "Selu")
def _relu_family(ctx, x, slope=None):
    zero = _const(0, x)
    t = ctx.op_type
    if t == "LeakyRelu":
        slope = _const(ctx.attr("alpha", 0.01), x)
    if t == "PRelu" and _shape(slope) != _shape(x)[-len(_shape(slope)):] and \
            len(_shape(slope)) == 1 and len(_shape(x)) > 2:  # opset < 7: slope per channel
        slope = sh.reshape(slope, shape=(-1,) + (1,) * (len(_shape(x)) - 2))
    if t in ("LeakyRelu", "PRelu"):
        return [el.where(el.less(x, zero), el.multiply(slope, x), x)]
    if t == "ThresholdedRelu":
        return [el.where(el.greater(x, _const(ctx.attr("alpha", 1.0), x)), x, zero)]
    alpha = ctx.attr("alpha", {"Elu": 1.0, "Celu": 1.0, "Selu": 1.6732632423543772}[t])
    scale = ctx.attr("gamma", 1.0507009873554805) if t == "Selu" else 1.0
    inner = el.divide(x, _const(alpha, x)) if t == "Celu" else x
    neg = el.multiply(_const(alpha, x), el.subtract(el.exp(inner), _const(1, x)))
    out = el.where(el.greater(x, zero), x, neg) if t != "Celu" else \
        el.add(el.maximum(zero, x), el.minimum(zero, neg))
    return [el.multiply(_const(scale, x), out)] if t == "Selu" else [out]


@rule("HardSigmoid", "HardSwish")
def _hard(ctx, x):
    alpha = ctx.attr("alpha", 0.2 if ctx.op_type == "HardSigmoid" else 1 / 6)
    beta = ctx.attr("beta", 0.5)
    y = el.add(el.multiply(_const(alpha, x), x), _const(beta, x))
    y = el.maximum(_const(0, x), el.minimum(_const(1, x), y))
    return [el.multiply(x, y) if ctx.op_type == "HardSwish" else y]


def _softplus(x):
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), which never overflows
    return el.add(el.maximum(x, _const(0, x)), el.log1p(el.exp(el.negative(el.abs(x)))))


IMPORT["Softplus"] = _one(_softplus)
IMPORT["Softsign"] = lambda ctx, x: [el.divide(x, el.add(_const(1, x), el.abs(x)))]
IMPORT["Mish"] = lambda ctx, x: [el.multiply(x, el.tanh(_softplus(x)))]


@rule("Clip")
def _clip(ctx, x, lo=None, hi=None):
    if ctx.opset < 11:
        lo, hi = ctx.attr("min", None), ctx.attr("max", None)
    if lo is not None:
        x = el.maximum(x, _const(lo, x) if not hasattr(lo, "shape") else lo)
    if hi is not None:
        x = el.minimum(x, _const(hi, x) if not hasattr(hi, "shape") else hi)
    return [x]


@rule("BatchNormalization")
def _batch_norm(ctx, x, scale, bias, mean, var):
    if ctx.attr("training_mode", 0):
        ctx.fail("training_mode=1 is not supported (inference only)")
    col = (-1,) + (1,) * (len(_shape(x)) - 2)
    scale, bias, mean, var = (sh.reshape(v, shape=col) for v in (scale, bias, mean, var))
    inv = el.divide(scale, el.sqrt(el.add(var, _const(ctx.attr("epsilon", 1e-5), x))))
    return [el.add(el.multiply(el.subtract(x, mean), inv), bias)]


@rule("LayerNormalization")
def _layer_norm(ctx, x, scale, bias=None):
    n = len(_shape(x))
    axes = tuple(range(ctx.attr("axis", -1) % n, n))
    mean = rd.reduce_mean(x, axis=axes, keepdims=True)
    centered = el.subtract(x, mean)
    var = rd.reduce_mean(el.multiply(centered, centered), axis=axes, keepdims=True)
    inv = el.divide(_const(1, x), el.sqrt(el.add(var, _const(ctx.attr("epsilon", 1e-5), x))))
    y = el.multiply(el.multiply(centered, inv), scale)
    return [y if bias is None else el.add(y, bias), mean, inv]




def _geometry(ctx, shape, kernel):
    """(kernel, strides, pads as [(before, after)] per spatial axis) from the attributes."""
    k = len(kernel)
    if any(d != 1 for d in ctx.attr("dilations", [1] * k)):
        ctx.fail("dilations other than 1 are not supported")
    strides = list(ctx.attr("strides", [1] * k))
    auto = ctx.attr("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = []
        for size, kk, s in zip(shape[2:], kernel, strides):
            total = max((-(-size // s) - 1) * s + kk - size, 0)
            small, big = total // 2, total - total // 2
            pads.append((big, small) if auto == "SAME_LOWER" else (small, big))
    else:
        flat = [0] * (2 * k) if auto == "VALID" else list(ctx.attr("pads", [0] * (2 * k)))
        pads = list(zip(flat[:k], flat[k:]))
    return list(kernel), strides, pads


def _pad_axis(x, axis, before, after, value):
    """Concatenate blocks of ``value`` before and after ``axis``."""
    if before == after == 0:
        return x
    shape = list(_shape(x))
    parts = []
    for n in (before, after):
        shape[axis] = n
        parts.append(_block(tuple(shape), value, x) if n else None)
    return sh.concat([p for p in (parts[0], x, parts[1]) if p is not None], axis=axis)


def _block(shape, value, like):
    """A block of ``value`` (a number, or a scalar tensor computed by the model)."""
    if isinstance(value, (int, float, np.number, np.ndarray)):
        return np.full(shape, value, _dtype_of(like).np)
    return sh.broadcast_to(sh.reshape(value, shape=()), shape=shape)


def _to_nhwc(x):
    """NCHW -> NHWC; NCW -> N1WC (a 1-D window as a 2-D one of height 1)."""
    if len(_shape(x)) == 3:
        x = sh.expand_dims(x, axis=2)
    return sh.transpose(x, perm=(0, 2, 3, 1))


def _from_nhwc(y, rank):
    y = sh.transpose(y, perm=(0, 3, 1, 2))
    return sh.squeeze(y, axis=2) if rank == 3 else y


def _prepare(ctx, x, kernel, fill):
    rank = len(_shape(x))
    if rank not in (3, 4):
        ctx.fail(f"only 1-D and 2-D windows are supported, not an input of rank {rank}")
    kernel, strides, pads = _geometry(ctx, _shape(x), kernel)
    if rank == 3:
        kernel, strides, pads = [1] + kernel, [1] + strides, [(0, 0)] + pads
    y = _to_nhwc(x)
    n, h, w, c = _shape(y)
    ctx.check_size((n, h + sum(pads[0]), w + sum(pads[1]), c))
    for axis, (before, after) in zip((1, 2), pads):
        y = _pad_axis(y, axis, before, after, fill)
    return y, kernel, strides, rank, pads


@rule("Conv")
def _conv(ctx, x, w, b=None):
    group = ctx.attr("group", 1)
    y, kernel, strides, rank, _ = _prepare(ctx, x, _shape(w)[2:], 0)
    f = _to_filter(w)  # (O, I, [KH,] KW) -> (KH, KW, I, O)
    if group == 1:
        out = nn.conv2d(y, f, strides=tuple(strides), padding="VALID")
    else:  # one convolution per group of channels
        cin, cout = _shape(f)[2], _shape(f)[3] // group
        out = sh.concat([nn.conv2d(_channels(y, g * cin, cin), _channels(f, g * cout, cout),
                                   strides=tuple(strides), padding="VALID")
                         for g in range(group)], axis=3)
    if b is not None:
        out = el.add(out, b)
    return [_from_nhwc(out, rank)]


def _to_filter(w):
    if len(_shape(w)) == 3:
        w = sh.expand_dims(w, axis=2)
    return sh.transpose(w, perm=(2, 3, 1, 0))


def _channels(x, start, n):
    return indexing.strided_slice(x, index=encode_index((Ellipsis, slice(start, start + n))))


def _ceil_extra(ctx, y, kernel, strides, after, fill):
    """ceil_mode: pad the end so a last partial window counts, if it starts inside the
    input or its front padding (``after``: the padding already at the end)."""
    if not ctx.attr("ceil_mode", 0):
        return y
    shape = _shape(y)
    for axis, k, s, pe in zip((1, 2), kernel, strides, after):
        size = shape[axis]
        out = -(-(size - k) // s) + 1
        if (out - 1) * s >= size - pe:
            out -= 1
        y = _pad_axis(y, axis, 0, max((out - 1) * s + k - size, 0), fill)
    return y


@rule("MaxPool")
def _max_pool(ctx, x):
    if ctx.n_outputs > 1:
        ctx.fail("the Indices output of MaxPool is not supported")
    low = -np.inf if _dtype_of(x).is_float else np.iinfo(_dtype_of(x).np).min
    y, kernel, strides, rank, pads = _prepare(ctx, x, ctx.attr("kernel_shape"), low)
    y = _ceil_extra(ctx, y, kernel, strides, [p[1] for p in pads], low)
    out = nn.max_pool2d(y, ksize=tuple(kernel), strides=tuple(strides), padding="VALID")
    return [_from_nhwc(out, rank)]


def _slice(x, index):
    return indexing.strided_slice(x, index=encode_index(index))


def _window_sum(y, kernel, strides, take=_slice, add=el.add):
    """The sum of each window: kh * kw strided slices added up (numpy's own ``take`` and
    ``add`` for the counts known at load time)."""
    (kh, kw), (sh_, sw) = kernel, strides
    n, h, w, c = _shape(y)
    oh, ow = (h - kh) // sh_ + 1, (w - kw) // sw + 1
    total = None
    for i in range(kh):
        for j in range(kw):
            index = (slice(None), slice(i, i + (oh - 1) * sh_ + 1, sh_),
                     slice(j, j + (ow - 1) * sw + 1, sw))
            part = take(y, index)
            total = part if total is None else add(total, part)
    return total


@rule("AveragePool")
def _avg_pool(ctx, x):
    y, kernel, strides, rank, pads = _prepare(ctx, x, ctx.attr("kernel_shape"), 0)
    padded = _shape(y)
    y = _ceil_extra(ctx, y, kernel, strides, [p[1] for p in pads], 0)
    # how many cells each window averages: ones over the input (and its padding when
    # count_include_pad), zeros over the rest, summed by the same windows
    d = _dtype_of(x).np
    if ctx.attr("count_include_pad", 0):
        counts = np.ones((1,) + padded[1:3] + (1,), d)
    else:
        counts = np.pad(np.ones((1,) + _shape(_to_nhwc(x))[1:3] + (1,), d),
                        [(0, 0), *pads, (0, 0)])
    extra = [_shape(y)[a] - counts.shape[a] for a in (1, 2)]
    counts = np.pad(counts, [(0, 0), (0, extra[0]), (0, extra[1]), (0, 0)])
    n = _window_sum(counts, kernel, strides, lambda a, index: a[index], np.add)
    return [_from_nhwc(el.divide(_window_sum(y, kernel, strides), n), rank)]


@rule("Pad")
def _pad(ctx, x, pads=None, value=None, axes=None):
    if ctx.attr("mode", "constant") != "constant":
        ctx.fail(f"mode={ctx.attr('mode')!r} is not supported (only 'constant')")
    rank = len(_shape(x))
    flat = [int(p) for p in (ctx.static(1) if ctx.opset >= 11 else ctx.attr("pads"))]
    axes = [int(a) % rank for a in ctx.static(3)] if ctx.has(3) else list(range(rank))
    fill = ctx.inputs[2] if ctx.has(2) else ctx.attr("value", 0.0)
    k = len(axes)
    if any(p < 0 for p in flat):
        ctx.fail("negative pads (cropping) are not supported")
    out = list(_shape(x))
    for a, before, after in zip(axes, flat[:k], flat[k:]):
        out[a] += before + after
    ctx.check_size(tuple(out))
    for a, before, after in zip(axes, flat[:k], flat[k:]):
        x = _pad_axis(x, a, before, after, fill)
    return [x]


@rule("Hardmax")
def _hardmax(ctx, x):
    axis = ctx.attr("axis", -1) % len(_shape(x))
    hot = indexing.one_hot(rd.argmax(x, axis=axis), len_of(x, axis), dtype=_dtype_of(x))
    perm = list(range(len(_shape(x)) - 1))
    perm.insert(axis, len(_shape(x)) - 1)
    return [sh.transpose(hot, perm=tuple(perm))]


def len_of(x, axis):
    return _shape(x)[axis]


# -- more activations and normalizations ---------------------------------------------
def _erf(x):
    """Abramowitz and Stegun 7.1.26: |error| < 1.5e-7 (float32's own precision; float64
    models get the same 1.5e-7)."""
    t = el.divide(_const(1, x), el.add(_const(1, x), el.multiply(_const(0.3275911, x),
                                                                 el.abs(x))))
    poly = _const(1.061405429, x)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly = el.add(el.multiply(poly, t), _const(c, x))
    y = el.subtract(_const(1, x), el.multiply(el.multiply(poly, t),
                                              el.exp(el.negative(el.multiply(x, x)))))
    return el.multiply(el.sign(x), y)


IMPORT["Erf"] = _one(_erf)


@rule("Gelu")
def _gelu(ctx, x):
    half = el.multiply(_const(0.5, x), x)
    if ctx.attr("approximate", "none") == "tanh":
        inner = el.add(x, el.multiply(_const(0.044715, x), el.multiply(x, el.multiply(x, x))))
        t = el.tanh(el.multiply(_const(np.sqrt(2 / np.pi), x), inner))
    else:
        t = _erf(el.multiply(x, _const(1 / np.sqrt(2), x)))
    return [el.multiply(half, el.add(_const(1, x), t))]


@rule("Swish")
def _swish(ctx, x):
    return [el.multiply(x, el.sigmoid(el.multiply(_const(ctx.attr("alpha", 1.0), x), x)))]


@rule("Shrink")
def _shrink(ctx, x):
    lambd, bias = _const(ctx.attr("lambd", 0.5), x), _const(ctx.attr("bias", 0.0), x)
    low = el.where(el.less(x, el.negative(lambd)), el.add(x, bias), _const(0, x))
    return [el.where(el.greater(x, lambd), el.subtract(x, bias), low)]


def _normalize(x, axes, eps, center=True):
    """(x - mean) / sqrt(var + eps) over ``axes`` (or x / sqrt(mean(x²) + eps))."""
    if center:
        x = el.subtract(x, rd.reduce_mean(x, axis=axes, keepdims=True))
    var = rd.reduce_mean(el.multiply(x, x), axis=axes, keepdims=True)
    return el.divide(x, el.sqrt(el.add(var, _const(eps, x))))


def _per_channel(v, rank):
    return sh.reshape(v, shape=(-1,) + (1,) * (rank - 2))


@rule("InstanceNormalization")
def _instance_norm(ctx, x, scale, bias):
    rank = len(_shape(x))
    y = _normalize(x, tuple(range(2, rank)), ctx.attr("epsilon", 1e-5))
    return [el.add(el.multiply(y, _per_channel(scale, rank)), _per_channel(bias, rank))]


@rule("MeanVarianceNormalization")
def _mvn(ctx, x):
    return [_normalize(x, tuple(ctx.attr("axes", [0, 2, 3])), 1e-9)]


@rule("RMSNormalization")
def _rms_norm(ctx, x, scale):
    n = len(_shape(x))
    axes = tuple(range(ctx.attr("axis", -1) % n, n))
    return [el.multiply(_normalize(x, axes, ctx.attr("epsilon", 1e-5), center=False), scale)]


@rule("LpNormalization")
def _lp_norm(ctx, x):
    axis, p = ctx.attr("axis", -1), ctx.attr("p", 2)
    if p not in (1, 2):
        ctx.fail(f"p={p} is not supported (1 or 2)")
    size = el.abs(x) if p == 1 else el.multiply(x, x)
    norm = rd.reduce_sum(size, axis=axis, keepdims=True)
    norm = norm if p == 1 else el.sqrt(norm)
    zero = el.equal(norm, _const(0, x))  # a zero vector stays zero (ONNX's reference)
    return [el.divide(x, el.where(zero, _const(1, x), norm))]


@rule("Trilu")
def _trilu(ctx, x, k=None):
    rows, cols = _shape(x)[-2:]
    k = int(ctx.static(1).reshape(-1)[0]) if ctx.has(1) else 0
    upper = ctx.attr("upper", 1)
    keep = np.triu(np.ones((rows, cols), bool), k) if upper else \
        np.tril(np.ones((rows, cols), bool), k)
    return [el.where(keep, x, _const(0, x))]


@rule("CumSum")
def _cumsum(ctx, x, axis):
    n, a = len(_shape(x)), int(ctx.static(1).reshape(-1)[0])
    a %= n
    size = _shape(x)[a]
    # a matmul by a triangle of ones: tri[j, i] = 1 where j (<=, <) i, or (>=, >) i reversed
    j, i = np.indices((size, size))
    below = (j >= i) if ctx.attr("reverse", 0) else (j <= i)
    tri = (below & (j != i) if ctx.attr("exclusive", 0) else below).astype(_dtype_of(x).np)
    moved = sh.transpose(x, perm=tuple(k for k in range(n) if k != a) + (a,))
    summed = linalg.matmul(sh.reshape(moved, shape=(-1, size)), tri)
    back = sh.reshape(summed, shape=_shape(moved))
    return [sh.transpose(back, perm=tuple(np.argsort([k for k in range(n) if k != a] + [a])))]


@rule("OneHot")
def _onehot(ctx, idx, depth, values):
    depth = int(ctx.static(1).reshape(-1)[0])
    idx = sh.cast(idx, dt.int64) if not _dtype_of(idx).is_int else idx
    idx = el.where(el.less(idx, _const(0, idx)), el.add(idx, _const(depth, idx)), idx)
    hot = indexing.one_hot(idx, depth, dtype=dt.bool_)
    off = indexing.gather(values, np.int64(0))
    out = el.where(hot, indexing.gather(values, np.int64(1)), off)
    n = len(_shape(out))
    axis = ctx.attr("axis", -1) % n
    perm = list(range(n - 1))
    perm.insert(axis, n - 1)
    return [sh.transpose(out, perm=tuple(perm))]
