"""Neural-network ops: softmax, log_softmax (composites), conv2d and max_pool2d (NHWC),
and stop_gradient."""
import math

import numpy as np

from .. import dtypes as dt
from ..errors import ArgumentError, ShapeError
from ..ir.opdef import P, defop
from ..memo import remember
from .elementwise import (add, divide, equal, exp, log, logical_and, logical_not, logical_or,
                          maximum, subtract, where)
from .grads import FULL
from .indexing import slice_grad, strided_slice
from .linalg import matmul
from .reduce import reduce_max, reduce_sum
from .shape import concat, reshape, stack, transpose


def _softmax(x, axis=-1):
    e = exp(subtract(x, stop_gradient(reduce_max(x, axis=axis, keepdims=True))))
    return divide(e, reduce_sum(e, axis=axis, keepdims=True))


def _log_softmax(x, axis=-1):
    shifted = subtract(x, stop_gradient(reduce_max(x, axis=axis, keepdims=True)))
    return subtract(shifted, log(reduce_sum(exp(shifted), axis=axis, keepdims=True)))


softmax = defop("softmax", params={"axis": P.axis(-1)}, decompose=_softmax, accepts=dt.FLOATS,
                doc="exp(x) / sum(exp(x)) along axis, computed stably.")
log_softmax = defop("log_softmax", params={"axis": P.axis(-1)}, decompose=_log_softmax,
                    accepts=dt.FLOATS,
                    doc="x - log(sum(exp(x))) along axis, computed stably.")
# differentiable=False: the tape never records it, which is what stop_gradient means
stop_gradient = defop("stop_gradient", kernel=lambda x: x, shape=lambda s: s,
                      cl={"kernel": "view", "alias": True},
                      differentiable=False,
                      doc="x, but gradients do not flow through it.")


# -- windows (conv2d, max_pool2d) -----------------------------------------------------
def _pair(v, what, op):
    v = (v, v) if isinstance(v, int) else tuple(v)
    if len(v) != 2 or any(not isinstance(i, int) or i < 1 for i in v):
        raise ArgumentError(f"{op}: {what} must be a positive int or a pair, got {v!r}")
    return v


