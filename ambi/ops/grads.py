"""Helpers that the ops' gradient rules (``vjp=`` in each record) share.

A rule is ``vjp(g, *operands, out=..., **params) -> tuple`` with one cotangent (or
None) per operand, written with ambi ops so that gradients are themselves recorded,
differentiable and traceable. Op modules import this file while ``ambi.ops`` is still
loading, so ops are looked up through the package at call time (``O.reshape``).
"""
import numpy as np

from .. import ops as O  # noqa: N812  (the package; complete by the time a rule runs)

_FULL = ("s", None, None, None)


def unbroadcast(g, shape):
    """Sum ``g`` back to ``shape``, undoing numpy broadcasting (new and stretched axes)."""
    if g is None:
        return g
    shape, gs = tuple(shape), tuple(g.shape)
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and gs[lead + i] != 1)
    summed = O.reduce_sum(g, axis=axes) if axes else g
    return summed if tuple(summed.shape) == shape else O.reshape(summed, shape=shape)


# Which operands the reverse sweep wants a cotangent for (None: all). The sweep sets it
# around each rule call, so rules can skip work for constants (x * W with x data).
WANTED = [None]


def wanted(i):
    return WANTED[0] is None or WANTED[0][i]


def binary(x, y, gx, gy, first=0):
    """Cotangents of a broadcasting binary op, each summed back to its operand's shape.

    ``gx``/``gy`` may be zero-argument callables, called only if that cotangent is wanted;
    ``first`` is x's operand position.
    """
    gx = (gx() if callable(gx) else gx) if wanted(first) else None
    gy = (gy() if callable(gy) else gy) if wanted(first + 1) else None
    return unbroadcast(gx, x.shape), unbroadcast(gy, y.shape)


def zeros(shape, dtype):
    from ..constructors import zeros as _zeros
    return _zeros(tuple(shape), dtype)


def zero_grads(g, *operands, out=None, **params):
    """Piecewise-constant ops (floor, sign...): zero almost everywhere."""
    return tuple(zeros(x.shape, x.dtype) for x in operands)


