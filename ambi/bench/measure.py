"""Timing one function eagerly and as a graph, and when tracing pays off.

The first call of a fresh ``am.function`` traces, optimizes and compiles (and builds
kernels, on OpenCL); later calls run the graph. With ``first`` the first call's time,
``graph`` a later call's and ``eager`` an eager call's, N calls cost ``N * eager``
eagerly and ``first + (N - 1) * graph`` as a graph, so the graph is ahead from call

    N = ceil((first - graph) / (eager - graph))

on, and never when a graph call is not faster than an eager one.
"""
import dataclasses
import functools
import math
import statistics
import time

import numpy as np

from .. import config
from ..constructors import constant
from ..core import EagerTensor
from ..devices import device as device_scope, get_device
from ..function import Function, function


MAX_SECONDS = 20.0  # a measurement stops repeating after this long (the 1000^2 matmul)


@dataclasses.dataclass
class BreakEven:
    """What ``am.bench.break_even`` measured; times are medians, in seconds."""

    name: str
    device: str
    eager_s: float          # one eager call
    graph_s: float          # one call of the traced graph (signature lookup included)
    first_s: float          # the first call of a fresh am.function: trace..run
    numpy_s: float | None = None  # the same work in plain numpy, where the caller gave it
    size: int | None = None       # elements, for workloads measured at several sizes

    @property
    def ratio(self):
        """graph / eager per call: below 1 means the graph is faster."""
        return self.graph_s / self.eager_s

    @property
    def calls(self):
        """The break-even call count, or None when the graph never catches up."""
        return break_even_calls(self.first_s, self.graph_s, self.eager_s)

    def cumulative(self, n):
        """Total seconds of the first ``n`` calls: ``(eager, graph)``."""
        return n * self.eager_s, self.first_s + (n - 1) * self.graph_s

    def as_dict(self):
        return {**dataclasses.asdict(self), "ratio": self.ratio, "break_even": self.calls}

    def __str__(self):
        ahead = ("the graph never catches up" if self.calls is None else
                 f"the graph is ahead from call {self.calls}")
        return (f"{self.name} on {self.device}: eager {format_seconds(self.eager_s)}, graph "
                f"{format_seconds(self.graph_s)} ({self.ratio:.2f}x), first call "
                f"{format_seconds(self.first_s)}; {ahead}")


def break_even_calls(first, graph, eager):
    """Smallest N with ``first + (N-1)*graph <= N*eager``; None if there is none.

    >>> break_even_calls(first=10.0, graph=1.0, eager=2.0)
    9
    """
    if first <= eager:
        return 1
    if graph >= eager:
        return None
    return max(1, math.ceil((first - graph) / (eager - graph) - 1e-9))


def break_even(fn, *args, device=None, repeat=5, min_time=0.02, first_repeat=3, name=None,
               reference=None):
    """Time ``fn(*args)`` eagerly and as ``am.function(fn)``; when does tracing pay off?

    ``reference``, a plain-numpy version taking the same arguments as arrays, adds a
    numpy time for comparison.

    >>> r = am.bench.break_even(lambda x: x ** 2, am.constant([1.0, 2.0]), repeat=1)
    >>> r.calls is None or r.calls >= 1
    True
    """
    raw = fn.fn if isinstance(fn, Function) else fn
    dev = get_device(device if device is not None else "cpu")
    _warm_up()
    with device_scope(dev):
        placed = [_place(a, dev) for a in args]
        sync = _sync(dev)
        run_eager = lambda: (_eagerly(raw, placed), sync())  # noqa: E731
        first = _first_calls(raw, placed, dev, sync, first_repeat)
        graph = function(raw, device=None if dev.name == "cpu" else dev.name)
        graph(*placed)
        run_graph = lambda: (graph(*placed), sync())  # noqa: E731
        fns = {"eager": run_eager, "graph": run_graph}
        if reference is not None:
            arrays = [np.asarray(a) for a in args]
            fns["numpy"] = lambda: reference(*arrays)
        t = interleaved(fns, repeat, min_time)
    return BreakEven(name or getattr(raw, "__name__", "fn"), dev.name, t["eager"], t["graph"],
                     first, t.get("numpy"))


@functools.cache
def _warm_up():
    """Trace one tiny function, so no first call below pays a process's one-time costs
    (modules imported on first use, such as networkx)."""
    function(lambda x: x + 1.0)(constant([1.0]))


def _place(x, dev):
    """Tensors and arrays move to the device first, so no call times a copy."""
    if isinstance(x, np.ndarray):
        x = constant(x)
    if isinstance(x, EagerTensor) and getattr(x, "device", dev) is not dev:
        return x.to(dev)
    return x


def _sync(dev):
    finish = getattr(dev, "finish", None)
    return finish if finish is not None else _nothing


def _nothing():
    return None


def _eagerly(fn, args):
    """Call fn with every am.function inside it run eagerly too."""
    was = config.functions_run_eagerly()
    config.run_functions_eagerly(True)
    try:
        return fn(*args)
    finally:
        config.run_functions_eagerly(was)


def _first_calls(fn, args, dev, sync, repeat):
    """Median time of the first call of a fresh ``am.function(fn)``."""
    times = []
    for _ in range(max(1, repeat)):
        if sum(times) > MAX_SECONDS:
            break
        f = function(fn, device=None if dev.name == "cpu" else dev.name)
        t0 = time.perf_counter()
        f(*args)
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def interleaved(fns, repeat, min_time):
    """Median seconds per call of each function, timed in turns so noise hits all alike;
    each turn lasts about ``min_time`` (one call at least)."""
    counts = {k: _calls_for(f, min_time) for k, f in fns.items()}
    runs = {k: [] for k in fns}
    start = time.perf_counter()
    for i in range(max(1, repeat)):
        if i and time.perf_counter() - start > MAX_SECONDS:  # slow workloads: fewer repeats
            break
        for k, f in fns.items():
            n = counts[k]
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            runs[k].append((time.perf_counter() - t0) / n)
    return {k: statistics.median(v) for k, v in runs.items()}


def _calls_for(f, seconds):
    """How many calls of ``f`` take about ``seconds`` (the first call warms up)."""
    t0 = time.perf_counter()
    f()
    if time.perf_counter() - t0 >= seconds:
        return 1
    n, took = 1, 0.0
    while took < seconds / 10 and n < 1 << 20:
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        took = time.perf_counter() - t0
        if took < seconds / 10:
            n *= 4
    return max(1, round(n * seconds / max(took, 1e-9)))


def format_seconds(seconds):
    """``1.5e-6`` -> ``"1.5 us"``: three digits, in s, ms or us."""
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"