def _out_and_pad(size, k, s, padding, op):
    """TensorFlow's rule: SAME -> ceil(size/s), padding split with the extra after."""
    if padding == "VALID":
        if size < k:
            raise ShapeError(f"{op}: window {k} is larger than the input ({size}) with VALID")
        return (size - k) // s + 1, (0, 0)
    if padding == "SAME":
        out = math.ceil(size / s)
        total = max((out - 1) * s + k - size, 0)
        return out, (total // 2, total - total // 2)
    raise ArgumentError(f'{op}: padding must be "VALID" or "SAME", not {padding!r}')


_GEOMETRY = {}  # (shape, ksize, strides, padding, op) -> geometry: every kernel call asks


def _window_geometry(shape, ksize, strides, padding, op):
    """((KH, KW), (SH, SW), (OH, OW), (pads H, pads W)) of a window op; remembered."""
    key = (tuple(shape), ksize, strides, padding, op)
    try:
        hit = _GEOMETRY.get(key)
    except TypeError:  # an unhashable argument (a list): work it out
        return _geometry(shape, ksize, strides, padding, op)
    if hit is None:
        hit = remember(_GEOMETRY, key, _geometry(shape, ksize, strides, padding, op), 1024)
    return hit


def _geometry(shape, ksize, strides, padding, op):
    if len(shape) != 4:
        raise ShapeError(f"{op}: input must be NHWC (rank 4), got shape {shape}")
    (kh, kw), (sh, sw) = _pair(ksize, "ksize", op), _pair(strides, "strides", op)
    oh, ph = _out_and_pad(shape[1], kh, sh, padding, op)
    ow, pw = _out_and_pad(shape[2], kw, sw, padding, op)
    return (kh, kw), (sh, sw), (oh, ow), (ph, pw)


def _windows(x, ksize, strides, pads, fill):
    w = np.lib.stride_tricks.sliding_window_view(_padded(x, pads, fill), ksize, axis=(1, 2))
    return w[:, ::strides[0], ::strides[1]]  # (N, OH, OW, C, KH, KW)


def _conv_shape(x, f, strides, padding):
    if len(f) != 4 or len(x) == 4 and f[2] != x[3]:
        raise ShapeError(f"conv2d: filters {f} must be (KH, KW, C_in, C_out) with C_in = "
                         f"the input's channels (input {x})")
    _, _, (oh, ow), _ = _window_geometry(x, f[:2], strides, padding, "conv2d")
    return (x[0], oh, ow, f[3])


def _conv_kernel(x, f, strides, padding):
    if f.ndim != 4 or x.ndim == 4 and f.shape[2] != x.shape[3]:
        raise ValueError("filter channels")  # eager mode asks the shape rule to explain
    k, s, (oh, ow), pads = _window_geometry(x.shape, f.shape[:2], strides, padding, "conv2d")
    x = _padded(x, pads, 0)
    if s == (1, 1) and x.strides[0] < x.strides[3] and x.shape[3] > 1:
        # the batch axis is the contiguous one (a filter gradient passes its input
        # transposed, batch as channels): swap the roles of batch and channels
        out = _conv_swapped(x, f, oh, ow)
    else:
        n, c, o = x.shape[0], x.shape[3], f.shape[3]
        out = (_im2col(x, k, s, (oh, ow)) @ f.reshape(k[0] * k[1] * c, o))
        out = out.reshape(n, oh, ow, o)
    return out.astype(x.dtype, copy=False)


def _padded(x, pads, fill):
    """NHWC x inside ``fill``, ``pads`` ((top, bottom), (left, right)); x itself when
    they are all 0. np.pad's Python costs about 40 us a call, even with nothing to pad."""
    (t, b), (le, r) = pads
    if not (t or b or le or r):
        return x
    n, h, w, c = x.shape
    out = np.full((n, h + t + b, w + le + r, c), fill, x.dtype)
    out[:, t:t + h, le:le + w] = x
    return out


def _im2col(x, k, s, out_hw):
    """The patch matrix (N*OH*OW, KH*KW*C) of NHWC ``x``: one copy of a strided view
    (rows of KW*C contiguous values when x is contiguous); with one or few channels, the
    transpose of a tap-major copy, whose nine slices each copy whole rows."""
    (kh, kw), (sh, sw), (oh, ow), (n, _, _, c) = k, s, out_hw, x.shape
    if c < 4:
        cols, xc = np.empty((kh, kw, c, n, oh, ow), x.dtype), x.transpose(3, 0, 1, 2)
        for i in range(kh):
            for j in range(kw):
                cols[i, j] = xc[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
        return cols.reshape(kh * kw * c, n * oh * ow).T
    bn, bh, bw, bc = x.strides
    shape, strides = (n, oh, ow, kh, kw, c), (bn, bh * sh, bw * sw, bh, bw, bc)
    if x.flags.c_contiguous:  # the view straight on x's memory: as_strided costs 5-8 us
        view = np.ndarray(shape, x.dtype, x, 0, strides)
    else:
        view = np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    return view.reshape(n * oh * ow, kh * kw * c)


def _conv_swapped(x, f, oh, ow):
    """A stride-1 VALID convolution computed with batch and channels exchanged:
    out[b,p,q,o] = sum_cij x[b,p+i,q+j,c] f[i,j,c,o] = sum_cij xs[c,i+p,j+q,b] fs[c,i,j,o]
    with xs = x^T(3,1,2,0), fs = f^T(2,0,1,3): the patches of xs under an (OH, OW)
    window, at (KH, KW) positions, times fs. The result is a transposed view."""
    n, (kh, kw, c, o) = x.shape[0], f.shape
    xs = x.transpose(3, 1, 2, 0)  # (C, H, W, B)
    cols = _im2col(xs, (oh, ow), (1, 1), (kh, kw))  # (C*KH*KW, OH*OW*B)
    out = cols.T @ f.transpose(2, 0, 1, 3).reshape(c * kh * kw, o)
    return out.reshape(oh, ow, n, o).transpose(2, 0, 1, 3)


# -- gradients (conv2d, max_pool2d) ------------------------------------------------------
def _pad(x, pads, fill):
    for axis, (lo, hi) in zip((1, 2), pads):
        # the fills as arrays, which concat takes as literals (constants in a trace):
        # eager fill ops cost about 20 us each
        shape = tuple(x.shape)
        fills = {size: np.full(shape[:axis] + (size,) + shape[axis + 1:], fill, x.dtype.np)
                 for size in {lo, hi} - {0}}
        if fills:
            parts = (fills.get(lo), x, fills.get(hi))
            x = concat([t for t in parts if t is not None], axis=axis)
    return x


def _window_index(i, j, strides, out_hw):
    (sh, sw), (oh, ow) = strides, out_hw
    return (FULL, ("s", i, i + sh * (oh - 1) + 1, sh), ("s", j, j + sw * (ow - 1) + 1, sw),
            FULL)


def _crop(gp, shape, pads):
    (ph, _), (pw, _) = pads
    return strided_slice(gp, index=(FULL, ("s", ph, ph + shape[1], None),
                                      ("s", pw, pw + shape[2], None), FULL))


def _acc(total, t):
    return t if total is None else add(total, t)


def _conv2d_vjp(g, x, f, out, strides, padding):
    k, s, ohw, pads = _window_geometry(x.shape, f.shape[:2], strides, padding, "conv2d")
    if s != (1, 1):
        return _conv2d_vjp_taps(g, x, f, k, s, ohw, pads)
    # stride 1: both cotangents are convolutions (one im2col matmul each, few nodes)
    return lambda: _conv_input_grad(g, f, k, pads), lambda: _conv_filter_grad(g, x, pads)


def _conv_input_grad(g, f, k, pads):
    # gx[n,h,w,c] = sum_ijo gp[n,h+i,w+j,o] f[kh-1-i, kw-1-j, c, o], gp: g padded by k-1-pad
    gp = _pad(g, tuple((kk - 1 - lo, kk - 1 - hi) for kk, (lo, hi) in zip(k, pads)), 0.0)
    flip = ("s", None, None, -1)
    f_t = transpose(strided_slice(f, index=(flip, flip, FULL, FULL)), perm=(0, 1, 3, 2))
    return conv2d(gp, f_t, strides=1, padding="VALID")


def _conv_filter_grad(g, x, pads):
    # gf[i,j,c,o] = sum_npq xp[n,p+i,q+j,c] g[n,p,q,o]: a convolution of xp with g, with
    # the batch as channels: (C, Hp, Wp, N) * (OH, OW, N, O) -> (C, KH, KW, O)
    xt = transpose(_pad(x, pads, 0.0), perm=(3, 1, 2, 0))
    gf = conv2d(xt, transpose(g, perm=(1, 2, 0, 3)), strides=1, padding="VALID")
    return transpose(gf, perm=(1, 2, 0, 3))


def _conv2d_vjp_taps(g, x, f, k, s, ohw, pads):
    # strided: out[n,h,w,o] = sum_ijc xp[n, h*sh+i, w*sw+j, c] f[i,j,c,o], a matmul per tap
    xp = _pad(x, pads, 0.0)
    rows, c, o = x.shape[0] * ohw[0] * ohw[1], x.shape[3], f.shape[3]
    g2 = reshape(g, shape=(rows, o))
    gxp, gf = None, []
    for i in range(k[0]):
        for j in range(k[1]):
            index = _window_index(i, j, s, ohw)
            patch = reshape(strided_slice(xp, index=index), shape=(rows, c))
            gf.append(matmul(transpose(patch), g2))
            tap = strided_slice(f, index=(i, j))
            gpatch = reshape(matmul(g2, transpose(tap)), shape=(x.shape[0],) + ohw + (c,))
            gxp = _acc(gxp, slice_grad(gpatch, xp.shape, index))
    return _crop(gxp, x.shape, pads), reshape(stack(gf), shape=tuple(f.shape))


def _max_pool2d_vjp(g, x, out, ksize, strides, padding):
    # As TensorFlow: each window's gradient goes to its first maximum (row-major)
    k, s, ohw, pads = _window_geometry(x.shape, ksize, strides, padding, "max_pool2d")
    xp = _pad(x, pads, -np.inf)
    gxp, taken = None, None
    for i in range(k[0]):
        for j in range(k[1]):
            index = _window_index(i, j, s, ohw)
            hit = equal(strided_slice(xp, index=index), out)
            if taken is not None:
                hit = logical_and(hit, logical_not(taken))
            taken = hit if taken is None else logical_or(taken, hit)
            gxp = _acc(gxp, slice_grad(where(hit, g, 0.0), xp.shape, index))
    return (_crop(gxp, x.shape, pads),)


conv2d = defop("conv2d", arity=2, params={"strides": P.window(1), "padding": P.padding("VALID")},
               cl={"kernel": "conv2d"},
               kernel=_conv_kernel, shape=_conv_shape, accepts=dt.FLOATS,
               vjp=_conv2d_vjp,
               doc="2-D convolution, NHWC input and (KH, KW, C_in, C_out) filters. "
                   '``am.conv2d(x, f, strides=1, padding="SAME")``')


def _pool_shape(x, ksize, strides, padding):
    _, _, (oh, ow), _ = _window_geometry(x, ksize, strides, padding, "max_pool2d")
    return (x[0], oh, ow, x[3])


def _pool_kernel(x, ksize, strides, padding):
    k, s, _, pads = _window_geometry(x.shape, ksize, strides, padding, "max_pool2d")
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    return _windows(x, k, s, pads, low).max(axis=(4, 5))


max_pool2d = defop("max_pool2d", params={"ksize": P.window(2), "strides": P.window(2),
                                   "padding": P.padding("VALID")},
                   cl={"kernel": "max_pool2d", "combine": maximum.cl},
                   kernel=_pool_kernel, shape=_pool_shape, accepts=dt.NUMERIC,
                   vjp=_max_pool2d_vjp,
                   doc="Max over windows of NHWC input. ``am.max_pool2d(x, 2, 2)``")
