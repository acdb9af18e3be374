"""Timing one function eagerly and as a graph, and when tracing pays off.

The first call of a fresh ``am.function`` traces, optimizes and builds the graph's
runner (and kernels, on OpenCL); later calls run the graph. On ``cpu`` the runner has
two tiers (``ambi.interp.Compiled``): calls 2..K run the graph as closures, ``early``
each; call K+1 also generates and compiles its Python source (``compile`` more); later
calls take ``graph``. With ``first`` the first call's time and ``eager`` an eager call's,
N calls cost ``N * eager`` eagerly and, as a graph,

    first + (min(N, K) - 1) * early + [N > K] * (compile + (N - K) * graph)

(K = 0 on other devices: ``first + (N - 1) * graph``). The break-even is the first N
from which the graph stays ahead; none when a graph call is not faster than an eager one.
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
    early_s: float | None = None  # one call of the first tier (closures); None: as graph_s
    tier_calls: int = 0           # K: calls run by the first tier (the first call included)
    compile_s: float = 0.0        # what call K+1 adds: generating and compiling the source

    @property
    def ratio(self):
        """graph / eager per call: below 1 means the graph is faster."""
        return self.graph_s / self.eager_s

    @property
    def calls(self):
        """The break-even call count, or None when the graph never catches up."""
        return break_even_calls(self.first_s, self.graph_s, self.eager_s, self.early_s,
                                self.tier_calls, self.compile_s)

    def cumulative(self, n):
        """Total seconds of the first ``n`` calls: ``(eager, graph)``."""
        return n * self.eager_s, graph_seconds(n, self.first_s, self.graph_s, self.early_s,
                                               self.tier_calls, self.compile_s)

    def as_dict(self):
        return {**dataclasses.asdict(self), "ratio": self.ratio, "break_even": self.calls}

    def __str__(self):
        ahead = ("the graph never catches up" if self.calls is None else
                 f"the graph is ahead from call {self.calls}")
        return (f"{self.name} on {self.device}: eager {format_seconds(self.eager_s)}, graph "
                f"{format_seconds(self.graph_s)} ({self.ratio:.2f}x), first call "
                f"{format_seconds(self.first_s)}; {ahead}")


def graph_seconds(n, first, graph, early=None, tier_calls=0, compile_s=0.0):
    """What the first ``n`` calls of a fresh graph cost, by the model above."""
    early = graph if early is None else early
    k = max(1, tier_calls)
    total = first + (min(n, k) - 1) * early
    if n > k:
        total += (compile_s if tier_calls else 0.0) + (n - k) * graph
    return total


def break_even_calls(first, graph, eager, early=None, tier_calls=0, compile_s=0.0):
    """Smallest N from which every call count n >= N costs no more as a graph than
    eagerly; None if the graph never catches up.

    >>> break_even_calls(first=10.0, graph=1.0, eager=2.0)
    9
    """
    if graph >= eager:
        return None
    k = max(1, tier_calls) + 1  # the model is linear from call k on
    behind = [n for n in range(1, k + 1)
              if graph_seconds(n, first, graph, early, tier_calls, compile_s) > n * eager]
    if not behind or behind[-1] < k:
        return behind[-1] + 1 if behind else 1
    gap = graph_seconds(k, first, graph, early, tier_calls, compile_s) - k * eager
    return k + max(1, math.ceil(gap / (eager - graph) - 1e-9))


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
        tiers = dev.name == "cpu" and config.COMPILE_AFTER > 0  # Compiled's two tiers
        first, early, compile_s = _first_calls(raw, placed, dev, sync, first_repeat, tiers)
        graph = function(raw, device=None if dev.name == "cpu" else dev.name)
        graph(*placed)
        if tiers:
            graph.get_concrete_function(*placed).compile()  # time the second tier
        run_graph = lambda: (graph(*placed), sync())  # noqa: E731
        fns = {"eager": run_eager, "graph": run_graph}
        if reference is not None:
            arrays = [np.asarray(a) for a in args]
            fns["numpy"] = lambda: reference(*arrays)
        t = interleaved(fns, repeat, min_time)
    return BreakEven(name or getattr(raw, "__name__", "fn"), dev.name, t["eager"], t["graph"],
                     first, t.get("numpy"), early_s=early,
                     tier_calls=config.COMPILE_AFTER if tiers else 0, compile_s=compile_s)


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


EARLY_CALLS = 5  # first-tier calls timed after each first call


def _first_calls(fn, args, dev, sync, repeat, tiers):
    """Medians over fresh ``am.function(fn)``s of the first call, and with ``tiers`` of
    a first-tier call after it and of the switch to the second (else None and 0)."""
    first, early, switch = [], [], []
    for _ in range(max(1, repeat)):
        if sum(first) > MAX_SECONDS:
            break
        f = function(fn, device=None if dev.name == "cpu" else dev.name)
        first.append(_seconds(f, args, sync))
        if tiers:
            early += [_seconds(f, args, sync)
                      for _ in range(min(EARLY_CALLS, config.COMPILE_AFTER - 1))]
            t0 = time.perf_counter()
            f.get_concrete_function(*args).compile()
            switch.append(time.perf_counter() - t0)
    median = statistics.median
    return median(first), median(early) if early else None, median(switch) if switch else 0.0


def _seconds(f, args, sync):
    t0 = time.perf_counter()
    f(*args)
    sync()
    return time.perf_counter() - t0


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
