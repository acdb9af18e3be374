"""``am.random``: seeded draws give the same numbers in every mode and on every device."""
from .errors import ArgumentError
from .ir.params import static_shape
from .ops.random import random_normal, random_uniform, set_global_seed


def normal(shape, mean=0.0, stddev=1.0, seed=None, dtype="float32"):
    """Normal random numbers. ``am.random.normal([2, 2], seed=1)``"""
    return random_normal(shape=static_shape(shape, "normal"), seed=_seed(seed), mean=mean,
                         stddev=stddev, dtype=dtype)


def uniform(shape, minval=0.0, maxval=1.0, seed=None, dtype="float32"):
    """Uniform random numbers in [minval, maxval). ``am.random.uniform([3], seed=7)``"""
    return random_uniform(shape=static_shape(shape, "uniform"), seed=_seed(seed),
                          minval=minval, maxval=maxval, dtype=dtype)


def _seed(seed):
    """Seeds are ints in [0, 2**63) or None (the global stream)."""
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)
                             or not 0 <= seed < 2 ** 63):
        raise ArgumentError(f"seed must be an int in [0, 2**63) or None, not {seed!r}")
    return seed


def set_seed(seed):
    """Restart the stream that draws without a seed use, so a run repeats."""
    set_global_seed(seed)
