"""Tensor constructors: constant, convert_to_tensor, zeros, ones, fill, range, eye.

They make concrete values; inside a trace a value becomes a ``const`` node, and
``fill``-style constructors become ``broadcast_to`` of a scalar so graphs stay small.
"""


import math

import numpy as np

from . import core, devices, dtypes as dt
from .convert import to_numpy
from .errors import ArgumentError
from .ir.params import check_one, static_shape
from .limits import allocate
from .ops.shape import broadcast_to, cast


def constant(value, dtype=None):
    """A tensor from a Python value or numpy array (SPEC section 2's dtype rules).

    >>> am.constant([1.0, 2.0])
    ambi.Tensor([1. 2.], shape=(2,), dtype=float32)
    """
    if isinstance(value, core.Tensor):
        if core.executing_eagerly():  # a copy on the current device (a bare array is no Tensor)
            value = _place(value.numpy(), value.dtype)
        return value if dtype is None else _cast_to(value, dtype)
    if isinstance(value, np.ndarray):  # copy: later writes to the array don't reach us
        value = value.astype(dt.as_dtype(dtype).np if dtype is not None else value.dtype)
    elif dtype is not None and isinstance(value, np.generic):
        value = np.asarray(value).astype(dt.as_dtype(dtype).np)
    arr, d = to_numpy(value, None if dtype is None else dt.as_dtype(dtype), asked=True)
    return _place(arr, d)


def _cast_to(t, dtype):
    return t if t.dtype is dt.as_dtype(dtype) else cast(t, dtype)


def _place(arr, dtype):
    trace = core.current_trace()
    return trace.constant(arr, dtype) if trace else devices.current_device().place(arr, dtype)


def convert_to_tensor(value, dtype=None):
    """Tensors pass through; other values become constants. ``am.convert_to_tensor(3)``"""
    if isinstance(value, core.Tensor) and dtype is None:
        trace = core.current_trace()
        return trace.to_symbolic(value) if trace else value
    if isinstance(value, core._Readable):
        return value.read_value()
    return constant(value, dtype)


def fill(dims, value, dtype=None):
    """A tensor of shape ``dims`` filled with ``value``. ``am.fill([2], 7)`` -> [7 7]"""
    d = dt.as_dtype(dtype) if dtype is not None else dt.python_scalar_dtype(value) or dt.float32
    # constant's own check: fill([2], 2.5, int32) is an error, as constant(2.5, int32) is
    return broadcast_to(constant(value, d), shape=static_shape(dims, "fill"))


def _fill_typed(shape, value, dtype):
    """fill with 0 or 1 as ``dtype``'s own zero or one (False and True for bool)."""
    d = dt.as_dtype(dtype)
    return fill(shape, d.np.type(value), d)


def zeros(shape, dtype=dt.float32):
    """Zeros, float32 unless a dtype is given. ``am.zeros([2, 3])``"""
    return _fill_typed(shape, 0, dtype)


def ones(shape, dtype=dt.float32):
    """Ones, float32 unless a dtype is given. ``am.ones([3], am.int32)``"""
    return _fill_typed(shape, 1, dtype)


def zeros_like(x, dtype=None):
    """Zeros of x's shape (and dtype, unless given). ``am.zeros_like(x)``"""
    x = convert_to_tensor(x)
    return _fill_typed(x.shape, 0, dtype or x.dtype)


def ones_like(x, dtype=None):
    """Ones of x's shape (and dtype, unless given). ``am.ones_like(x)``"""
    x = convert_to_tensor(x)
    return _fill_typed(x.shape, 1, dtype or x.dtype)


def range(start, limit=None, delta=1, dtype=None):
    """Like ``np.arange``: ints give int32, floats float32. ``am.range(3)`` -> [0 1 2]"""
    if limit is None:
        start, limit = 0, start
    bounds = [_concrete(v, "range", k) for v, k in zip((start, limit, delta),
                                                        ("start", "limit", "delta"))]
    if bounds[2] == 0:
        raise ArgumentError("range: argument 'delta' must not be zero")
    if dtype is None:
        dtype = dt.float32 if any(isinstance(b, float) for b in bounds) else dt.int32
    dtype = dt.as_dtype(dtype)
    n = max(0, math.ceil((bounds[1] - bounds[0]) / bounds[2]))
    return constant(allocate((n,), lambda: _arange(bounds, dtype), op="range"))


def _arange(bounds, dtype):
    """np.arange, once each int bound is known to fit ``dtype`` (SPEC section 2's
    DTypeError, not numpy's OverflowError)."""
    for b in bounds:
        if dtype.is_int and isinstance(b, int):
            to_numpy(b, dtype)
    return np.arange(*bounds, dtype=dtype.np)


def eye(num_rows, num_columns=None, dtype=dt.float32):
    """The identity matrix. ``am.eye(2)`` -> [[1. 0.] [0. 1.]]"""
    rows = check_one("eye", "num_rows", "count", num_rows)
    cols = rows if num_columns is None else check_one("eye", "num_columns", "count",
                                                      num_columns)
    return constant(allocate((rows, cols), lambda: np.eye(rows, cols,
                                                          dtype=dt.as_dtype(dtype).np),
                             op="eye"))


def _concrete(v, what, key):
    """A Python number from an int/float or an eager scalar tensor."""
    if isinstance(v, core.Tensor):
        v = v.numpy()[()]  # a symbolic tensor raises the TracingError that explains
    v = v.item() if isinstance(v, np.generic) else v
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ArgumentError(f"{what}: argument {key!r} must be a finite real number, "
                            f"got {v!r}"[:200])
    return v



