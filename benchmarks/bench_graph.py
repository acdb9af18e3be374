"""First-call cost: does tracing scale linearly, and when does a small function pay off?

- *per op*: trace + optimize (-O2) + compile of an N-op function of tiny tensors, per
  op, for N from 1k to 20k; the goal is that 20k ops cost at most 1.2x per op what 1k
  do. The same with Python's cyclic collector left running during the trace shows
  what pausing it (``ambi.function.gc_paused``) buys.
- *break-even*: ``am.bench.break_even`` of a fresh 100-op function (25 rounds of
  ``sin(tanh((x + y) * y))`` on 3 floats); the goal is call 12 or sooner.

    python -m benchmarks.bench_graph [--quick]
"""
import argparse
import statistics
import subprocess
import sys
import time

import benchmarks.common  # noqa: F401  (sets OPENBLAS_NUM_THREADS first)

import numpy as np  # noqa: E402

import ambi as am  # noqa: E402
from ambi.bench import workloads  # noqa: E402
from ambi.bench.measure import interleaved  # noqa: E402
from ambi.bench.suite import cpu_name  # noqa: E402
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
    function (CPU time, so other processes on the shared cores count less). The function
    is kept until the clock stops: freeing it is not part of its first call."""
    x, y = _args()
    trace = ConcreteFunction.trace if collector_paused else ConcreteFunction._trace
    t0 = time.process_time()
    kept = trace(lambda a, b: chain(a, b, ops), (x, y), {}, 2, "chain", None)
    seconds = time.process_time() - t0
    del kept
    return seconds


def per_op(sizes, repeat, paused):
    """Fewest microseconds per op at each size over ``repeat`` runs, sizes interleaved.
    The minimum, not the median: other work on the shared cores only ever adds time,
    and here it moved single runs by 50%."""
    runs = {n: [] for n in sizes}
    for _ in range(repeat):
        for n in sizes:
            runs[n].append(trace_seconds(n, paused) / n * 1e6)
    return {n: min(v) for n, v in runs.items()}


def break_even_100(repeat):
    x, y = _args()
    return am.bench.break_even(lambda a, b: chain(a, b, 100), x, y, repeat=repeat,
                               first_repeat=max(9, repeat), name="100-op function")


def chain_10m(n):
    """(numpy seconds, -O2 graph seconds, bit-identical to eager?) for the chain."""
    rng = np.random.default_rng(0)
    x, y = (rng.random(n, dtype=np.float32) for _ in range(2))
    xt, yt = am.constant(x), am.constant(y)
    f = am.function(lambda a, b: workloads.chain(a, b, am))
    same = np.array_equal(f(xt, yt).numpy(), workloads.chain(xt, yt, am).numpy())
    t = interleaved({"numpy": lambda: workloads.chain(x, y, np), "graph": lambda: f(xt, yt)},
                    repeat=7, min_time=0.05)
    return t["numpy"], t["graph"], same


def small_calls():
    """Ratios to numpy of eager add, eager x**2, traced x**2, the dummy model's graph."""
    a, b = np.arange(1, 6, dtype=np.float32), np.arange(3, dtype=np.float32)
    x, y = am.constant(a), am.constant(b)
    square = am.function(lambda t: t ** 2)
    square(x)
    case = workloads.model_cases(workloads.QUICK)[0]
    batch = am.constant(case.args[0])
    model = am.function(case.fn)
    model(batch)
    t = interleaved({"np.add": lambda: np.add(b, b), "am.add": lambda: am.add(y, y),
                     "a**2": lambda: a ** 2, "x**2": lambda: x ** 2, "f(x)": lambda: square(x),
                     "numpy model": lambda: case.reference(case.args[0]),
                     "graph model": lambda: model(batch)}, repeat=9, min_time=0.02)
    return {"eager am.add / np.add": (t["am.add"] / t["np.add"], 4.0),
            "eager x**2 / a**2": (t["x**2"] / t["a**2"], 5.0),
            "traced x**2 / a**2": (t["f(x)"] / t["a**2"], 5.0),
            "dummy model graph / numpy": (t["graph model"] / t["numpy model"], 1.1)}


def import_seconds(module, runs):
    """Median seconds of ``import module`` in a fresh interpreter (startup excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; " \
           "print(time.perf_counter() - t)"
    return statistics.median(float(subprocess.check_output([sys.executable, "-c", code]))
                             for _ in range(runs))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args(argv)
    print(f"cpu: {cpu_name()}, numpy {np.__version__}")
    numpy_s, graph_s, same = chain_10m(10**6 if args.quick else 10**7)
    print(f"10-op chain, {'1M' if args.quick else '10M'} float32, -O2 graph: "
          f"{numpy_s / graph_s:.2f}x numpy ({graph_s * 1e3:.1f} ms vs {numpy_s * 1e3:.1f} ms); "
          f"bit-identical to eager: {same}; {am.config.CPU_THREADS} threads (goal >= 1.6x)")
    sizes, repeat = (SIZES[:3], 1) if args.quick else (SIZES, 9)
    for paused, label in ((True, "collector paused (ambi)"), (False, "collector running")):
        t = per_op(sizes, repeat, paused)
        growth = t[sizes[-1]] / t[sizes[0]]
        cells = ", ".join(f"{n // 1000}k {us:.1f} us" for n, us in t.items())
        print(f"trace+optimize+compile per op, {label}: {cells}; "
              f"{sizes[-1] // 1000}k/{sizes[0] // 1000}k = {growth:.2f}x (goal <= 1.2x)")
    r = break_even_100(3 if args.quick else 7)
    print(f"{r}  (goal: call 12 or sooner)")
    for name, (ratio, goal) in small_calls().items():
        print(f"{name}: {ratio:.2f}x (goal <= {goal}x)")
    runs = 3 if args.quick else 9
    np_s, am_s = import_seconds("numpy", runs), import_seconds("ambi", runs)
    print(f"import ambi / import numpy: {am_s / np_s:.2f}x ({am_s * 1e3:.0f} ms vs "
          f"{np_s * 1e3:.0f} ms) (goal <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
