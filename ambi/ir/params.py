"""Param kinds: what each op param accepts, declared once in the op's record.

``defop("reduce_sum", params={"axis": P.axes(None), "keepdims": P.bool(False)}, ...)``
gives each param a kind and a default. ``check(op, params)`` is the one checker: the op
record runs it before ``bind``, so a bad argument is the same ``ArgumentError`` eagerly,
in a graph and on every device, and the graph loader runs it on every file's params.
A check also normalizes: ``np.int64(1)`` becomes ``1``, a list of ints a tuple.
"""
import numpy as np

from .. import dtypes as dt
from ..errors import AmbiError, ArgumentError
from .graph import Graph
from .types import TensorType
from .values import Concrete, State, Symbolic


class Param:
    """A param's kind (a key of ``KINDS``) and its default value."""

    __slots__ = ("kind", "default")

    def __init__(self, kind, default):
        if kind not in KINDS:
            raise ValueError(f"unknown param kind {kind!r}")
        self.kind, self.default = kind, default

    def __repr__(self):
        return f"P.{self.kind}({self.default!r})"


class _Kinds:
    """``P.axis(0)`` is ``Param("axis", 0)``: one attribute per kind."""

    def __getattr__(self, kind):
        return lambda default=None: Param(kind, default)


P = _Kinds()


class Bad(Exception):
    """A value that is not of its kind; the checker words the ArgumentError."""


# -- the kinds: each takes a value and returns it normalized, or raises Bad ------------
def _int(v, lo=None):
    """An int (Python or numpy; never a bool), at least ``lo``."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise Bad
    v = int(v)
    if lo is not None and v < lo:
        raise Bad
    return v


def _ints(v, lo=None):
    """A sequence of ints (list, tuple, 1-D array or tensor; constants of a trace too)."""
    if not isinstance(v, (list, tuple, range, np.ndarray)) and not hasattr(v, "shape"):
        raise Bad  # sets have no order; strings, dicts and None are no lists
    if hasattr(v, "shape") and len(v.shape) != 1:
        raise Bad
    v = _const_value(v)
    if _is_symbolic(v):
        raise Bad(COMPUTED)
    try:
        items = list(v)
    except (TypeError, AmbiError):
        raise Bad from None
    return tuple(_int(static_int(x), lo) for x in items)


COMPUTED = ("its value is computed inside the graph; shapes must be known when it is "
            "traced: use Python ints, x.shape, or a loop over a known range")


def _is_symbolic(v):
    return isinstance(v, Symbolic)


def _const_value(v):
    """The value of a ``const`` of the trace (known while tracing), else ``v``."""
    if isinstance(v, Symbolic) and v.dtype.is_int:
        node = v.trace.graph[v.node]
        if node["op"].name == "const":
            return node["params"]["value"]
    return v


def static_int(x):
    """A Python int from an int, a numpy int, an eager int scalar tensor, or a scalar
    ``const`` of the trace (a Python-known loop variable); anything else is left as is."""
    if isinstance(x, Concrete) and x.dtype.is_int and x.shape == ():
        return int(x.numpy())
    if isinstance(x, Symbolic):
        value = _const_value(x)
        if value is not x and x.shape == ():
            return int(value)
        raise Bad(COMPUTED)
    return x


def _axes(v):
    if v is None:
        return None
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return int(v)
    return _ints(v)


def _bool(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    raise Bad


def _real(v):
    """A real number: an int or float, or an eager scalar tensor (which float() reads)."""
    if isinstance(v, (bool, np.bool_, str, bytes)) or not hasattr(v, "__float__"):
        raise Bad
    try:
        return float(v)
    except (TypeError, ValueError, AmbiError):
        raise Bad from None


def _window(v):
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return _int(v, 1)
    out = _ints(v, 1)
    if len(out) != 2:
        raise Bad
    return out


def _choice(*options):
    def check(v):
        if isinstance(v, str) and v in options:
            return v
        raise Bad
    return check


def _dtype(v):
    if v is None or isinstance(v, bool):
        raise Bad
    try:
        return dt.as_dtype(v)
    except (AmbiError, TypeError, ValueError, KeyError):
        raise Bad from None


def _seed(v):
    if v is None:
        return None
    v = _int(v, 0)
    if v >= 2 ** 63:
        raise Bad
    return v


def _instance(*classes):
    def check(v):
        if isinstance(v, _resolve(classes)):
            return v
        raise Bad
    return check


def _resolve(names):
    """Classes by name: the IR's own, and the marker of state (``ir.values``)."""
    table = {"ndarray": (np.ndarray, np.generic), "Graph": (Graph,),
             "TensorType": (TensorType,), "Variable": (State,)}
    return tuple(c for n in names for c in table[n])


