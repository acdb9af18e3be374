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
from .elementwise import equal, mod
from .linalg import matmul
from .shape import cast, concat, expand_dims, reshape, transpose


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
                      vjp=lambda g, x, out, index: (slice_grad(g, x.shape, index),),
                      doc="``x[index]`` with basic numpy indexing.")


# -- gradients: a slice's cotangent is g scattered into zeros ------------------------------
def _positions(shape, index):
    """Per axis of x: the positions it keeps (a range), or an int for an int index."""
    items = list(decode_index(index))
    used = sum(1 for it in items if it is not None and it is not Ellipsis)
    if Ellipsis in items:
        k = items.index(Ellipsis)
        items[k:k + 1] = [builtins.slice(None)] * (len(shape) - used)
    items += [builtins.slice(None)] * (len(shape) - sum(1 for it in items if it is not None))
    out = []
    for it in (it for it in items if it is not None):
        n = shape[len(out)]
        out.append(it % n if isinstance(it, int) else range(*it.indices(n)))
    return out


def slice_grad(g, shape, index):
    """The cotangent of ``x[index]``: ``g`` scattered into zeros of x's shape."""
    pos = _positions(tuple(shape), index)
    kept = tuple(1 if isinstance(p, int) else len(p) for p in pos)
    g = reshape(g, shape=kept)
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
        return concat([t for t in parts if t is not None], axis=axis)
    hot = np.zeros((len(p), n), g.dtype.np)
    hot[np.arange(len(p)), list(p)] = 1  # a 0/1 matrix that moves row j to position p[j]
    moved = transpose(g, perm=_to_last(len(g.shape), axis))
    spread = matmul(moved, hot) if len(g.shape) > 1 else \
        reshape(matmul(reshape(moved, shape=(1, len(p))), hot), shape=(n,))
    return transpose(spread, perm=tuple(int(i) for i in
                                        np.argsort(_to_last(len(g.shape), axis))))


def _to_last(nd, axis):
    return tuple(i for i in range(nd) if i != axis) + (axis,)


def _zeros_like_axis(g, axis, size):
    if size == 0:
        return None
    return grads.zeros(tuple(size if i == axis else d for i, d in enumerate(g.shape)), g.dtype)


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


def _gather_vjp(g, params, indices, out, axis):
    # params[.., indices, ..]: scatter-add g's rows back with a one-hot matrix product
    a = axis % len(params.shape)
    n, before, after = params.shape[a], params.shape[:a], params.shape[a + 1:]
    k = int(np.prod(indices.shape, dtype=np.int64))
    hot = one_hot(reshape(mod(indices, n), shape=(k,)), depth=n, dtype=g.dtype)
    g3 = reshape(g, shape=(int(np.prod(before, dtype=np.int64)), k,
                           int(np.prod(after, dtype=np.int64))))
    summed = matmul(transpose(hot), g3)  # (n, k) @ (A, k, B) -> (A, n, B)
    return reshape(summed, shape=tuple(before) + (n,) + tuple(after)), None


gather = defop("gather", arity=2, params={"axis": P.axis(0)}, kernel=_gather_kernel,
               cl={"kernel": "gather"},
               shape=_gather_shape, dtype=_gather_dtype, same_dtype=(),
               vjp=_gather_vjp,
               doc="Pick slices along an axis by index. ``am.gather([10, 20, 30], [2, 0])`` "
                   "-> [30 10]")


def _one_hot(indices, depth, dtype=dt.float32):
    if not indices.dtype.is_int:  # as in TensorFlow: indices are integers
        raise DTypeError(f"one_hot: indices must be int32 or int64, not {indices.dtype.name}")
    if not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ArgumentError(f"one_hot: depth must be a non-negative int, not {depth!r}")
    hot = equal(expand_dims(indices, -1), _arange(depth, indices.dtype))
    return cast(hot, dtype)


one_hot = defop("one_hot", params={"depth": P.count(1), "dtype": P.dtype(dt.float32)},
                decompose=_one_hot,
                accepts=dt.INTS,
                doc="Index -> a row of zeros with a one at it (out-of-range: all zeros). "
                    "``am.one_hot([1], 3)`` -> [[0. 1. 0.]]")


def _arange(n, dtype):
    """0 .. n-1 as am.range makes it (an allocation error names ``range``)."""
    return allocate((n,), lambda: np.arange(n, dtype=dtype.np), op="range")
