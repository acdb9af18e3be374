"""First-call cost: does tracing scale linearly, and when does a small function pay off?

- *per op*: trace + optimize (-O2) + compile of an N-op function of tiny tensors, per
  op, for N from 1k to 20k; the goal is that 20k ops cost at most 1.2x per op what 1k
  do. The same with Python's cyclic collector left running during the trace shows
  what pausing it (``ambi.function.gc_paused``) buys.
- *break-even*: ``am.bench.break_even`` of a fresh 100-op function (25 rounds of
  ``sin(tanh((x + y) * y))`` on 3 floats); the goal is call 12 or sooner.

    python -m benchmarks.bench_trace [--quick]
"""
import argparse
import statistics
import sys
import time

import benchmarks.common  # noqa: F401  (sets OPENBLAS_NUM_THREADS first)

import numpy as np  # noqa: E402

import ambi as am  # noqa: E402
from ambi.function import ConcreteFunction  # noqa: E402

SIZES = (1000, 2000, 5000, 10000, 20000)


def chain(x, y, ops):
    for _ in range(ops // 4):  # 4 ops a round
        x = am.sin(am.tanh(am.multiply(am.add(x, y), y)))
    return x


def _args():
    return (am.constant(np.array([1, 2, 3], np.float32)),
            am.constant(np.array([0.5, 0.25, 0.125], np.float32)))


def trace_seconds(ops, collector_paused=True):
    """CPU seconds of this process to trace, optimize (-O2) and compile an ``ops``-op
    function (CPU time, so other processes on the shared cores count less)."""
    x, y = _args()
    trace = ConcreteFunction.trace if collector_paused else ConcreteFunction._trace
    t0 = time.process_time()
    trace(lambda a, b: chain(a, b, ops), (x, y), {}, 2, "chain", None)
    return time.process_time() - t0


def per_op(sizes, repeat, paused):
    """Median microseconds per op at each size; sizes interleaved, so noise hits all."""
    runs = {n: [] for n in sizes}
    for _ in range(repeat):
        for n in sizes:
            runs[n].append(trace_seconds(n, paused) / n * 1e6)
    return {n: statistics.median(v) for n, v in runs.items()}


def break_even_100(repeat):
    x, y = _args()
    return am.bench.break_even(lambda a, b: chain(a, b, 100), x, y, repeat=repeat,
                               first_repeat=max(9, repeat), name="100-op function")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 5k, fewer repeats")
    args = parser.parse_args(argv)
    sizes, repeat = (SIZES[:3], 1) if args.quick else (SIZES, 5)
    for paused, label in ((True, "collector paused (ambi)"), (False, "collector running")):
        t = per_op(sizes, repeat, paused)
        growth = t[sizes[-1]] / t[sizes[0]]
        cells = ", ".join(f"{n // 1000}k {us:.1f} us" for n, us in t.items())
        print(f"trace+optimize+compile per op, {label}: {cells}; "
              f"{sizes[-1] // 1000}k/{sizes[0] // 1000}k = {growth:.2f}x (goal <= 1.2x)")
    r = break_even_100(3 if args.quick else 7)
    print(f"{r}  (goal: call 12 or sooner)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
