"""Flags read from the environment, and ``am.config.run_functions_eagerly``.

AMBI_DEBUG: 1 passes and devices used, 2 per-op timing, 3 graph after each pass,
4 generated source (compiled at once). AMBI_CHECKS=1 verifies the IR after every pass and
checks every kernel's output type in the interpreter (the test suite turns it on).
AMBI_CL_KERNELS=cpu|gpu shapes OpenCL kernels for that kind of device, whatever the
device's own type.
AMBI_COMPILE_AFTER=N: a cpu graph runs as closures for N calls, then as generated Python
source (0: source at once).
AMBI_CPU_THREADS=N: threads that share a fused elementwise group's blocks on the cpu device
(default: the cores this process may use; 1: the calling thread alone).
"""
import os
import warnings

DEBUG = int(os.environ.get("AMBI_DEBUG", "0") or 0)
CHECKS = os.environ.get("AMBI_CHECKS", "0") not in ("", "0", "false")
# How OpenCL kernels are shaped: "cpu" (chunks, vector loads, register blocks) or "gpu"
# (an element per work-item, work-group trees, local-memory tiles); unset: by device type.
CL_KERNELS = os.environ.get("AMBI_CL_KERNELS", "").strip().lower()
if CL_KERNELS not in ("", "cpu", "gpu"):
    warnings.warn(f"AMBI_CL_KERNELS must be 'cpu' or 'gpu', not {CL_KERNELS!r}; ignored",
                  stacklevel=2)
    CL_KERNELS = ""
# A cpu graph's first COMPILE_AFTER calls run as closures (cheap to build); then its Python
# source is generated and compiled (about 10 us per node, 0.1 us per node per call faster):
# by then the closures have lost about what compiling costs, as a JIT's threshold is set.
COMPILE_AFTER = int(os.environ.get("AMBI_COMPILE_AFTER", "100") or 0)
FOLD_MAX_ELEMENTS = 1 << 20  # constant folding leaves bigger results unfolded
UNROLL_MAX = 64              # the language unrolls Python-known loops up to this count
# cpu -O2: elementwise chains of at least CPU_FUSE_MIN_ELEMENTS are fused and run block by
# block, CPU_BLOCK_BYTES of the widest dtype at a time, so their temporaries stay in cache
# (16K float32 or 8K float64 elements: a few such temporaries fit a 512 KiB L2).
CPU_BLOCK_BYTES = 1 << 16
CPU_FUSE_MIN_ELEMENTS = 1 << 17
CPU_FUSE_MIN_OPS = 6
# ... and the blocks are shared by CPU_THREADS threads, the caller's and pool threads
# (interp/workers.py): each block meets the same kernels, so the bits do not change.
CPU_THREADS = int(os.environ.get("AMBI_CPU_THREADS", "0") or 0) or (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

_eager_functions = False


def run_functions_eagerly(flag):
    """Run every ``am.function`` eagerly, for debugging.

    >>> am.config.run_functions_eagerly(True)
    """
    global _eager_functions
    _eager_functions = bool(flag)


def functions_run_eagerly():
    return _eager_functions
