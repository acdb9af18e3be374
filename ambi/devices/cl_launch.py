"""What every OpenCL kernel family shares at launch: grids sized for the device's kind of
kernels, shapes and strides as kernel arguments, and the launch itself."""
import math
import time

from .. import config
from . import cl_faults as faults

VECTOR_MIN = 4096  # smaller tensors take the scalar kernel that serves every shape


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


def launch(dev, k, global_size, args, local_size=None):
    """Enqueue one kernel; under AMBI_DEBUG>=2, wait and print its time."""
    if k.meta:
        args = list(args[:k.nbufs]) + [dev.meta(args[k.nbufs:])]
    if local_size is None and dev.params.grid == "chunk" and len(global_size) == 1 and \
            global_size[0] <= 64 * dev.compute_units:
        # PoCL runs a work-group on one thread and would make a few chunky work-items one
        # group: one item per group spreads them over the cores (a 10M sum ran 2x faster)
        local_size = (1,)
    if k.fault:
        return faults.at_launch(dev, k, global_size, local_size, args)
    if config.DEBUG < 2:
        return k.k(dev.queue, global_size, local_size, *args)
    t0 = time.perf_counter()
    ev = k.k(dev.queue, global_size, local_size, *args)
    ev.wait()
    print(f"[ambi] {dev} kernel {k.name} {tuple(global_size)}: "
          f"{(time.perf_counter() - t0) * 1e6:.0f} µs")
    return ev