def swap_last(x):
    nd = len(x.shape)
    return O.transpose(x, perm=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def matmul_vjp(g, a, b, out):
    # out = a @ b: da = g @ b^T, db = a^T @ g; batch axes that broadcast are summed
    return binary(a, b, lambda: O.matmul(g, swap_last(b)), lambda: O.matmul(swap_last(a), g))


def transpose_vjp(g, x, out, perm):
    nd = len(x.shape)
    perm = tuple(range(nd))[::-1] if perm is None else perm
    return (O.transpose(g, perm=tuple(int(i) for i in np.argsort(perm))),)


def concat_vjp(g, *xs, out, axis):
    a, start, parts = axis % len(out.shape), 0, []
    for x in xs:
        index = (_FULL,) * a + (("s", start, start + x.shape[a], None),)
        parts.append(O.strided_slice(g, index=index))
        start += x.shape[a]
    return tuple(parts)


# -- reductions ---------------------------------------------------------------------
def _kept(t, shape, axis, keepdims):
    """A reduction's result reshaped as with keepdims=True, so it broadcasts to ``shape``."""
    if keepdims:
        return t
    from ..ir.types import norm_axes
    axes = norm_axes(axis, len(shape), "gradient")
    return O.reshape(t, shape=tuple(1 if i in axes else d for i, d in enumerate(shape)))


def reduce_sum_vjp(g, x, out, axis, keepdims):
    kept = g if not g.shape else _kept(g, x.shape, axis, keepdims)  # a scalar broadcasts as is
    return (O.broadcast_to(kept, shape=x.shape),)


def reduce_extreme_vjp(g, x, out, axis, keepdims):
    # TensorFlow's rule: ties share the gradient equally (indicators / their count)
    hit = O.cast(O.equal(x, _kept(out, x.shape, axis, keepdims)), x.dtype)
    count = O.reduce_sum(hit, axis=axis, keepdims=True)
    return (O.divide(O.multiply(hit, _kept(g, x.shape, axis, keepdims)), count),)


def reduce_prod_vjp(g, x, out, axis, keepdims):
    # d prod / d x_i = prod / x_i (not finite where x_i == 0: see docs/autodiff.md)
    gk, ok = _kept(g, x.shape, axis, keepdims), _kept(out, x.shape, axis, keepdims)
    return (O.multiply(gk, O.divide(ok, x)),)


# -- indexing -----------------------------------------------------------------------
def _positions(shape, index):
    """Per axis of x: the positions it keeps (a range), or an int for an int index."""
    from .indexing import decode_index
    items = list(decode_index(index))
    used = sum(1 for it in items if it is not None and it is not Ellipsis)
    if Ellipsis in items:
        k = items.index(Ellipsis)
        items[k:k + 1] = [slice(None)] * (len(shape) - used)
    items += [slice(None)] * (len(shape) - sum(1 for it in items if it is not None))
    out = []
    for it in (it for it in items if it is not None):
        n = shape[len(out)]
        out.append(it % n if isinstance(it, int) else range(*it.indices(n)))
    return out


def slice_grad(g, shape, index):
    """The cotangent of ``x[index]``: ``g`` scattered into zeros of x's shape."""
    pos = _positions(tuple(shape), index)
    kept = tuple(1 if isinstance(p, int) else len(p) for p in pos)
    g = O.reshape(g, shape=kept)
    for axis, (p, n) in enumerate(zip(pos, shape)):
        p = range(p, p + 1) if isinstance(p, int) else p
        if p != range(n):
            g = _scatter_axis(g, axis, p, n)
    return g


def _scatter_axis(g, axis, p, n):
    """Place g's slices along ``axis`` at positions ``p`` of a zero axis of size n."""
    if p.step == 1 or len(p) <= 1:  # contiguous: pad with zeros before and after
        start = p.start if len(p) else 0
        parts = [_zeros_like_axis(g, axis, start), g,
                 _zeros_like_axis(g, axis, n - start - len(p))]
        return O.concat([t for t in parts if t is not None], axis=axis)
    hot = np.zeros((len(p), n), g.dtype.np)
    hot[np.arange(len(p)), list(p)] = 1  # a 0/1 matrix that moves row j to position p[j]
    from ..constructors import constant
    moved = O.transpose(g, perm=_to_last(len(g.shape), axis))
    spread = O.matmul(moved, constant(hot)) if len(g.shape) > 1 else \
        O.reshape(O.matmul(O.reshape(moved, shape=(1, len(p))), constant(hot)), shape=(n,))
    return O.transpose(spread, perm=tuple(int(i) for i in
                                          np.argsort(_to_last(len(g.shape), axis))))


def _to_last(nd, axis):
    return tuple(i for i in range(nd) if i != axis) + (axis,)


def _zeros_like_axis(g, axis, size):
    if size == 0:
        return None
    return zeros(tuple(size if i == axis else d for i, d in enumerate(g.shape)), g.dtype)


def gather_vjp(g, params, indices, out, axis):
    # params[.., indices, ..]: scatter-add g's rows back with a one-hot matrix product
    a = axis % len(params.shape)
    n, before, after = params.shape[a], params.shape[:a], params.shape[a + 1:]
    k = int(np.prod(indices.shape, dtype=np.int64))
    hot = O.one_hot(O.reshape(O.mod(indices, n), shape=(k,)), depth=n, dtype=g.dtype)
    g3 = O.reshape(g, shape=(int(np.prod(before, dtype=np.int64)), k,
                             int(np.prod(after, dtype=np.int64))))
    summed = O.matmul(O.transpose(hot), g3)  # (n, k) @ (A, k, B) -> (A, n, B)
    return O.reshape(summed, shape=tuple(before) + (n,) + tuple(after)), None


# -- windows (conv2d, max_pool2d) -------------------------------------------------------
def _pad(x, pads, fill):
    from ..constructors import fill as _fill
    for axis, (lo, hi) in zip((1, 2), pads):
        shape = list(x.shape)
        parts = []
        for size in (lo, hi):
            shape[axis] = size
            parts.append(_fill(tuple(shape), fill, x.dtype) if size else None)
        if lo or hi:
            x = O.concat([t for t in (parts[0], x, parts[1]) if t is not None], axis=axis)
    return x


def _window_index(i, j, strides, out_hw):
    (sh, sw), (oh, ow) = strides, out_hw
    return (_FULL, ("s", i, i + sh * (oh - 1) + 1, sh), ("s", j, j + sw * (ow - 1) + 1, sw),
            _FULL)


def _crop(gp, shape, pads):
    (ph, _), (pw, _) = pads
    return O.strided_slice(gp, index=(_FULL, ("s", ph, ph + shape[1], None),
                                      ("s", pw, pw + shape[2], None), _FULL))


def _acc(total, t):
    return t if total is None else O.add(total, t)


def conv2d_vjp(g, x, f, out, strides, padding):
    from .nn import _window_geometry
    k, s, ohw, pads = _window_geometry(x.shape, f.shape[:2], strides, padding, "conv2d")
    if s != (1, 1):
        return _conv2d_vjp_taps(g, x, f, k, s, ohw, pads)
    # stride 1: both cotangents are convolutions (one im2col matmul each, few nodes)
    gx = _conv_input_grad(g, f, k, pads) if wanted(0) else None
    gf = _conv_filter_grad(g, x, pads) if wanted(1) else None
    return gx, gf


def _conv_input_grad(g, f, k, pads):
    # gx[n,h,w,c] = sum_ijo gp[n,h+i,w+j,o] f[kh-1-i, kw-1-j, c, o], gp: g padded by k-1-pad
    gp = _pad(g, tuple((kk - 1 - lo, kk - 1 - hi) for kk, (lo, hi) in zip(k, pads)), 0.0)
    flip = ("s", None, None, -1)
    f_t = O.transpose(O.strided_slice(f, index=(flip, flip, _FULL, _FULL)), perm=(0, 1, 3, 2))
    return O.conv2d(gp, f_t, strides=1, padding="VALID")


def _conv_filter_grad(g, x, pads):
    # gf[i,j,c,o] = sum_npq xp[n,p+i,q+j,c] g[n,p,q,o]: a convolution of xp with g, with
    # the batch as channels: (C, Hp, Wp, N) * (OH, OW, N, O) -> (C, KH, KW, O)
    xt = O.transpose(_pad(x, pads, 0.0), perm=(3, 1, 2, 0))
    gf = O.conv2d(xt, O.transpose(g, perm=(1, 2, 0, 3)), strides=1, padding="VALID")
    return O.transpose(gf, perm=(1, 2, 0, 3))


def _conv2d_vjp_taps(g, x, f, k, s, ohw, pads):
    # strided: out[n,h,w,o] = sum_ijc xp[n, h*sh+i, w*sw+j, c] f[i,j,c,o], a matmul per tap
    xp = _pad(x, pads, 0.0)
    rows, c, o = x.shape[0] * ohw[0] * ohw[1], x.shape[3], f.shape[3]
    g2 = O.reshape(g, shape=(rows, o))
    gxp, gf = None, []
    for i in range(k[0]):
        for j in range(k[1]):
            index = _window_index(i, j, s, ohw)
            patch = O.reshape(O.strided_slice(xp, index=index), shape=(rows, c))
            gf.append(O.matmul(O.transpose(patch), g2))
            tap = O.strided_slice(f, index=(i, j))
            gpatch = O.reshape(O.matmul(g2, O.transpose(tap)), shape=(x.shape[0],) + ohw + (c,))
            gxp = _acc(gxp, slice_grad(gpatch, xp.shape, index))
    return _crop(gxp, x.shape, pads), O.reshape(O.stack(gf), shape=tuple(f.shape))


def max_pool2d_vjp(g, x, out, ksize, strides, padding):
    # As TensorFlow: each window's gradient goes to its first maximum (row-major)
    from .nn import _window_geometry
    k, s, ohw, pads = _window_geometry(x.shape, ksize, strides, padding, "max_pool2d")
    xp = _pad(x, pads, -np.inf)
    gxp, taken = None, None
    for i in range(k[0]):
        for j in range(k[1]):
            index = _window_index(i, j, s, ohw)
            hit = O.equal(O.strided_slice(xp, index=index), out)
            if taken is not None:
                hit = O.logical_and(hit, O.logical_not(taken))
            taken = hit if taken is None else O.logical_or(taken, hit)
            gxp = _acc(gxp, slice_grad(O.where(hit, g, 0.0), xp.shape, index))
    return (_crop(gxp, x.shape, pads),)


def cond_vjp(*args, **kwargs):
    from ..autodiff.control import cond_vjp as rule
    return rule(*args, **kwargs)


def while_vjp(*args, **kwargs):
    from ..autodiff.control import while_vjp as rule
    return rule(*args, **kwargs)


# -- elementwise rules too long for a lambda in their record ----------------------------
def multiply_vjp(g, x, y, out):
    if x is y:  # x * x: one product serves both operands (the sweep adds them)
        gx = O.multiply(g, x)
        return gx, gx
    return binary(x, y, lambda: O.multiply(g, y), lambda: O.multiply(g, x))


def divide_vjp(g, x, y, out):
    # d(x/y) = dx / y - x dy / y**2 (written as TensorFlow does: -x / y / y)
    return binary(x, y, lambda: O.divide(g, y),
                  lambda: O.multiply(g, O.divide(O.divide(O.negative(x), y), y)))


def pow_vjp(g, x, y, out):
    # d x**y = y x**(y-1) dx + x**y log(x) dy, with log(x) taken as 0 where x <= 0 (TF)
    gx = lambda: O.multiply(g, O.multiply(y, O.pow(x, O.subtract(y, 1))))
    return binary(x, y, gx, lambda: O.multiply(g, O.multiply(out, _log_or_zero(x))))


def _log_or_zero(x):
    pos = O.greater(x, 0)
    return O.where(pos, O.log(O.where(pos, x, 1)), 0)


def _select(mask, g):
    return O.where(mask, g, 0), O.where(mask, 0, g)


def maximum_vjp(g, x, y, out):
    # ties (x == y) send the whole gradient to x, as TensorFlow's x >= y mask does
    return binary(x, y, *_select(O.greater_equal(x, y), g))


def minimum_vjp(g, x, y, out):
    return binary(x, y, *_select(O.less_equal(x, y), g))


def where_vjp(g, c, x, y, out):
    return (None,) + binary(x, y, *_select(c, g), first=1)


def mod_vjp(g, x, y, out):
    # x % y = x - floor(x / y) y
    return binary(x, y, g, lambda: O.multiply(O.negative(g), O.floordiv(x, y)))
