"""Helpers that the ops' gradient rules (``vjp=`` in each record) share, and the rules
too long for a lambda in the elementwise, reduction, shape and matmul records.

A rule is ``vjp(g, *operands, out=..., **params) -> tuple`` with one cotangent (or
None) per operand, written with ambi ops so that gradients are themselves recorded,
differentiable and traceable. A cotangent may also be a zero-argument callable: the
reverse sweep calls it only for an operand it wants (``x * W`` with ``x`` data computes
only ``dW``). Op modules import this file while ``ambi.ops`` is still loading, so ops
are looked up through the package at call time (``O.reshape``).
"""
import numpy as np

from .. import ops as O  # noqa: N812  (the package; complete by the time a rule runs)
from ..ir.types import norm_axes

FULL = ("s", None, None, None)  # the stored index of ``:``


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
    # no new axes: keepdims gives the shape at once (a reshape op fewer)
    summed = O.reduce_sum(g, axis=axes, keepdims=not lead) if axes else g
    return summed if tuple(summed.shape) == shape else O.reshape(summed, shape=shape)


def binary(x, y, gx, gy):
    """Cotangents of a broadcasting binary op, each summed back to its operand's shape.

    ``gx``/``gy`` (tensors or zero-argument callables) differ from x's and y's shapes
    only where x and y broadcast against each other (``where``'s condition may broadcast
    too: it sums back on its own). The results are callables, or gx/gy as given when
    nothing was broadcast, so the sweep computes only the cotangents it wants.
    """
    if tuple(x.shape) == tuple(y.shape):  # nothing was broadcast
        return gx, gy
    return _summed(gx, x.shape), _summed(gy, y.shape)


def _summed(g, shape):
    return lambda: unbroadcast(g() if callable(g) else g, shape)


def fill(shape, value, dtype):
    """``value`` everywhere, as ``am.fill`` makes it: a scalar broadcast to ``shape``."""
    return O.broadcast_to(dtype.np.type(value), shape=tuple(shape))


def zeros(shape, dtype):
    return fill(shape, 0, dtype)


def zero_grads(g, *operands, out=None, **params):
    """Piecewise-constant ops (floor, sign...): zero almost everywhere."""
    return tuple(zeros(x.shape, x.dtype) for x in operands)


def swap_last(x):
    nd = len(x.shape)
    if nd == 2:  # perm=None reverses the axes: no perm to check (an eager call's half)
        return O.transpose(x)
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
        index = (FULL,) * a + (("s", start, start + x.shape[a], None),)
        parts.append(O.strided_slice(g, index=index))
        start += x.shape[a]
    return tuple(parts)


# -- reductions ---------------------------------------------------------------------
def _kept(t, shape, axis, keepdims):
    """A reduction's result reshaped as with keepdims=True, so it broadcasts to ``shape``."""
    if keepdims:
        return t
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
    # callables: relu (maximum(0, x)) needs only x's half, and eager mode computes only
    # what the sweep asks for
    return lambda: O.where(mask, g, 0), lambda: O.where(mask, 0, g)


def maximum_vjp(g, x, y, out):
    # ties (x == y) send the whole gradient to x, as TensorFlow's x >= y mask does
    return binary(x, y, *_select(O.greater_equal(x, y), g))


def minimum_vjp(g, x, y, out):
    return binary(x, y, *_select(O.less_equal(x, y), g))


def where_vjp(g, c, x, y, out):
    # g has the shape of c, x and y broadcast together
    gx, gy = _select(c, g)
    return None, _summed(gx, x.shape), _summed(gy, y.shape)


def mod_vjp(g, x, y, out):
    # x % y = x - floor(x / y) y
    return binary(x, y, g, lambda: O.multiply(O.negative(g), O.floordiv(x, y)))
