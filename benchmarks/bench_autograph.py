"""Trace time of a 100-line function with and without autograph (issue 13: the goal is
under 50 ms more with autograph).

    python -m benchmarks.bench_autograph            # median of 7 runs
    python -m benchmarks.bench_autograph --quick    # 3 runs

The function is straight-line tensor code with Python ``if``s and ``for``s on Python
values, so it traces without autograph too. "cold" converts the source anew (parse,
rewrite, compile: the first trace of a function); "warm" reuses the conversion (a
retrace for a new signature). Each trace is ``get_concrete_function`` on a fresh
``am.function(optimize=0)``, so the passes do not dilute the difference.
"""
import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import common  # noqa: F401  (sets OPENBLAS_NUM_THREADS first)

import ambi as am  # noqa: E402
from ambi.autograph import loader  # noqa: E402

GOAL_MS = 50.0

BLOCK = """\
    a = a * 0.5 + b
    if scale > 1:
        a = a * scale
    else:
        a = a - 1.0
    b = am.tanh(a) - b * 0.25
    for _ in range(2):
        b = b + am.reduce_sum(a) * 0.01
    c = am.maximum(a, b) if flip else am.minimum(a, b)
"""  # 9 lines


def source(lines=100):
    body = "".join(BLOCK for _ in range(-(-(lines - 3) // 9)))
    return f"def big(x, y, scale, flip):\n    a, b = x, y\n{body}    return a + b\n"


def load(text):
    path = Path(tempfile.mkdtemp(prefix="ambi-bench-")) / "big.py"
    path.write_text(text)
    namespace = {"am": am}
    exec(compile(text, str(path), "exec"), namespace)
    return namespace["big"]


def trace_ms(fn, autograph, cold):
    if cold:
        loader._code_cache.pop(fn.__code__, None)
        loader._fn_cache.pop(fn, None)
    args = (am.constant([1.0, 2.0]), am.constant([0.5, -0.5]), 2, True)
    f = am.function(fn, optimize=0, autograph=autograph)
    start = time.perf_counter()
    f.get_concrete_function(*args)
    return (time.perf_counter() - start) * 1e3


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    text = source()
    fn = load(text)
    repeat = 3 if args.quick else 7
    trace_ms(fn, True, True)  # warm up imports and kernels
    runs = {"plain": [], "autograph_cold": [], "autograph_warm": []}
    for _ in range(repeat):  # in turns, so noise hits all alike
        runs["plain"].append(trace_ms(fn, False, False))
        runs["autograph_cold"].append(trace_ms(fn, True, True))
        runs["autograph_warm"].append(trace_ms(fn, True, False))
    med = {k: statistics.median(v) for k, v in runs.items()}
    result = {"lines": len(text.splitlines()), **{f"{k}_ms": round(v, 2) for k, v in med.items()},
              "cold_overhead_ms": round(med["autograph_cold"] - med["plain"], 2),
              "warm_overhead_ms": round(med["autograph_warm"] - med["plain"], 2),
              "goal_ms": GOAL_MS}
    result["ok"] = result["cold_overhead_ms"] < GOAL_MS
    print(json.dumps(result, indent=1))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
