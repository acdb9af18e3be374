"""Variable reads and writes: effects whose param is the ``am.Variable`` itself.

The Variable class (``ambi/variables.py``) binds these ops; ``reads_variable`` tells the
tape that a node's output is a Variable's value (``params["var"]``), so reading a
trainable Variable under a tape watches it.
"""
from ..errors import DTypeError, ShapeError
from ..ir.opdef import P, defop
from ..ir.types import TensorType


def _read_types(types, var):
    return (TensorType(var.shape, var.dtype),)


def check_write(t, var):
    """A new value must keep the variable's dtype and shape (``assign``)."""
    if t.dtype is not var.dtype or t.shape != var.shape:
        kind = DTypeError if t.dtype is not var.dtype else ShapeError
        raise kind(f"assign: variable {var.name!r} is {var.dtype.name}{list(var.shape)}, "
                   f"the new value is {t}")


def _write_types(types, var):
    check_write(types[0], var)
    return ()


def _write(value, var):
    var._value = value


var_read = defop("var_read", arity=0, params={"var": P.variable(None)},
                 kernel=lambda var: var._value,
                 cl={"kernel": "host"},
                 types=_read_types, effect=True, differentiable=False, reads_variable=True,
                 doc="The variable's value when the node runs.")
var_write = defop("var_write", arity=1, params={"var": P.variable(None)}, kernel=_write, nout=0,
                  cl={"kernel": "host"},
                  types=_write_types, same_dtype=(), effect=True, differentiable=False,
                  doc="Store a new value in the variable.")
