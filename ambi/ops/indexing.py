"""Indexing: ``x[...]`` (basic numpy indexing), ``slice``, ``gather`` and ``one_hot``.

An index is stored in the graph as a tuple of plain values: ints, ``None`` (new axis),
``"..."`` and ``("s", start, stop, step)`` for a slice, so it hashes and serializes.
"""
import builtins

import numpy as np

from .. import dtypes as dt
from ..errors import ArgumentError, DTypeError, IndexOutOfRangeError, ShapeError
from ..ir.opdef import P, defop
from ..ir.types import norm_axis
from ..limits import allocate
from . import grads
from .elementwise import equal
from .shape import cast, expand_dims


def encode_index(index):
    """A Python index (ints, slices, None, Ellipsis) -> its hashable stored form."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for it in items:
        if isinstance(it, builtins.slice):
            out.append(("s", _int_or_none(it.start), _int_or_none(it.stop),
                        _int_or_none(it.step)))
        elif it is Ellipsis:
            out.append("...")
        elif it is None or isinstance(it, (int, np.integer)) and not isinstance(it, bool):
            out.append(None if it is None else int(it))
        else:
            raise ArgumentError(f"unsupported index {it!r}: use ints, slices, None, ... "
                                "or am.gather for tensor indices")
    return tuple(out)


def _int_or_none(v):
    if v is None:
        return None
    try:
        return int(v.__index__())
    except (AttributeError, TypeError):
        raise ArgumentError(f"slice bounds must be Python ints, not {v!r}") from None


def decode_index(index):
    return tuple(builtins.slice(*it[1:]) if isinstance(it, tuple) else
                 Ellipsis if it == "..." else it for it in index)


def _index_shape(shape, index):
    probe = np.broadcast_to(np.empty((), np.int8), shape)  # no memory, any shape
    try:
        return probe[decode_index(index)].shape
    except IndexError as e:
        raise IndexOutOfRangeError(f"index {_show(index)} is invalid for shape {shape}: {e}") \
            from None
    except ValueError as e:  # a slice step of 0
        raise ShapeError(f"index {_show(index)} is invalid for shape {shape}: {e}") from None


def _show(index):
    parts = []
    for it in index:
        if isinstance(it, tuple):
            a, b, c = (("" if v is None else str(v)) for v in it[1:])
            parts.append(f"{a}:{b}" + (f":{c}" if c else ""))
        else:
            parts.append("..." if it == "..." else str(it))
    return "[" + ", ".join(parts) + "]"


strided_slice = defop("strided_slice", params={"index": P.index(())},
                      cl={"kernel": "view"},
                      kernel=lambda x, index: np.asarray(x)[decode_index(index)],
                      shape=_index_shape,
                      vjp=lambda g, x, out, index: (grads.slice_grad(g, x.shape, index),),
                      doc="``x[index]`` with basic numpy indexing.")


def _slice(x, begin, size):
    shape = x.shape
    if len(begin) != len(shape) or len(size) != len(shape):
        raise ArgumentError(f"slice: begin {begin} and size {size} need one entry per axis "
                            f"of shape {shape}")
    index = []
    for b, s, d in zip(begin, size, shape):
        end = d if s == -1 else b + s
        if not 0 <= b <= end <= d:
            raise ShapeError(f"slice: begin {begin}, size {size} out of bounds for {shape}")
        index.append(("s", b, end, None))
    return strided_slice(x, index=tuple(index))


slice = defop("slice", params={"begin": P.begin(()), "size": P.newshape(())}, decompose=_slice,
              doc="A box of x from ``begin`` with ``size`` (-1: to the end), as in "
                  "TensorFlow. ``am.slice(x, [0, 1], [2, -1])``")


def _gather_shape(params, indices, axis):
    a = norm_axis(axis, len(params), "gather")
    return params[:a] + indices + params[a + 1:]


def _gather_dtype(dtypes, axis):
    if not dtypes[1].is_int:
        raise DTypeError(f"gather: indices must be int32 or int64, not {dtypes[1].name}")
    return dtypes[0]


def _gather_kernel(params, indices, axis):
    n = np.shape(params)[axis]
    if np.size(indices) and (np.min(indices) < -n or np.max(indices) >= n):
        raise IndexError(f"an index is out of range for axis {axis} of size {n}")
    return np.take(params, indices, axis=axis)


gather = defop("gather", arity=2, params={"axis": P.axis(0)}, kernel=_gather_kernel,
               cl={"kernel": "gather"},
               shape=_gather_shape, dtype=_gather_dtype, same_dtype=(),
               vjp=grads.gather_vjp,
               doc="Pick slices along an axis by index. ``am.gather([10, 20, 30], [2, 0])`` "
                   "-> [30 10]")


def _one_hot(indices, depth, dtype=dt.float32):
    if not indices.dtype.is_int:  # as in TensorFlow: indices are integers
        raise DTypeError(f"one_hot: indices must be int32 or int64, not {indices.dtype.name}")
    if not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ArgumentError(f"one_hot: depth must be a non-negative int, not {depth!r}")
    depths = allocate((depth,), lambda: np.arange(depth, dtype=indices.dtype.np), op="one_hot")
    hot = equal(expand_dims(indices, -1), depths)
    return cast(hot, dtype)


one_hot = defop("one_hot", params={"depth": P.count(1), "dtype": P.dtype(dt.float32)},
                decompose=_one_hot,
                accepts=dt.INTS,
                doc="Index -> a row of zeros with a one at it (out-of-range: all zeros). "
                    "``am.one_hot([1], 3)`` -> [[0. 1. 0.]]")
