"""Reductions over ``axis=None|int|tuple`` with ``keepdims``, and argmax/argmin."""
import math

import numpy as np

from .. import dtypes as dt
from ..errors import ArgumentError
from ..ir.opdef import P, defop
from ..ir.types import norm_axes, norm_axis, reduced_shape
from . import grads
from .elementwise import divide, maximum, minimum
from .shape import cast

_AXES = {"axis": P.axes(None), "keepdims": P.bool(False)}


def _reduce_shape(name, nonempty=False):
    def rule(shape, axis, keepdims):
        axes = norm_axes(axis, len(shape), name)
        if nonempty and any(a < len(shape) and shape[a] == 0 for a in axes):  # scalar: axis 0
            raise ArgumentError(f"{name}: cannot reduce over an empty axis of shape {shape}")
        return reduced_shape(shape, axes, keepdims)
    return rule


def _np_axis(axis):
    return axis if axis is None or isinstance(axis, int) else tuple(axis)


def reduction(name, ufunc, accepts=dt.NUMERIC, nonempty=False, vjp=None, cl=None, doc="",
              fast=None):
    """``fast(x, axis, keepdims)``: a quicker kernel for the cases it takes, None else."""
    def kernel(x, axis, keepdims):
        out = fast(x, axis, keepdims) if fast is not None else None
        if out is not None:
            return out
        # the ufunc's own reduce, accumulating in x's dtype (np.sum would widen int32), is
        # called from here, so its IEEE warnings meet ambi's filter; np.sum's would not
        return ufunc.reduce(x, axis=_np_axis(axis), keepdims=keepdims, dtype=x.dtype)
    return defop(name, kernel=kernel, params=_AXES, shape=_reduce_shape(name, nonempty),
                 accepts=accepts, vjp=vjp, cl=cl, doc=doc)


def _middle_block(x, axis):
    """(outer, reduced, inner, lo, hi) when a contiguous float32/64 ``x`` (2048 values or
    more: einsum costs 5 us more to start) is summed over a run of axes lo..hi-1 followed
    by a short one (a bias gradient's (0, 1, 2), a pooling's (1, 2)), else None. numpy's
    reduce adds such rows one short inner loop at a time (3-5x slower than einsum)."""
    if axis is None or x.size < 2048 or x.dtype not in _FOLDED or not x.flags.c_contiguous:
        return None
    given = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = sorted({a % x.ndim for a in given if -x.ndim <= a < x.ndim})
    if not axes or len(axes) != len(given):  # () or a bad axis: numpy's reduce decides
        return None
    lo, hi = axes[0], axes[-1] + 1
    inner = math.prod(x.shape[hi:])
    if hi - lo != len(axes) or hi == x.ndim or not 0 < inner < 64:
        return None
    return math.prod(x.shape[:lo]), math.prod(x.shape[lo:hi]), inner, lo, hi


_FOLDED = (np.dtype(np.float32), np.dtype(np.float64))


def _sum_by_einsum(x, axis, keepdims):
    """The sum over a middle block of axes (``_middle_block``) by einsum, else None."""
    block = _middle_block(x, axis)
    if block is None:
        return None
    outer, r, inner, lo, hi = block
    out = np.einsum("nrc->nc", x.reshape(outer, r, inner))
    kept = (1,) * (hi - lo) if keepdims else ()
    return out.reshape(x.shape[:lo] + kept + x.shape[hi:])


reduce_sum = reduction("reduce_sum", np.add,
                       cl={"kernel": "reduce", "init": "0", "combine": "({0} + {1})"},
                       vjp=grads.reduce_sum_vjp, fast=_sum_by_einsum,
                       doc="Sum over axes. ``am.reduce_sum([[1, 2], [3, 4]], axis=0)`` -> [4 6]")
