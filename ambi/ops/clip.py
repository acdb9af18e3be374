"""Composites users reach for in gradient code: identity, clip_by_value, clip_by_norm.

They are compositions of primitives (STYLE rule 4), so every mode, device and the tape
see only the primitives; no op record is needed.
"""
import numpy as np

from .elementwise import divide, greater, maximum, minimum, multiply, sqrt, where
from .reduce import reduce_sum
from .shape import reshape


def identity(x):
    """A new tensor with ``x``'s value (as ``tf.identity``); gradients pass through.

    >>> am.identity(am.constant([1.0, 2.0]))
    ambi.Tensor([1. 2.], shape=(2,), dtype=float32)
    """
    shape = x.shape if hasattr(x, "shape") else np.shape(x)  # tensors, Variables, lists
    return reshape(x, shape=tuple(shape))


def clip_by_value(t, clip_value_min, clip_value_max):
    """``t`` with values below ``clip_value_min`` raised to it and above
    ``clip_value_max`` lowered to it.

    >>> am.clip_by_value(am.constant([-2.0, 0.5, 3.0]), -1.0, 1.0)
    ambi.Tensor([-1.   0.5  1. ], shape=(3,), dtype=float32)
    """
    return minimum(maximum(t, clip_value_min), clip_value_max)


def clip_by_norm(t, clip_norm, axes=None):
    """``t`` scaled so that its L2 norm (over ``axes``, all by default) is at most
    ``clip_norm``, as ``tf.clip_by_norm``: ``t * clip_norm / max(norm(t), clip_norm)``.
    A zero ``t`` stays zero, and its gradient is finite.

    >>> am.clip_by_norm(am.constant([3.0, 4.0]), 1.0)
    ambi.Tensor([0.6 0.8], shape=(2,), dtype=float32)
    """
    squares = reduce_sum(multiply(t, t), axis=axes, keepdims=True)
    positive = greater(squares, 0.0)
    # sqrt only of positive sums, so the gradient at t = 0 has no 0/0
    norm = where(positive, sqrt(where(positive, squares, 1.0)), squares)
    return divide(multiply(t, clip_norm), maximum(norm, clip_norm))
