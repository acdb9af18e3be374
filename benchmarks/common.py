"""A tiny shared timing helper for ambi's benchmarks.

Timings on the shared 2-core machines are noisy, so every figure is a median of
repeats, and benchmarks report ratios of timings taken in the same run.
"""
import os

# Before numpy loads: OpenBLAS threads fight the other core's work (NOTES.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics  # noqa: E402
import timeit  # noqa: E402


def median_us(fn, repeat=7, number=None):
    """Median over ``repeat`` runs of the time of one ``fn()`` call, in microseconds.

    ``number`` calls make one run; by default enough calls to last about 20 ms.

    >>> median_us(lambda: None) < 1.0
    True
    """
    timer = timeit.Timer(fn)
    if number is None:
        number = _calls_for(timer, 0.02)
    return statistics.median(timer.repeat(repeat, number)) / number * 1e6


def compare_us(fns, repeat=7, number=None):
    """Like ``median_us`` for a dict of functions, timed in turns, so noise hits all alike.

    >>> sorted(compare_us({"a": lambda: None, "b": lambda: None}))
    ['a', 'b']
    """
    timers = {k: timeit.Timer(f) for k, f in fns.items()}
    counts = {k: number or _calls_for(t, 0.02) for k, t in timers.items()}
    runs = {k: [] for k in fns}
    for _ in range(repeat):
        for k, t in timers.items():
            runs[k].append(t.timeit(counts[k]) / counts[k] * 1e6)
    return {k: statistics.median(v) for k, v in runs.items()}


def _calls_for(timer, seconds):
    """How many calls take about ``seconds`` (at least one)."""
    n, took = timer.autorange()
    return max(1, int(n * seconds / max(took, 1e-9)))
