"""Core benchmarks: eager per-op cost, the graph executor against plain numpy, tracing.

Every figure is a median of repeats, and every goal is a ratio against numpy (or
against eager ambi) timed in the same run, because the shared machines are noisy.

    python -m benchmarks.bench_core [--quick] [--runs N] [--json OUT]

``--runs N`` repeats the whole suite and reports per-figure medians and their spread.

The goals come from issue 2 ("Done when", item 5) and the peers measured in NOTES.md.
"""
import argparse
import json
import math
import statistics
import sys
import time

from benchmarks.common import compare_us  # sets OPENBLAS_NUM_THREADS first

import numpy as np  # noqa: E402

import ambi as am  # noqa: E402
from ambi.interp import Compiled  # noqa: E402

CHAIN_STEPS = 25        # 4 ops a step: the 100-op function
TRACE_STEPS = 250       # the 1000-node function whose trace time is measured


def chain(ns, x, y, steps):
    """``steps`` rounds of x = sin(tanh((x + y) * y)), written once for numpy and ambi.

    With ``ns=np`` these are plain numpy calls; with ``ns=am`` eager or traced ops.
    """
    for _ in range(steps):
        x = ns.sin(ns.tanh(ns.multiply(ns.add(x, y), y)))
    return x


def small(x):
    """The small function of the break-even test: 5 ops."""
    return am.tanh(x * 2.0 + 1.0) * x - x


def square(x):
    return x ** 2


def _f32(values):
    return np.asarray(values, np.float32)


# -- 1. eager per-op time ----------------------------------------------------------
def bench_eager_op(repeat):
    a, b = _f32([1, 2, 3]), _f32([4, 5, 6])
    x, y = am.constant(a), am.constant(b)
    t = compare_us({"numpy np.add(a, b)": lambda: np.add(a, b),
                    "ambi am.add(x, y)": lambda: am.add(x, y),
                    "ambi x + y": lambda: x + y}, repeat)
    base = t["numpy np.add(a, b)"]
    return [_row("eager add, 3 x f32", k, us, us / base,
                 None if k.startswith("numpy") else ("ratio", 4.0)) for k, us in t.items()]


# -- 2. a 100-op function: eager, graph, plain numpy --------------------------------
def bench_chain(repeat):
    a, b = _f32([0.1, 0.2, 0.3]), _f32([0.5, 0.6, 0.7])
    x, y = am.constant(a), am.constant(b)
    fn = lambda x, y: chain(am, x, y, CHAIN_STEPS)  # noqa: E731
    fns = {"plain numpy calls": lambda: chain(np, a, b, CHAIN_STEPS),
           "ambi eager": lambda: fn(x, y)}
    for level in (0, 2):  # -O0: the executor on the graph as traced; -O2: the default
        graph = am.function(fn, optimize=level)
        np.testing.assert_allclose(graph(x, y).numpy(), chain(np, a, b, CHAIN_STEPS), 1e-5)
        fns[f"ambi graph, am.function(optimize={level})"] = lambda g=graph: g(x, y)
    t = compare_us(fns, repeat)  # the graphs were traced above: steady state only
    base = t["plain numpy calls"]
    return [_row("100-op function, 3 x f32", k, us, us / base,
                 ("ratio", 1.3) if "graph" in k else None) for k, us in t.items()]


# -- 3. trace time per node and first-call cost -------------------------------------
def bench_trace(repeat):
    """The first call of a 1000-op function (trace, optimize, compile, run), per op."""
    x, y = am.constant(_f32([0.1, 0.2, 0.3])), am.constant(_f32([0.5, 0.6, 0.7]))
    fn = lambda x, y: chain(am, x, y, TRACE_STEPS)  # noqa: E731
    ops = 4 * TRACE_STEPS
    first, passes, builds, compiles = [], [], [], []
    unoptimized = am.function(fn, optimize=0).get_concrete_function(x, y).graph
    for _ in range(repeat):
        f = am.function(fn)
        t0 = time.perf_counter()
        f(x, y)
        first.append(time.perf_counter() - t0)
        passes.append(sum(r["seconds"] for r in f.get_concrete_function(x, y).report))
        t0 = time.perf_counter()
        runner = Compiled(unoptimized)  # the first tier: closures
        t1 = time.perf_counter()
        runner.compile()  # and then the second: generated source
        builds.append(t1 - t0)
        compiles.append(time.perf_counter() - t1)
    us = lambda times: statistics.median(times) * 1e6 / ops  # noqa: E731
    return [_row("trace", f"first call per op ({ops} ops): trace..run", us(first)),
            _row("trace", "  of which optimize (passes), per op", us(passes)),
            _row("trace", "  of which build closures (first tier), per op", us(builds)),
            _row("trace", "generate+compile Python (at call 101), per op", us(compiles)),
            _row("trace", f"first call, {ops}-op function", us(first) * ops),
            _row("trace", "first call, traced x**2", _first_calls(square, 1, repeat)[0])]


