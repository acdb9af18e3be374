"""The five dtypes of ambi and the rule that binary ops need equal dtypes."""
import numpy as np

from .errors import DTypeError


class DType:
    """A tensor element type, e.g. ``am.float32``; wraps one numpy dtype."""

    __slots__ = ("name", "np")

    def __init__(self, name, np_dtype):
        self.name, self.np = name, np.dtype(np_dtype)

    def __repr__(self):
        return f"am.{self.name}"

    __str__ = lambda self: self.name

    def __reduce__(self):
        return (as_dtype, (self.name,))

    @property
    def is_float(self):
        return self.np.kind == "f"

    @property
    def is_int(self):
        return self.np.kind == "i"

    @property
    def is_bool(self):
        return self.np.kind == "b"


float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
bool_ = DType("bool", np.bool_)

ALL = (float32, float64, int32, int64, bool_)
FLOATS = (float32, float64)
INTS = (int32, int64)
NUMERIC = FLOATS + INTS
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL}


def as_dtype(x):
    """``am.float32``, ``"float32"``, ``np.float32`` or a numpy dtype -> DType."""
    if isinstance(x, DType):
        return x
    if isinstance(x, str) and x in _BY_NAME:
        return _BY_NAME[x]
    if x is bool:
        return bool_
    try:
        return _BY_NP[np.dtype(x)]
    except (TypeError, KeyError):
        raise DTypeError(f"unsupported dtype {x!r}; ambi has "
                         + ", ".join(d.name for d in ALL)) from None


def of_numpy(dt):
    """The DType of a numpy dtype, or None when ambi has no such dtype."""
    return _BY_NP.get(dt)


def python_scalar_dtype(x):
    """float -> float32, int -> int32, bool -> bool (SPEC section 2)."""
    if isinstance(x, (bool, np.bool_)):
        return bool_
    if isinstance(x, int):
        return int32
    if isinstance(x, float):
        return float32
    return None
