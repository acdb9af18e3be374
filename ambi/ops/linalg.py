"""matmul (2-D and batched, batch dims broadcast) and its shape rule."""
import numpy as np

from .. import dtypes as dt
from ..errors import ShapeError
from ..ir.opdef import defop
from ..ir.types import broadcast_shapes


def _matmul_shape(a, b):
    if len(a) < 2 or len(b) < 2:
        raise ShapeError(f"matmul: operands need rank >= 2, got shapes {a} and {b}")
    if a[-1] != b[-2]:
        raise ShapeError(f"matmul: inner dimensions differ: shapes {a} and {b} "
                         f"({a[-1]} != {b[-2]})")
    batch = broadcast_shapes(a[:-2], b[:-2], "matmul")
    return batch + (a[-2], b[-1])


matmul = defop("matmul", arity=2, kernel=np.matmul, shape=_matmul_shape, accepts=dt.NUMERIC,
               doc="Matrix product over the last two axes; leading axes broadcast. "
                   "``am.matmul([[2.0]], [[2.0]])`` -> [[4.]]")
