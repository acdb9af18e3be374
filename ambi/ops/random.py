"""Counter-based random numbers: value i of a draw is a pure function of (seed, i).

That makes a seeded draw give the same numbers in every mode and on every device
(SPEC section 2), and lets constant folding treat it as pure. A draw without a seed
takes the next seed of a global stream when it runs, so it is an effect.
"""
import numpy as np

from .. import dtypes as dt
from ..ir.opdef import P, defop
from ..ir.types import TensorType

_M = np.uint64(0xFFFFFFFFFFFFFFFF)
class _Stream:
    """The seeds that draws without a seed take, one each: start, start + 1, ..."""

    def __init__(self, start):
        self.next = start

    def __next__(self):
        self.next += 1
        return self.next - 1


_stream = _Stream(0x5EED)


def set_global_seed(seed):
    _stream.next = int(seed) * 7919 + 0x5EED


def stream_position():
    """Where the unseeded stream is; ``set_stream_position`` returns to it, so two runs
    (am.testing's modes, ``ambi check``'s rows) draw the same numbers."""
    return _stream.next


def set_stream_position(position):
    _stream.next = position


def _splitmix64(x):
    """SplitMix64's finalizer: a bijection on uint64 that mixes every bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _key(seed, stream):
    """Where a draw's stream starts; OpenCL devices compute the same numbers from it."""
    return _splitmix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + np.uint64(stream))


def _bits(seed, n, stream):
    key = _key(seed, stream)
    with np.errstate(over="ignore"):
        return _splitmix64(np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + key)


def _unit(seed, n, stream=0):
    """n float64s in [0, 1), 53 random bits each."""
    return (_bits(seed, n, stream) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def _seed(seed):
    return next(_stream) if seed is None else seed


def _uniform(shape, seed, minval, maxval, dtype):
    n = int(np.prod(shape, dtype=np.int64))
    u = _unit(_seed(seed), n).reshape(shape)
    return (minval + (maxval - minval) * u).astype(dt.as_dtype(dtype).np)


def _normal(shape, seed, mean, stddev, dtype):
    n, s = int(np.prod(shape, dtype=np.int64)), _seed(seed)
    u1, u2 = 1.0 - _unit(s, n, 1), _unit(s, n, 2)  # u1 in (0, 1]: log is finite
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)  # Box-Muller
    return (mean + stddev * z.reshape(shape)).astype(dt.as_dtype(dtype).np)


def _types(name):
    return lambda types, shape, dtype, **_: (TensorType(shape, dt.as_dtype(dtype)),)


_PARAMS = {"shape": P.shape(()), "seed": P.seed(None), "dtype": P.dtype(dt.float32)}
random_uniform = defop("random_uniform", arity=0, kernel=_uniform, types=_types("uniform"),
                       cl={"kernel": "random", "dist": "uniform", "seed": _seed, "key": _key,
                           "streams": (0,), "params": ("minval", "maxval")},
                       params={**_PARAMS, "minval": P.real(0.0), "maxval": P.real(1.0)},
                       random=True,
                       differentiable=False, doc="Uniform numbers in [minval, maxval).")
random_normal = defop("random_normal", arity=0, kernel=_normal, types=_types("normal"),
                      cl={"kernel": "random", "dist": "normal", "seed": _seed, "key": _key,
                          "streams": (1, 2), "params": ("mean", "stddev")},
                      params={**_PARAMS, "mean": P.real(0.0), "stddev": P.real(1.0)},
                      random=True,
                      differentiable=False, doc="Normal numbers (Box-Muller over the "
                                                "counter-based stream).")
