"""``am.random``: seeded draws give the same numbers in every mode and on every device."""
from .ops.random import random_normal, random_uniform, set_global_seed


def normal(shape, mean=0.0, stddev=1.0, seed=None, dtype="float32"):
    """Normal random numbers. ``am.random.normal([2, 2], seed=1)``"""
    return random_normal(shape=tuple(shape), seed=seed, mean=float(mean),
                         stddev=float(stddev), dtype=dtype)


def uniform(shape, minval=0.0, maxval=1.0, seed=None, dtype="float32"):
    """Uniform random numbers in [minval, maxval). ``am.random.uniform([3], seed=7)``"""
    return random_uniform(shape=tuple(shape), seed=seed, minval=float(minval),
                          maxval=float(maxval), dtype=dtype)


def set_seed(seed):
    """Restart the stream that draws without a seed use, so a run repeats."""
    set_global_seed(seed)
