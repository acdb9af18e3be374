"""Hypothesis strategies for ambi: dtypes, shapes, tensors, broadcastable shapes and
whole random programs. ambi's own property tests use these very strategies.

>>> from hypothesis import given
>>> from ambi.testing import strategies as ams
>>> @given(ams.broadcastable_pair(dtype="float32"))
... def test_add(pair):
...     am.testing.assert_equivalent(lambda a, b: a + b, *pair)

Random programs (``programs()``) are documented in ``ambi/testing/programs.py``; a
failing example prints as a Python script that reproduces it.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import dtypes as dt
from .programs import Program, ProgramSpec, programs  # noqa: F401
from ..constructors import constant

# Default element ranges: wide enough to exercise the kernels, small enough that a chain
# of ops does not overflow float32; subnormals are off (devices may flush them to zero).
FLOAT_RANGE = 10.0
INT_RANGE = 100


def dtypes(include=None):
    """A DType, from ``include`` (names, numpy dtypes or DTypes) or all five.

    >>> dtypes(include=["float32", "int32"]).example() in (am.float32, am.int32)
    True
    """
    chosen = dt.ALL if include is None else [dt.as_dtype(d) for d in include]
    return st.sampled_from(list(chosen))


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """A shape tuple: ``shapes(1, 2).example()`` -> e.g. ``(3, 1)``. ``min_side=0``
    allows empty tensors."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def elements(dtype, edge_values=False, min_value=None, max_value=None):
    """Scalars of ``dtype`` in a sensible range; ``edge_values`` mixes in 0, -0.0, +-inf and
    NaN for floats, the extremes for ints.

    >>> elements("int32").example() in range(-100, 101)
    True
    """
    d = dt.as_dtype(dtype)
    if d.is_bool:
        return st.booleans()
    if d.is_int:
        lo = -INT_RANGE if min_value is None else min_value
        base = st.integers(lo, INT_RANGE if max_value is None else max_value)
        info = np.iinfo(d.np)
        return st.one_of(base, st.sampled_from([0, info.min, info.max])) if edge_values else base
    lo = -FLOAT_RANGE if min_value is None else min_value
    hi = FLOAT_RANGE if max_value is None else max_value
    base = st.floats(lo, hi, width=d.np.itemsize * 8, allow_subnormal=False)
    edges = st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0])
    return st.one_of(base, edges) if edge_values else base


_default_elements = elements  # tensors() has a parameter of the same name


@st.composite
def tensors(draw, dtype=None, shape=None, elements=None, edge_values=False, as_tensor=False):
    """A numpy array (or an ambi tensor with ``as_tensor=True``) of a drawn or given dtype
    and shape; each may also be a strategy (``shape=shapes(max_dims=2)``). ``elements``
    is a strategy for its scalars.

    >>> tensors("float32", (2, 3)).example().shape
    (2, 3)
    """
    d = dt.as_dtype(draw(dtypes() if dtype is None else _strategy(dtype, dt.as_dtype)))
    shape = draw(shapes() if shape is None else _strategy(shape, tuple))
    elems = elements if elements is not None else _default_elements(d, edge_values)
    arr = draw(hnp.arrays(d.np, shape, elements=elems))
    if as_tensor:
        return constant(arr)
    return arr


def _strategy(value, convert):
    """A strategy as given, or one that always gives ``convert(value)``."""
    return value if isinstance(value, st.SearchStrategy) else st.just(convert(value))


def broadcastable_shapes(n=2, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """A tuple of ``n`` shapes that broadcast together, numpy-style.

    >>> np.broadcast_shapes(*broadcastable_shapes(3).example()) is not None
    True
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda b: b.input_shapes)


@st.composite
def broadcastable_tensors(draw, n=2, dtype=None, edge_values=False, as_tensor=False,
                          max_dims=3, max_side=4):
    """``n`` arrays of one dtype whose shapes broadcast together."""
    d = draw(dtypes()) if dtype is None else dt.as_dtype(dtype)
    group = draw(broadcastable_shapes(n, max_dims=max_dims, max_side=max_side))
    return tuple(draw(tensors(d, s, edge_values=edge_values, as_tensor=as_tensor))
                 for s in group)


def broadcastable_pair(dtype=None, edge_values=False, as_tensor=False):
    """Two arrays of one dtype with broadcastable shapes, e.g. shapes (3, 1) and (4,).

    >>> a, b = broadcastable_pair("int32").example()
    >>> (a + b).dtype
    dtype('int32')
    """
    return broadcastable_tensors(2, dtype, edge_values, as_tensor)


__all__ = ["dtypes", "shapes", "elements", "tensors", "broadcastable_shapes",
           "broadcastable_tensors", "broadcastable_pair", "programs", "Program",
           "ProgramSpec"]
