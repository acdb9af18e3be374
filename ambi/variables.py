"""am.Variable: mutable state read and written at run time, never baked into a graph."""
import weakref

import numpy as np

from . import core
from .constructors import constant
from .core import bind
from .devices import CPU
from .ir.types import TensorType
from .ops.variables import check_write, var_read, var_write
from .tensor import OPERATORS


LIVE = weakref.WeakSet()  # every Variable not yet garbage-collected


class Variable(core._Readable):
    """Mutable state: ``v = am.Variable([1.0, 2.0]); v.assign_add([1.0, 1.0])``.

    Reads and writes happen when the program runs, in every mode: a traced function
    reads the current value on each call.
    """

    _count = 0
    __array_priority__ = 100  # numpy defers to our operators: np_array * v -> Tensor

    def __init__(self, initial, name=None, trainable=True, dtype=None):
        with core.suspended(traces=True):  # initial values are concrete, as tf.init_scope
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
            value = constant(value, self.dtype)
        if core.executing_eagerly():  # as tracing does (var_write's types rule), so modes agree
            check_write(TensorType(value.shape, value.dtype), self)
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
    for name in OPERATORS:
        setattr(Variable, name, getattr(core.Tensor, name))


_copy_operators()
