"""Building OpenCL kernels once: the one in-memory cache by (context, family key), and
PoCL's disk cache.

A kernel object is fetched from its program once and kept (``prg.name`` on every call
builds a new kernel object and warns). Its scalar argument types are set once, which
takes pyopencl's per-call argument handling from about 25 µs to 8 µs (NOTES.md).
pyopencl leaves binary caching to the ICD; PoCL keeps built programs under
``POCL_CACHE_DIR`` (default ``$XDG_CACHE_HOME/pocl``), so a second process skips the
compiler.
"""
import time
import warnings

import numpy as np

from .. import config
from ..errors import DeviceError
from . import cl_faults as faults

_kernels = {}  # (id(context), family key) -> Kernel: the one kernel cache
stats = {"builds": 0, "hits": 0, "build_seconds": 0.0}

# Kernel argument kinds in generated signatures -> the numpy scalar type pyopencl packs.
ARG_DTYPES = {"buf": None, "int": np.int32, "long": np.int64, "ulong": np.uint64,
              "float": np.float32, "double": np.float64}


class Kernel:
    """A built kernel; ``meta``: its trailing ``int`` parameters come in one int buffer;
    ``max_local``: the largest work-group it may run in on its device (a kernel's own
    limit can be below the device's); ``outputs``: positions of the buffers it writes;
    ``fault``: a simulated driver fault (``AMBI_CL_FAULT``), or None."""

    __slots__ = ("k", "nbufs", "meta", "name", "max_local", "outputs", "fault")

    def __init__(self, k, nbufs, meta, name, max_local, outputs=(), fault=None):
        self.k, self.nbufs, self.meta, self.name = k, nbufs, meta, name
        self.max_local, self.outputs, self.fault = max_local, outputs, fault


def kernel(dev, key, make, name):
    """The kernel of family key ``key`` on ``dev``'s context, built at most once per process:
    ``make()`` renders its (source, argument kinds) on the first call only. ``key[0]``,
    the kernel family (e.g. ``"reduce"``), names it in errors and simulated faults.
    """
    k = _kernels.get((id(dev.ctx), key))
    if k is None:
        source, kinds = make()
        k = _kernels[(id(dev.ctx), key)] = build(dev.ctx, source, name, kinds, key[0])
    else:
        stats["hits"] += 1
    return k


def build(ctx, source, name, arg_kinds, family):
    """Build kernel ``name`` of ``source`` for ``ctx``, its scalar argument types set.

    Trailing ``int`` parameters (shapes, strides, counts) are moved into one int buffer
    read at the top of the kernel: on PoCL each scalar argument costs about 2 µs per
    launch, and a kernel taking 20 of them spent more time on arguments than running.
    """
    fault = faults.find(family, source, ctx.devices[0].platform.name)
    nbufs = next((i for i, a in enumerate(arg_kinds) if a != "buf"), len(arg_kinds))
    meta = nbufs < len(arg_kinds) and all(a == "int" for a in arg_kinds[nbufs:])
    if meta:
        source, arg_kinds = ints_from_buffer(source, name), arg_kinds[:nbufs] + ["buf"]
    import pyopencl as cl
    prg = _build(ctx, source, family, fault)
    try:
        cl_k = getattr(prg, name)
    except (AttributeError, cl.Error) as e:  # a driver that built an empty program
        raise driver_error(ctx, family, f"the built program has no kernel {name!r} "
                                        f"({type(e).__name__}: {e})") from None
    cl_k.set_scalar_arg_dtypes([ARG_DTYPES[a] for a in arg_kinds])
    max_local = cl_k.get_work_group_info(cl.kernel_work_group_info.WORK_GROUP_SIZE,
                                         ctx.devices[0])
    return Kernel(cl_k, nbufs, meta, name, max_local,
                  written_buffers(source, name) if fault else (), fault)


def driver_error(ctx, family, what):
    """A DeviceError naming the kernel family, the device and its driver."""
    d = ctx.devices[0]
    return DeviceError(f"the OpenCL driver failed on ambi's {family} kernel: {what}; device "
                       f"{d.name.strip()!r}, driver {d.platform.name.strip()} "
                       f"{d.driver_version.strip()} ({d.platform.version.strip()}); "
                       "`ambi devices --check` re-runs ambi's conformance probe")


def written_buffers(source, name):
    """Positions of the ``__global`` parameters of kernel ``name`` that are not const."""
    head = f"__kernel void {name}("
    start = source.index(head) + len(head)
    params = [p.strip() for p in source[start:source.index(")", start)].split(",")]
    return tuple(i for i, p in enumerate(params) if "__global" in p and "const" not in p)


def ints_from_buffer(source, name):
    """Rewrite ``__kernel void name(..., int a, int b)`` to read a and b from ``m``."""
    head = f"__kernel void {name}("
    start = source.index(head) + len(head)
    end = source.index(") {", start)
    params = [p.strip() for p in source[start:end].split(",")]
    bufs = [p for p in params if not p.startswith("int ")]
    ints = [p[4:] for p in params if p.startswith("int ")]
    unpack = "  int " + ", ".join(f"{v} = m[{i}]" for i, v in enumerate(ints)) + ";\n"
    sig = ", ".join(bufs + ["__global const int* m"])
    return source[:start] + sig + ") {\n" + unpack + source[end + 3:].lstrip("\n")


def _build(ctx, source, family, fault=None):
    import pyopencl as cl
    if config.DEBUG >= 4:
        print(f"--- OpenCL source ---\n{source}")
    faults.at_build(fault)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PoCL's informational build log
            prg = cl.Program(ctx, source).build(options=["-w"])  # -w: the log goes to stderr
    except cl.Error as e:
        raise driver_error(ctx, family, f"the build failed: {e}\n--- source ---\n{source}") \
            from None
    dt = time.perf_counter() - t0
    stats["builds"] += 1
    stats["build_seconds"] += dt
    if config.DEBUG >= 2:
        print(f"[ambi] built OpenCL program in {dt * 1e3:.1f} ms")
    return faults.empty_program(fault, prg)
