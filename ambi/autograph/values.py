"""The values converted code handles: Undefined names, tensors, numbers, conditions."""
import numpy as np

from ..core import SymbolicTensor, Tensor, _Readable, executing_eagerly, tracing_into
from ..errors import DTypeError, TracingError


class Undefined:
    """A name with no value yet (``x`` before ``x = ...``). Using it raises a
    TracingError that says why it has none; the rewrite starts every name that a
    statement assigns with one, so branches and loops can carry it."""

    __slots__ = ("name", "why")

    def __init__(self, name, why=None):
        self.name = name
        self.why = why or "it is used before it is assigned"

    def __repr__(self):
        return f"<undefined {self.name}>"

    def fail(self, *args, **kwargs):
        raise TracingError(f"`{self.name}` has no value here: {self.why}")

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self.fail()


for _dunder in ("bool", "int", "float", "index", "len", "iter", "call", "getitem", "array",
                "add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "pow",
                "rpow", "matmul", "rmatmul", "neg", "lt", "le", "gt", "ge", "floordiv",
                "mod", "format"):
    setattr(Undefined, f"__{_dunder}__", Undefined.fail)


def read(x):
    """A Variable reads as its value inside a trace (a symbolic read)."""
    if isinstance(x, _Readable) and not executing_eagerly():
        return x.read_value()
    return x


def is_symbolic(x):
    return isinstance(x, SymbolicTensor)


def is_number(x):
    return isinstance(x, (bool, int, float, np.bool_, np.number))


def is_tensorish(x):
    """Values a cond or loop can carry: tensors, Variables (read), numbers."""
    return isinstance(x, (Tensor, _Readable)) or is_number(x)


def describe(x):
    if isinstance(x, Tensor):
        return f"a {x.dtype.name}{list(x.shape)} tensor"
    if isinstance(x, Undefined):
        return "undefined"
    return f"a Python {type(x).__name__} ({x!r:.40})"


def as_tensor(trace, x, like=None):
    """``x`` as a tensor of ``trace``: numbers take ``like``'s dtype, an Undefined (a return
    value not set on this path) becomes zeros of ``like``."""
    with tracing_into(trace):
        if isinstance(x, Undefined):
            return trace.constant(np.zeros(like.shape, like.dtype.np), like.dtype)
        dtype = like.dtype if like is not None and is_number(x) and _fits(x, like) else None
        return trace.to_symbolic(x, dtype)


def _fits(x, like):
    """A Python number adopts a tensor's dtype when it keeps its kind (1 -> float32 is
    fine, 1.5 -> int32 is not, as in SPEC section 2)."""
    return not (isinstance(x, float) and like.dtype.is_int) and \
        (isinstance(x, bool) == like.dtype.is_bool)


def check_not_in_try(what, in_try):
    if in_try:
        raise TracingError(f"this `{what}` on a tensor is inside `try`: a graph node cannot "
                           "raise into Python's `except`; move the `try` out of the "
                           "function, or compute the condition before the `try`")


def check_condition(pred, what, in_try):
    check_not_in_try(what, in_try)
    if pred.shape != () or not pred.dtype.is_bool:
        raise DTypeError(f"the condition of this `{what}` is a {pred.type} tensor; in "
                         "am.function it must be a scalar bool tensor (compare it, as in "
                         "`x > 0`, or reduce it with am.reduce_any)")
