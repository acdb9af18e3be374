"""What every OpenCL kernel family shares: kernels rendered and built once per
(context, family key), launch grids sized for the device's kind of kernels, and shapes
and strides as kernel arguments."""
import math

from . import cl_cache

_entries = {}  # (context, family key) -> kernel: each source is rendered once
VECTOR_MIN = 4096  # smaller tensors take the scalar kernel that serves every shape


def kernel(dev, key, make, name):
    """The kernel of family ``key`` on ``dev``; ``make()`` renders (source, arg kinds)."""
    entry = _entries.get((id(dev.ctx), key))
    if entry is None:
        src, kinds = make()
        entry = _entries[(id(dev.ctx), key)] = cl_cache.kernel(dev.ctx, src, name, kinds,
                                                                key[0])
    return entry


def grid(dev, n, min_chunk=1024):
    """(work-items, items each): a few contiguous chunks per compute unit, or one each."""
    if dev.params.grid == "item":
        return max(n, 1), 1
    chunk = max(min_chunk, -(-n // (dev.compute_units * 8)))
    return max(1, -(-n // chunk)), chunk


def size(shape):
    return math.prod(shape)


def contiguous(shape):
    strides, s = [], 1
    for d in reversed(shape):
        strides.append(s)
        s *= d
    return strides[::-1]


def broadcast_strides(shape, out_shape):
    """Element strides of a contiguous ``shape`` read at ``out_shape``'s coordinates."""
    pad = len(out_shape) - len(shape)
    own = contiguous(shape)
    return [0 if a < pad or shape[a - pad] == 1 else own[a - pad] for a in range(len(out_shape))]


# -- elementwise -------------------------------------------------------------------------
def element_ints(args, shape, ndim):
    """gen, the output dims, and per input its full-tensor flag and broadcast strides."""
    per_input, gen = [], 0
    for a in args:
        full = a.shape == shape
        strides = pad(broadcast_strides(a.shape, shape), ndim, 0)
        gen |= not full and any(strides)
        per_input += [int(full)] + strides
    return [int(gen)] + pad(list(shape), ndim, 1) + per_input


def pad(values, ndim, fill):
    """Leading ``fill`` entries up to ``ndim`` (kernels take a fixed number of dims)."""
    return [fill] * (ndim - len(values)) + list(values)