reduce_prod = reduction("reduce_prod", np.multiply, vjp=grads.reduce_prod_vjp,
                        cl={"kernel": "reduce", "init": "1", "combine": "({0} * {1})"},
                        doc="Product over axes.")
# bools too, as numpy, JAX, PyTorch and ONNX: max is any(), min is all() (bools are uchar
# 0/1 on OpenCL, where max/min keep them 0/1 in vector code as well)
reduce_max = reduction("reduce_max", np.maximum, dt.ALL, nonempty=True,
                       vjp=grads.reduce_extreme_vjp,
                       cl={"kernel": "reduce",
                           "init": {"f": "{LOWEST}", "i": "{LOWEST}", "b": "0"},
                           "combine": {**maximum.cl, "b": "max({0}, {1})"}},
                       doc="Maximum over axes; nan wins; on bools, any.")
reduce_min = reduction("reduce_min", np.minimum, dt.ALL, nonempty=True,
                       vjp=grads.reduce_extreme_vjp,
                       cl={"kernel": "reduce",
                           "init": {"f": "{HIGHEST}", "i": "{HIGHEST}", "b": "1"},
                           "combine": {**minimum.cl, "b": "min({0}, {1})"}},
                       doc="Minimum over axes; nan wins; on bools, all.")


def _mean(x, axis=None, keepdims=False):
    if x.dtype.is_int:  # as JAX: sum in float (int64 -> float64), so the sum cannot wrap
        x = cast(x, dt.float64 if x.dtype is dt.int64 else dt.float32)
    shape = x.shape
    axes = norm_axes(axis, len(shape), "reduce_mean")
    count = math.prod(shape[a] for a in axes if a < len(shape))  # np.prod costs ~5 us here
    return divide(reduce_sum(x, axis=axis, keepdims=keepdims), count)


reduce_mean = defop("reduce_mean", params=_AXES, decompose=_mean, accepts=dt.NUMERIC,
                    doc="Mean over axes; integers average to float32 (as in JAX).")


def _arg_shape(name):
    def rule(shape, axis, keepdims=False):
        if not shape or axis is None and 0 not in shape:
            # axis=None: an index into the flattened tensor, as numpy and JAX
            return (1,) * len(shape) if keepdims else ()
        a = 0 if axis is None else norm_axis(axis, len(shape), name)
        if shape[a] == 0 or axis is None:
            raise ArgumentError(f"{name}: cannot reduce over an empty axis of shape {shape}")
        return shape[:a] + ((1,) if keepdims else ()) + shape[a + 1:]
    return rule


def arg_reduction(name, np_fn, doc, cl=None):
    def kernel(x, axis, keepdims=False):
        out = np_fn(x, axis=axis if np.ndim(x) else None, keepdims=keepdims and np.ndim(x) > 0)
        return np.asarray(out).astype(np.int32)
    # axis=None by default (SPEC section 3, numpy, JAX, PyTorch); TensorFlow's default
    # is 0, so a ported ``tf.argmax(x)`` on a matrix needs ``axis=0`` (docs/autograph.md)
    return defop(name, kernel=kernel,
                 params={"axis": P.axis_or_none(None), "keepdims": P.bool(False)},
                 shape=_arg_shape(name), accepts=dt.NUMERIC, out_dtype=dt.int32,
                 differentiable=False, cl=cl, doc=doc)


# OpenCL: {0} (a candidate) beats {1} (the best so far); the first nan wins, as in numpy
argmax = arg_reduction("argmax", np.argmax, "Index (int32) of the first maximum along axis.",
                       cl={"kernel": "argreduce", "better": {
                           "f": "(!isnan({1}) && ({0} > {1} || isnan({0})))", "i": "({0} > {1})"}})
argmin = arg_reduction("argmin", np.argmin, "Index (int32) of the first minimum along axis.",
                       cl={"kernel": "argreduce", "better": {
                           "f": "(!isnan({1}) && ({0} < {1} || isnan({0})))", "i": "({0} < {1})"}})
