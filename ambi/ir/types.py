"""TensorType (shape, dtype) and the shape helpers that op rules share."""
import math

from ..errors import ArgumentError, ShapeError


class TensorType:
    """The static type of a tensor: a tuple of ints and a DType."""

    __slots__ = ("shape", "dtype", "_hash", "_size")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype
        self._hash = self._size = None

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):  # kept, as the hash: every node added asks it (Graph.largest)
        if self._size is None:
            self._size = math.prod(self.shape)
        return self._size

    def __eq__(self, other):
        return (isinstance(other, TensorType) and self.shape == other.shape
                and self.dtype is other.dtype)

    def __hash__(self):  # kept: op rules memoize on tuples of types, once per op traced
        if self._hash is None:
            self._hash = hash((self.shape, self.dtype.name))
        return self._hash

    def __repr__(self):
        return f"{self.dtype.name}{list(self.shape)}"


def broadcast_shapes(a, b, op="broadcast"):
    """numpy broadcasting of two shapes, or a ShapeError naming the op and both shapes."""
    if a == b:
        return a
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a2, b2):
        if x != y and x != 1 and y != 1:
            raise ShapeError(f"{op}: shapes {a} and {b} cannot be broadcast together")
        out.append(y if x == 1 else x)
    return tuple(out)


def norm_axis(axis, ndim, op):
    """An axis in [-ndim, ndim) -> [0, ndim), or an ArgumentError.

    A scalar takes axis 0 or -1, as numpy's kernels (and PyTorch) do.
    """
    n = max(ndim, 1)
    if isinstance(axis, bool) or not isinstance(axis, int) or not -n <= axis < n:
        raise ArgumentError(f"{op}: axis {axis!r} is out of range for a tensor of rank {ndim}")
    return axis % ndim if ndim else 0


def norm_axes(axis, ndim, op):
    """axis=None|int|tuple -> a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = sorted({norm_axis(a, ndim, op) for a in axes})
    if len(out) != len(axes):
        raise ArgumentError(f"{op}: repeated axis in {axis!r}")
    return tuple(out)


def reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)