def _template(v):
    if not isinstance(v, tuple) or not all(t is None or isinstance(t, str) for t in v):
        raise Bad
    return v


def _name(v):
    if v is None or isinstance(v, str):
        return v
    raise Bad


def _index(v):
    """strided_slice's stored index: ints, None, "..." and ("s", start, stop, step)."""
    def item(it):
        if it is None or it == "...":
            return it
        if isinstance(it, tuple) and len(it) == 4 and it[0] == "s":
            return ("s", *(None if b is None else _int(b) for b in it[1:]))
        return _int(it)
    if not isinstance(v, tuple):
        raise Bad
    return tuple(item(it) for it in v)


# kind -> (check, what it expects, in words)
KINDS = {
    "axis": (_int, "an int"),
    "axis_or_none": (lambda v: None if v is None else _int(v), "an int or None"),
    "axes": (_axes, "None, an int or a tuple of ints"),
    "shape": (lambda v: _ints(v, 0), "a list of non-negative ints"),
    "newshape": (lambda v: _ints(v, -1), "a list of ints (one of them may be -1)"),
    "perm": (lambda v: None if v is None else _ints(v), "None or a list of ints"),
    "begin": (lambda v: _ints(v), "a list of ints"),
    "bool": (_bool, "True or False"),
    "count": (lambda v: _int(v, 0), "an int >= 0"),
    "positive": (lambda v: _int(v, 1), "an int >= 1"),
    "window": (_window, "a positive int or a list of two positive ints"),
    "padding": (_choice("VALID", "SAME"), '"VALID" or "SAME"'),
    "dtype": (_dtype, "a dtype such as am.float32 or 'int32'"),
    "seed": (_seed, "an int in [0, 2**63) or None"),
    "real": (_real, "a real number"),
    "index": (_index, "an index of ints, slices, None and ..."),
    "template": (_template, "a tuple of strings and None"),
    "name": (_name, "a string or None"),
    "array": (_instance("ndarray"), "a numpy array or scalar"),
    "graph": (_instance("Graph"), "a graph"),
    "tensor_type": (_instance("TensorType"), "a TensorType"),
    "variable": (_instance("Variable"), "an am.Variable"),
}


def check_one(opname, key, kind, value):
    """One param's value, normalized; or the ArgumentError every mode and device gives."""
    fn, expected = KINDS[kind]
    try:
        return fn(value)
    except Bad as e:
        why = f" ({e.args[0]})" if e.args else ""
        raise ArgumentError(f"{opname}: argument {key!r} must be {expected}, "
                            f"got {_show(value)}{why}") from None


def _show(v):
    if hasattr(v, "shape") and not isinstance(v, (np.ndarray, np.generic)):
        return f"a tensor of shape {tuple(v.shape)}"
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def static_shape(value, opname, key="shape"):
    """A shape argument of a constructor (``am.zeros(shape)``): a single int or a list."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        value = (value,)
    return check_one(opname, key, "shape", value)


__all__ = ["P", "Param", "KINDS", "check_one", "static_shape", "static_int"]
