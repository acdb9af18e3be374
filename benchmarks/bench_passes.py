"""Pass benchmark: optimizing traced graphs of 1k, 5k and 20k nodes, per pass.

The graphs repeat one block of work for every pass: duplicated subexpressions (cse),
constant subtrees (fold), exact identities (simplify), dead values (dce), and now and
then a cond. Checks (``AMBI_CHECKS``) are off, as they are for users.

    python -m benchmarks.bench_passes [--quick] [--level 1|2] [--json OUT]

The table has the total (the -O level asked for, default 2), the -O1 passes alone, and
each pass's seconds summed over the rounds of the fixed point. Times are wall-clock,
except "cpu us/node" (this process's CPU time, which other load on a shared machine
disturbs less).

Goal (issue 3): a 5,000-node graph optimizes in under 2 s, and the time per node stays
flat from 1k to 20k nodes (the passes are linear or n log n). Each size reports the best
of three runs (one with ``--quick``).
"""
import argparse
import json
import sys
import time

import benchmarks.common  # noqa: F401  (sets OPENBLAS_NUM_THREADS before numpy loads)

import numpy as np  # noqa: E402

import ambi as am  # noqa: E402
from ambi import config  # noqa: E402
from ambi.passes import PASSES, optimize  # noqa: E402
from ambi.passes.manager import size  # noqa: E402

GOAL_5K_SECONDS = 2.0
SIZES = (1000, 5000, 20000)


def _block(x, y, i):
    """20 nodes before optimization (a cond adds 9), 5 after."""
    a = x * y + x * y                                   # cse: one multiply goes
    k = am.constant(float(i)) * am.constant(2.0) + 1.0  # fold: becomes one constant
    b = am.negative(-(a * 1.0)) / 1.0                             # simplify: back to a
    am.exp(b) * am.sin(a)                               # dce: never used
    c = am.transpose(am.transpose(b + k))               # simplify: the transposes go
    if i % 10 == 0:                                     # a cond on a constant: inlined
        c = am.cond(am.constant(1.0) > 0.0, lambda: c * 1.0, lambda: c - 1.0)
    return c


def build(nodes):
    """A traced, unoptimized graph of about ``nodes`` nodes."""
    def program(x, y):
        out, graph, i = x, am.core.current_trace().graph, 0
        while len(graph) < nodes:
            out = _block(out, y, i)
            i += 1
        return out
    x, y = np.ones((4, 4), np.float32), np.full((4, 4), 0.5, np.float32)
    return am.function(program, optimize=0).get_concrete_function(x, y).graph


class OPENCL_LIKE:
    """A target that asks for every -O2 rewrite, as an OpenCL device does (the cpu
    device asks for none), so -O2 times fusion without needing an OpenCL platform."""

    rewrites = ("fuse",)


def measure(nodes, level=2, repeat=3):
    """The best of ``repeat`` optimizations of fresh graphs (the machine is shared)."""
    return min((_measure_once(nodes, level) for _ in range(repeat)),
               key=lambda row: row["seconds"])


def _measure_once(nodes, level):
    """Optimize a fresh graph; returns the row: sizes, total and per-pass seconds."""
    graph = build(nodes)
    before = size(graph)
    t0, c0 = time.perf_counter(), time.process_time()
    report = optimize(graph, level, device=OPENCL_LIKE)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    per_pass = {}
    for r in report:
        per_pass[r["pass"]] = per_pass.get(r["pass"], 0.0) + r["seconds"]
    o1 = sum(t for name, t in per_pass.items() if PASSES[name][1] == 1)
    return {"nodes": before, "nodes_after": size(graph), "seconds": total, "o1_seconds": o1,
            "us_per_node": total / before * 1e6, "o1_us_per_node": o1 / before * 1e6,
            "cpu_us_per_node": cpu / before * 1e6,
            "rounds": max(r["round"] for r in report), "per_pass": per_pass}


def run(quick=False, level=2):
    saved, config.CHECKS = config.CHECKS, False
    try:
        return [measure(n, level, repeat=1 if quick else 3)
                for n in (SIZES[:2] if quick else SIZES)]
    finally:
        config.CHECKS = saved


def table(rows):
    names = list(rows[0]["per_pass"])
    head = (f"{'nodes':>7} {'after':>6} {'total s':>8} {'us/node':>8} {'-O1 s':>7} "
            f"{'us/node':>8} {'cpu us/node':>11} {'rounds':>6} "
            + " ".join(f"{n + ' s':>10}" for n in names))
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['nodes']:>7} {r['nodes_after']:>6} {r['seconds']:>8.3f} "
                     f"{r['us_per_node']:>8.1f} {r['o1_seconds']:>7.3f} "
                     f"{r['o1_us_per_node']:>8.1f} {r['cpu_us_per_node']:>11.1f} {r['rounds']:>6} "
                     + " ".join(f"{r['per_pass'][n]:>10.3f}" for n in names))
    return "\n".join(lines)


def verdict(rows):
    five = min(rows, key=lambda r: abs(r["nodes"] - 5000))
    ok = five["seconds"] < GOAL_5K_SECONDS
    lines = [f"{five['nodes']} nodes in {five['seconds']:.2f} s, of which -O1 "
             f"{five['o1_seconds']:.2f} s (goal < {GOAL_5K_SECONDS} s): "
             f"{'ok' if ok else 'MISSED'}"]
    for key, what in (("o1_us_per_node", "-O1 passes"), ("us_per_node", "all passes"),
                      ("cpu_us_per_node", "all passes, CPU time")):
        growth = rows[-1][key] / rows[0][key]
        lines.append(f"time per node, {rows[-1]['nodes']} vs {rows[0]['nodes']} nodes, "
                     f"{what}: x{growth:.2f} (1.0 is linear)")
    return ok, "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 5k nodes, one run each")
    parser.add_argument("--level", type=int, default=2, choices=(1, 2),
                        help="the -O level to time (default 2: -O1 plus device rewrites)")
    parser.add_argument("--json", metavar="OUT", help="write the figures as JSON")
    args = parser.parse_args(argv)
    rows = run(args.quick, args.level)
    print(table(rows))
    ok, lines = verdict(rows)
    print(lines)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       "level": args.level, "rows": rows}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
