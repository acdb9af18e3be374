"""Reductions over ``axis=None|int|tuple`` with ``keepdims``, and argmax/argmin."""
import numpy as np

from .. import dtypes as dt
from ..errors import ArgumentError
from ..ir.opdef import defop
from ..ir.types import norm_axes, norm_axis, reduced_shape
from .elementwise import divide

_AXES = {"axis": None, "keepdims": False}


def _reduce_shape(name, nonempty=False):
    def rule(shape, axis, keepdims):
        axes = norm_axes(axis, len(shape), name)
        if nonempty and any(shape[a] == 0 for a in axes):
            raise ArgumentError(f"{name}: cannot reduce over an empty axis of shape {shape}")
        return reduced_shape(shape, axes, keepdims)
    return rule


def _np_axis(axis):
    return axis if axis is None or isinstance(axis, int) else tuple(axis)


def reduction(name, np_fn, accepts=dt.NUMERIC, nonempty=False, doc=""):
    def kernel(x, axis, keepdims):
        return np.asarray(np_fn(x, axis=_np_axis(axis), keepdims=keepdims)).astype(x.dtype)
    return defop(name, kernel=kernel, params=_AXES, shape=_reduce_shape(name, nonempty),
                 accepts=accepts, doc=doc)


reduce_sum = reduction("reduce_sum", np.sum,
                       doc="Sum over axes. ``am.reduce_sum([[1, 2], [3, 4]], axis=0)`` -> [4 6]")
reduce_prod = reduction("reduce_prod", np.prod, doc="Product over axes.")
reduce_max = reduction("reduce_max", np.max, nonempty=True, doc="Maximum over axes; nan wins.")
reduce_min = reduction("reduce_min", np.min, nonempty=True, doc="Minimum over axes; nan wins.")


def _mean(x, axis=None, keepdims=False):
    shape = np.shape(x) if not hasattr(x, "shape") else x.shape
    axes = norm_axes(axis, len(shape), "reduce_mean")
    count = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    return divide(reduce_sum(x, axis=axis, keepdims=keepdims), count)


reduce_mean = defop("reduce_mean", params=_AXES, decompose=_mean,
                    doc="Mean over axes; integers average to float32 (as in JAX).")


def _arg_shape(name):
    def rule(shape, axis):
        if not shape:
            return ()
        a = norm_axis(axis, len(shape), name)
        if shape[a] == 0:
            raise ArgumentError(f"{name}: cannot reduce over an empty axis of shape {shape}")
        return shape[:a] + shape[a + 1:]
    return rule


def arg_reduction(name, np_fn, doc):
    def kernel(x, axis):
        return np_fn(x, axis=axis if np.ndim(x) else None).astype(np.int32)
    return defop(name, kernel=kernel, params={"axis": 0}, shape=_arg_shape(name),
                 accepts=dt.NUMERIC, out_dtype=dt.int32, differentiable=False, doc=doc)


argmax = arg_reduction("argmax", np.argmax, "Index (int32) of the first maximum along axis.")
argmin = arg_reduction("argmin", np.argmin, "Index (int32) of the first minimum along axis.")
