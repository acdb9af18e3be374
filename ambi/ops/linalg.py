"""matmul (2-D and batched, batch dims broadcast) and its shape rule."""
import numpy as np

from .. import dtypes as dt
from ..errors import ShapeError
from ..ir.opdef import defop
from ..ir.types import broadcast_shapes
from . import grads


def _matmul_shape(a, b):
    if len(a) < 2 or len(b) < 2:
        raise ShapeError(f"matmul: operands need rank >= 2, got shapes {a} and {b}")
    if a[-1] != b[-2]:
        raise ShapeError(f"matmul: inner dimensions differ: shapes {a} and {b} "
                         f"({a[-1]} != {b[-2]})")
    try:
        batch = broadcast_shapes(a[:-2], b[:-2], "matmul")
    except ShapeError:
        raise ShapeError(f"matmul: the batch dimensions of shapes {a} and {b} cannot be "
                         "broadcast together") from None
    return batch + (a[-2], b[-1])


def _matmul(a, b):
    if np.ndim(a) < 2 or np.ndim(b) < 2:  # np.matmul takes vectors; our shape rule does not
        raise ValueError("rank < 2")  # eager mode asks the shape rule to explain
    return np.matmul(a, b)


matmul = defop("matmul", arity=2, kernel=_matmul, shape=_matmul_shape, accepts=dt.NUMERIC,
               cl={"kernel": "matmul"},
               vjp=grads.matmul_vjp,
               doc="Matrix product over the last two axes; leading axes broadcast. "
                   "``am.matmul([[2.0]], [[2.0]])`` -> [[4.]]")
