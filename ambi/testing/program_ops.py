"""The numerical-care table of random programs: which registry ops may be drawn, on which
dtypes, and how large their results can get.

Op names appear here, outside ``ambi/ops``, because numerical conditioning is not a flag
of the registry: whether an op amplifies tiny rounding differences (``floor`` of a long
float chain) is a property of the *test*, not of the op. Ops missing from the registry
are never drawn; ops of the registry missing here are exercised by the single-op tests.
"""
import dataclasses
import math
from typing import Callable, NamedTuple

import numpy as np

from ..errors import ShapeError
from ..ir.types import broadcast_shapes

INT_LIMIT = 2 ** 31 - 1


class Unary(NamedTuple):
    dtypes: str                  # "f": float32 only; "fi": float32 and int32
    bound: Callable              # |result| bound from the operand's bound
    keeps_exact: bool            # an exact operand gives an exact result
    guard: str = "{x}"           # how the operand is written: sqrt sees abs(x)
    max_in: float = math.inf     # drawn only when the operand's bound is at most this
    exact_only: bool = False     # drawn only on exact operands (jumps on tiny differences)

    def usable(self, x):
        return (x.dtype[0] in self.dtypes and x.bound <= self.max_in
                and (x.exact or not self.exact_only) and _fits(x.dtype, self.bound(x.bound)))


class Binary(NamedTuple):
    dtypes: str
    bound: Callable              # (bound of x, bound of y) -> bound of the result
    keeps_exact: bool
    guard: str = "{y}"           # how the second operand is written: divisors are 1+|y|

    def usable(self, x, y):
        return x.dtype[0] in self.dtypes and _fits(x.dtype, self.bound(x.bound, y.bound))


class Reduction(NamedTuple):
    bound: Callable              # (operand bound, number of terms) -> bound
    sums: bool                   # adds terms, so the tolerance grows with their number
    keeps_exact: bool
    to_float: bool = False       # the result is float32 whatever the operand's dtype
    max_in: float = math.inf

    def usable(self, x):
        k = math.prod(x.shape)
        return x.bound <= self.max_in and _fits(x.dtype, self.bound(x.bound, k))


def _fits(dtype, bound):
    """Integer results must not overflow int32; float bounds are squashed afterwards."""
    return dtype != "int32" or bound < INT_LIMIT


def _same(b):
    return b


def _one(b):
    return 1.0


def _round(b):
    return b + 1.0


UNARY = {
    "negative": Unary("fi", _same, True),
    "abs": Unary("fi", _same, True),
    "relu": Unary("fi", _same, True),
    "square": Unary("fi", lambda b: b * b, False),
    "tanh": Unary("f", _one, False),
    "sin": Unary("f", _one, False),
    "cos": Unary("f", _one, False),
    "sigmoid": Unary("f", _one, False),
    "exp": Unary("f", math.exp, False, max_in=3.0),
    "sqrt": Unary("f", math.sqrt, False, "am.abs({x})"),
    "log1p": Unary("f", math.log1p, False, "am.abs({x})"),
    "sign": Unary("fi", _one, True, exact_only=True),
    "floor": Unary("f", _round, True, exact_only=True),
    "ceil": Unary("f", _round, True, exact_only=True),
    "round": Unary("f", _round, True, exact_only=True),
}

BINARY = {
    "add": Binary("fi", lambda a, b: a + b, False),
    "subtract": Binary("fi", lambda a, b: a + b, False),
    "multiply": Binary("fi", lambda a, b: a * b, False),
    "maximum": Binary("fi", max, True),
    "minimum": Binary("fi", max, True),
    "divide": Binary("f", lambda a, b: a, False, "am.add(1.0, am.abs({y}))"),
    "mod": Binary("i", lambda a, b: b + 1.0, True, "am.add(1, am.abs({y}))"),
    "floordiv": Binary("i", lambda a, b: a, True, "am.add(1, am.abs({y}))"),
}

REDUCTIONS = {
    "reduce_sum": Reduction(lambda b, k: b * k, True, False),
    "reduce_mean": Reduction(lambda b, k: b, True, False, to_float=True),
    "reduce_max": Reduction(lambda b, k: b, False, True),
    "reduce_min": Reduction(lambda b, k: b, False, True),
    "reduce_prod": Reduction(lambda b, k: 1.0, False, False, max_in=1.0),  # |x| <= 1
}

COMPARISONS = ("greater", "less", "greater_equal", "less_equal")


def broadcast_or_none(a, b):
    """numpy's broadcast of two shapes, or None when they do not broadcast."""
    try:
        return broadcast_shapes(tuple(a), tuple(b))
    except ShapeError:
        return None


@dataclasses.dataclass
class Value:
    """A name in the generated source and what is known of it statically."""

    name: str
    shape: tuple
    dtype: str
    bound: float          # |value| <= bound, on every device
    exact: bool = False   # bit-identical on every device (safe to compare or round)
    expr: str = None      # the expression that defined it (the "repeat" step reuses it)


def array_source(a):
    """numpy array -> source that rebuilds it exactly: ``np.array([...], dtype=np.float32)``."""
    a = np.asarray(a)
    return f"np.array({_literal(a.tolist())}, dtype=np.{a.dtype})"


def _literal(x):
    if isinstance(x, list):
        return "[" + ", ".join(_literal(v) for v in x) + "]"
    if isinstance(x, float) and not math.isfinite(x):
        return "np.nan" if math.isnan(x) else ("np.inf" if x > 0 else "-np.inf")
    return repr(x)
