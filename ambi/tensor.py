"""Tensor operators and indexing, installed on the Tensor base so eager and symbolic
tensors (and Variables, which read as tensors) behave alike: ``x + y`` is
``am.add(x, y)`` in every mode."""
import numpy as np

from . import ops
from .core import Tensor
from .ops.indexing import encode_index

OPERATORS = []  # dunder names installed here; Variable copies them


def _install(name, fn):
    setattr(Tensor, name, fn)
    OPERATORS.append(name)


def _binary(op, reflected=False):
    if reflected:
        return lambda self, other: op(other, self)
    return lambda self, other: op(self, other)


for _name, _op in {"add": ops.add, "sub": ops.subtract, "mul": ops.multiply,
                   "truediv": ops.divide, "floordiv": ops.floordiv, "mod": ops.mod,
                   "pow": ops.pow, "matmul": ops.matmul, "and": ops.logical_and,
                   "or": ops.logical_or}.items():
    _install(f"__{_name}__", _binary(_op))
    _install(f"__r{_name}__", _binary(_op, reflected=True))

for _name, _op in {"eq": ops.equal, "ne": ops.not_equal, "lt": ops.less, "le": ops.less_equal,
                   "gt": ops.greater, "ge": ops.greater_equal}.items():
    _install(f"__{_name}__", _binary(_op))

_install("__neg__", lambda self: ops.negative(self))
_install("__pos__", lambda self: self)
_install("__abs__", lambda self: ops.abs(self))
_install("__invert__", lambda self: ops.logical_not(self))


def _getitem(self, index):
    """Basic numpy indexing; an integer tensor index becomes a gather on axis 0."""
    if isinstance(index, Tensor):
        return ops.gather(self, index, axis=0)
    return ops.strided_slice(self, index=encode_index(index))


_install("__getitem__", _getitem)


def _to(self, device):
    """A copy of this tensor on another device. ``t.to("cpu")``"""
    from .devices import get_device
    return get_device(device).place(np.array(self.numpy()), self.dtype)


Tensor.to = _to
Tensor.T = property(lambda self: ops.transpose(self))