def _first_calls(fn, calls, repeat, arg=None):
    """Median time (µs) of call 1, 2, ... ``calls`` of a fresh ``am.function(fn)``."""
    arg = am.constant(_f32([1, 2, 3, 4, 5])) if arg is None else arg
    times = [[] for _ in range(calls)]
    for _ in range(repeat):
        f = am.function(fn)
        for k in range(calls):
            t0 = time.perf_counter()
            f(arg)
            times[k].append(time.perf_counter() - t0)
    return [statistics.median(t) * 1e6 for t in times]


# -- 4. break-even: from which call is tracing worth it? -----------------------------
def bench_break_even(repeat):
    x = am.constant(_f32([1, 2, 3]))
    calls = _first_calls(small, 4, max(repeat * 3, 9), x)
    f = am.function(small)
    t = compare_us({"eager": lambda: small(x), "graph": lambda: f(x)}, repeat)
    eager, steady = t["eager"], t["graph"]
    rows = [_row("small function (5 ops)", "eager, per call", eager),
            _row("small function (5 ops)", "graph, steady per call", steady, steady / eager)]
    rows += [_row("small function (5 ops)", f"graph, call {k + 1}", us, us / eager,
                  ("ratio", 1.0) if k == 2 else None) for k, us in enumerate(calls)]
    calls_ = am.bench.break_even(small, x, repeat=repeat, first_repeat=9).calls
    rows.append(_row("small function (5 ops)", "break-even call (cumulative time)",
                     math.inf if calls_ is None else calls_))
    return rows


# -- 5. one call of a traced x**2 on 5 elements --------------------------------------
def bench_square(repeat):
    a = _f32([1, 2, 3, 4, 5])
    x, f = am.constant(a), am.function(square)
    f(x)
    t = compare_us({"numpy a ** 2": lambda: a ** 2, "ambi eager x ** 2": lambda: x ** 2,
                    "ambi traced f(x)": lambda: f(x)}, repeat)
    base = t["numpy a ** 2"]
    goal = {"ambi traced f(x)": ("us", 10.0)}
    return [_row("x**2, 5 x f32", k, us, us / base, goal.get(k)) for k, us in t.items()]


# -- report ------------------------------------------------------------------------
def _row(group, name, value, ratio=None, goal=None):
    """One measured figure; ``goal`` is ("ratio", max) or ("us", max), or None."""
    row = {"group": group, "name": name, "value_us": value, "ratio": ratio, "goal": None,
           "met": None, "limit": goal}
    if goal is not None:
        kind, limit = goal
        row["goal"] = f"<= {limit:g}x" if kind == "ratio" else f"<= {limit:g} µs"
        row["met"] = (ratio if kind == "ratio" else value) <= limit
    return row


def _median_rows(runs):
    """Rows of several runs of the suite -> one row each: medians, and every run's values."""
    out = []
    for rows in zip(*runs):
        first = rows[0]
        ratios = [r["ratio"] for r in rows]
        row = _row(first["group"], first["name"], statistics.median(r["value_us"] for r in rows),
                   None if ratios[0] is None else statistics.median(ratios), first["limit"])
        row["runs"] = [(r["value_us"], r["ratio"]) for r in rows]
        out.append(row)
    return out


def _fmt(row):
    unit = "" if "break-even" in row["name"] else " µs"
    value = f"{row['value_us']:.3g}{unit}" if row["value_us"] < 1e4 else \
        f"{row['value_us'] / 1e3:.4g} ms"
    ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}x"
    met = {None: "", True: "met", False: "MISSED"}[row["met"]]
    spread = ""
    if len(row.get("runs", ())) > 1:
        vals = [r if v is None else v for r, v in row["runs"]]
        spread = f"[{min(vals):.3g}..{max(vals):.3g}]"
    return f"{row['group']:<26} {row['name']:<46} {value:>10} {ratio:>8}  " \
           f"{row['goal'] or '':<9} {met:<6} {spread}"


BENCHES = [bench_eager_op, bench_chain, bench_trace, bench_break_even, bench_square]


def run(quick=False, runs=1):
    """Run every benchmark ``runs`` times; returns one row (a dict) per figure, medians."""
    repeat = 3 if quick else 9
    return _median_rows([[row for bench in BENCHES for row in bench(repeat)]
                         for _ in range(runs)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--runs", type=int, default=1, metavar="N",
                        help="run the suite N times and report medians (and the spread)")
    parser.add_argument("--json", metavar="OUT", help="write the figures as JSON")
    args = parser.parse_args(argv)
    rows = run(args.quick, args.runs)
    print(f"{'group':<26} {'measure':<46} {'time':>10} {'ratio':>8}  goal      met    "
          "spread over runs (ratio, else time)")
    for row in rows:
        print(_fmt(row))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       "numpy": np.__version__, "python": sys.version.split()[0],
                       "rows": rows}, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
