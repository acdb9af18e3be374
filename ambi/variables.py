"""am.Variable: mutable state read and written at run time, never baked into a graph."""
import weakref

import numpy as np

from . import core
from .devices import CPU
from .core import bind
from .ir.opdef import P, defop
from .ir.types import TensorType


def _read_types(types, var):
    return (TensorType(var.shape, var.dtype),)


def _write_types(types, var):
    t = types[0]
    if t.dtype is not var.dtype or t.shape != var.shape:
        from .errors import DTypeError, ShapeError
        kind = DTypeError if t.dtype is not var.dtype else ShapeError
        raise kind(f"assign: variable {var.name!r} is {var.dtype.name}{list(var.shape)}, "
                   f"the new value is {t}")
    return ()


def _write(value, var):
    var._value = value


var_read = defop("var_read", arity=0, params={"var": P.variable(None)},
                 kernel=lambda var: var._value,
                 cl={"kernel": "host"},
                 types=_read_types, effect=True, differentiable=False,
                 doc="The variable's value when the node runs.")
var_write = defop("var_write", arity=1, params={"var": P.variable(None)}, kernel=_write, nout=0,
                  cl={"kernel": "host"},
                  types=_write_types, same_dtype=(), effect=True, differentiable=False,
                  doc="Store a new value in the variable.")


LIVE = weakref.WeakSet()  # every Variable not yet garbage-collected


class Variable(core._Readable):
    """Mutable state: ``v = am.Variable([1.0, 2.0]); v.assign_add([1.0, 1.0])``.

    Reads and writes happen when the program runs, in every mode: a traced function
    reads the current value on each call.
    """

    _count = 0
    __array_priority__ = 100  # numpy defers to our operators: np_array * v -> Tensor

    def __init__(self, initial, name=None, trainable=True, dtype=None):
        from .constructors import constant
        with _eager():
            t = initial if isinstance(initial, core.EagerTensor) and dtype is None \
                else constant(initial() if callable(initial) else initial, dtype)
        self._value, self.dtype, self.shape = np.array(t.numpy()), t.dtype, t.shape
        Variable._count += 1
        LIVE.add(self)  # am.testing snapshots every live variable between modes
        self.name = name or f"Variable_{Variable._count}"
        self.trainable = trainable

    def read_value(self):
        """The value now (eagerly) or when the graph runs (traced)."""
        return bind(var_read, [], {"var": self})

    def assign(self, value):
        """Store ``value`` (same dtype and shape); returns the variable."""
        if not isinstance(value, (core.Tensor, core._Readable)):
            from .constructors import constant
            value = constant(value, self.dtype)
        if core.executing_eagerly():  # as tracing does (var_write's types rule), so modes agree
            _write_types([TensorType(value.shape, value.dtype)], self)
        bind(var_write, [value], {"var": self})
        return self

    def assign_add(self, delta):
        return self.assign(self.read_value() + delta)

    def assign_sub(self, delta):
        return self.assign(self.read_value() - delta)

    def numpy(self):
        return np.array(self._value)

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __repr__(self):
        return (f"<ambi.Variable {self.name!r} shape={self.shape} dtype={self.dtype} "
                f"numpy={np.asarray(self._value)}>")

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def device(self):
        """Where the value lives: variables are host state, read by every device."""
        return CPU

    # Python conversions read the value now; inside a trace the read is symbolic and
    # says so (use am.cond / autograph for control flow on it).
    def __bool__(self):
        return bool(self.read_value())

    def __int__(self):
        return int(self.read_value())

    def __float__(self):
        return float(self.read_value())

    def __index__(self):
        return self.read_value().__index__()

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a scalar variable")
        return self.shape[0]

    def __hash__(self):
        return id(self)


def _copy_operators():
    from .tensor import OPERATORS
    for name in OPERATORS:
        setattr(Variable, name, getattr(core.Tensor, name))


class _eager:
    """Run a block eagerly even while tracing (variable initial values)."""

    def __enter__(self):
        self._saved = core._traces[:]
        core._traces.clear()

    def __exit__(self, *exc):
        core._traces[:] = self._saved


_copy_operators()
