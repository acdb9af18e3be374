"""Tensor operators and indexing, installed on the Tensor base so eager and symbolic
tensors (and Variables, which read as tensors) behave alike: ``x + y`` is
``am.add(x, y)`` in every mode."""
import numpy as np

from . import ops
from .core import Tensor, bind
from .ops.indexing import encode_index
from .devices import get_device

OPERATORS = []  # dunder names installed here; Variable copies them


def _install(name, fn):
    setattr(Tensor, name, fn)
    OPERATORS.append(name)


def _binary(op, reflected=False):
    """``x + y`` binds ``add`` directly: these ops take two operands and no params, so
    the call needs none of ``OpDef.__call__``'s argument sorting (7% of an eager x**2)."""
    if reflected:
        return lambda self, other: bind(op, (other, self), {})
    return lambda self, other: bind(op, (self, other), {})


for _name, _op in {"add": ops.add, "sub": ops.subtract, "mul": ops.multiply,
                   "truediv": ops.divide, "floordiv": ops.floordiv, "mod": ops.mod,
                   "pow": ops.pow, "matmul": ops.matmul, "and": ops.logical_and,
                   "or": ops.logical_or}.items():
    _install(f"__{_name}__", _binary(_op))
    _install(f"__r{_name}__", _binary(_op, reflected=True))

for _name, _op in {"lt": ops.less, "le": ops.less_equal, "gt": ops.greater,
                   "ge": ops.greater_equal}.items():
    _install(f"__{_name}__", _binary(_op))


def _equality(op, with_none):
    """``t == None`` is False and ``t != None`` True, as for any Python object."""
    def compare(self, other):
        return with_none if other is None else op(self, other)
    return compare


_install("__eq__", _equality(ops.equal, False))
_install("__ne__", _equality(ops.not_equal, True))

_install("__neg__", lambda self: ops.negative(self))
_install("__pos__", lambda self: self)
_install("__abs__", lambda self: ops.abs(self))
_install("__invert__", lambda self: ops.logical_not(self))


def _getitem(self, index):
    """Basic numpy indexing; an integer tensor index becomes a gather on axis 0."""
    if isinstance(index, Tensor):
        return ops.gather(self, index, axis=0)
    # encode_index has checked and normalized the index: bind it as it is (the op's
    # call would check it a second time, a third of a `t[i]`)
    return bind(ops.strided_slice, [self], {"index": encode_index(index)})


_install("__getitem__", _getitem)


def _iter(self):
    """Iterate over the first axis, as numpy does: ``a, b = am.constant([1, 2])``.
    Inside a trace the first dimension is known, so this unrolls."""
    if not self.shape:
        raise TypeError("iteration over a scalar tensor")
    return (self[i] for i in range(self.shape[0]))


def _format(self, spec):
    """``f"{loss:.3f}"``: a format spec applies to a scalar's value; no spec is ``str``."""
    if not spec:
        return str(self)
    value = np.asarray(self.numpy())  # a symbolic tensor explains why it has no value
    if value.size != 1:
        raise TypeError(f"format spec {spec!r} needs a scalar tensor, not shape "
                        f"{tuple(self.shape)}; format t.numpy() or one element")
    return format(value.reshape(()).item(), spec)


def _round(self, ndigits=None):
    """``round(t)``: half to even, a tensor of the same dtype (as numpy's ``round``)."""
    if not self.dtype.is_float:
        return self  # integers are already round
    if ndigits is None:
        return ops.round(self)
    scale = 10.0 ** ndigits
    return ops.round(self * scale) / scale


_install("__iter__", _iter)
_install("__format__", _format)
_install("__round__", _round)


def _to(self, device):
    """A copy of this tensor on another device. ``t.to("cpu")``"""
    return get_device(device).place(np.array(self.numpy()), self.dtype)


Tensor.to = _to
Tensor.T = property(lambda self: ops.transpose(self))
