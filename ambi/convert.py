"""SPEC section 2's conversions: a Python or numpy value -> (numpy array, DType).

Python literals take the dtype they are asked for, or their default (float -> float32,
int -> int32, bool -> bool); a conversion that would change a value is a DTypeError,
never a silent rounding or wrap-around. numpy values keep their own dtype.
"""
import numpy as np

from . import dtypes as dt
from .errors import DTypeError, ShapeError

_INT_RANGE = {"int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


def to_numpy(x, dtype=None, asked=False):
    """A Python/numpy value -> (numpy array, DType) by SPEC section 2's rules. ``asked``:
    the dtype was requested by name (``am.constant(v, dtype)``), not another operand's."""
    if _is_python_number(x) and _takes_number(type(x), dtype):
        return _scalar(x, dtype or (dt.float32 if type(x) is float else dt.int32))
    if isinstance(x, (np.ndarray, np.generic)):
        return _numpy_value(x, dtype)
    if type(x) is int and (dtype is None or dtype.is_int):  # past int64
        _check_range(x, dtype or dt.int64, x)
    arr = _nested(x)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise DTypeError(f"cannot make a tensor from {type(x).__name__} {short(x)}")
    target = dtype or _literal_dtype(arr)
    return _adopt(arr, target, x, asked), target


def _is_python_number(x):
    """A Python float, or a Python int that fits in int64 (bool is neither)."""
    t = type(x)
    return t is float or t is int and -2 ** 63 <= x < 2 ** 63


def _takes_number(t, dtype):
    """Whether a Python number of type ``t`` converts to ``dtype`` without an array: a
    float to any float dtype, an int to any numeric dtype (None: its default)."""
    return dtype is None or dtype.is_float or t is int and dtype.is_int


def _numpy_value(x, dtype):
    """A numpy array or scalar keeps its dtype; asking for another one is an error."""
    have = dt.of_numpy(x.dtype)
    if have is None:
        raise DTypeError(f"numpy dtype {x.dtype} has no ambi equivalent")
    if dtype is not None and dtype is not have:
        raise DTypeError(f"operands have different dtypes {dtype.name} and {have.name}; "
                         f"convert one with am.cast(x, am.{dtype.name})")
    return np.asarray(x), have


def _nested(x):
    """Nested lists (or any other value) as a numpy array, with ambi's shape errors."""
    try:
        return np.asarray(x)
    except ValueError as e:
        if "number of dimension" in str(e):  # numpy's limit: 64 axes
            raise ShapeError("lists nested more than 64 deep cannot make a tensor: a tensor "
                             "has at most 64 axes") from None
        raise ShapeError(f"nested lists of uneven lengths cannot make a tensor: "
                         f"{short(x)}") from None


def short(x):
    """A value for a message: its repr, cut to 80 characters (an int of more than 4,300
    digits has no repr: Python refuses to convert it)."""
    try:
        r = repr(x)
    except ValueError:
        r = f"<an int of about {int(abs(x).bit_length() * 0.30103) + 1} digits>" \
            if isinstance(x, int) else f"<a {type(x).__name__}>"
    return r if len(r) <= 80 else r[:77] + "..."


def _literal_dtype(arr):
    return {"b": dt.bool_, "f": dt.float32}.get(arr.dtype.kind, dt.int32)


def _scalar(x, target):
    """A Python float or int literal as a numpy scalar of ``target`` (the common case:
    ``x * 2``, ``x / n``), without building an array."""
    if target.is_int:
        _check_range(x, target, x)
    return target.np.type(x), target


def _check_range(value, target, original):
    """An int value (or the int array's extremes) must fit in ``target``."""
    lo, hi = _INT_RANGE[target.name]
    if not lo <= value <= hi:
        fix = "no ambi dtype holds it" if target is dt.int64 else \
            "pass dtype=am.int64 or a numpy array"
        raise DTypeError(f"{short(original)} is out of range for {target.name}; {fix}")


def _bool_mismatch(arr, target):
    """Booleans and numbers do not convert into each other implicitly."""
    return (arr.dtype.kind == "b") != (target is dt.bool_)


def _adopt(arr, target, original, asked=False):
    """Convert a Python literal to ``target``, refusing to change its value."""
    if _bool_mismatch(arr, target):
        raise DTypeError(f"cannot use {short(original)} as {target.name}; use am.cast")
    if target.is_int and arr.dtype.kind in "iu" and arr.size:
        _check_range(int(arr.min()), target, original)
        _check_range(int(arr.max()), target, original)
    out = arr.astype(target.np)
    if target.is_int and arr.dtype.kind == "f" and not np.array_equal(out, arr):
        what = f"{short(original)} is not an integer" if arr.ndim == 0 else \
            f"{short(original)} holds values that are not integers"
        if asked:
            raise DTypeError(f"{what}, so it cannot be {target.name} without rounding; use "
                             f"am.cast to convert it")
        raise DTypeError(f"{what}, but the other operand is {target.name}; use am.cast to "
                         f"change one of them")
    return out
