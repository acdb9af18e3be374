"""Autodiff benchmark: 300 SGD steps of the seeds' linear regression, three ways.

- numpy: the loop written by hand with hand-derived gradients (the floor);
- ambi eager: GradientTape + SGD, every op run eagerly;
- ambi graph: the same step under ``am.function`` (tape, gradient and update traced).

    python -m benchmarks.bench_autodiff [--quick] [--json OUT]

Goals (issue 4): the am.function loop within 4x numpy (jax.jit of the step: 3.8x here),
the eager tape within 20x (torch autograd eager: 19x). Ratios come from one run.
"""
import argparse
import json
import statistics
import sys
import time

import benchmarks.common  # noqa: F401  (sets OPENBLAS_NUM_THREADS before numpy loads)

import numpy as np  # noqa: E402

import ambi as am  # noqa: E402
from examples import linear_regression as lr  # noqa: E402

GOALS = {"graph": 4.0, "eager": 20.0}


def numpy_loop(x, y, steps):
    w, b = np.float32(5.0), np.float32(10.0)
    n = np.float32(len(x))
    for _ in range(steps):
        err = x * w + b - y
        # loss = mean(err**2): dW = 2 mean(err x), dB = 2 mean(err)
        gw, gb = np.float32(2) * np.sum(err * x) / n, np.float32(2) * np.sum(err) / n
        w, b = w - np.float32(0.01) * gw, b - np.float32(0.01) * gb
    return w, b


def ambi_loop(x, y, steps, graph):
    model = lr.Model()
    step = lr.make_step(model, am.optimizers.SGD(lr.LEARNING_RATE))
    if graph:
        step = am.function(step)
        step(x, y)  # trace outside the timed loop: the goal is the loop's speed
    t0 = time.perf_counter()
    for _ in range(steps):
        step(x, y)
    return time.perf_counter() - t0


def measure(steps, repeat):
    x, y = lr.data()
    xn, yn = x.numpy(), y.numpy()
    runs = {"numpy": [], "eager": [], "graph": []}
    for _ in range(repeat):  # in turns, so noise hits all three alike
        t0 = time.perf_counter()
        numpy_loop(xn, yn, steps)
        runs["numpy"].append(time.perf_counter() - t0)
        runs["eager"].append(ambi_loop(x, y, steps, graph=False))
        runs["graph"].append(ambi_loop(x, y, steps, graph=True))
    ms = {k: statistics.median(v) * 1e3 for k, v in runs.items()}
    best = {k: min(v) * 1e3 for k, v in runs.items()}  # less hit by a busy machine
    return {"steps": steps, "ms": ms, "best_ms": best,
            "ratio": {k: ms[k] / ms["numpy"] for k in ("eager", "graph")},
            "best_ratio": {k: best[k] / best["numpy"] for k in ("eager", "graph")}}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json")
    args = p.parse_args(argv)
    res = measure(300, 3 if args.quick else 7)
    ms, ratio = res["ms"], res["ratio"]
    print(f"linear regression, {res['steps']} steps: median ms (best-of ms)")
    print(f"  numpy, hand gradients  {ms['numpy']:8.2f} ({res['best_ms']['numpy']:.2f})")
    for k in ("graph", "eager"):
        ok = "ok" if ratio[k] <= GOALS[k] else "MISSED"
        print(f"  ambi {k:<18}{ms[k]:8.2f} ({res['best_ms'][k]:.2f})   {ratio[k]:5.1f}x numpy "
              f"(best-of {res['best_ratio'][k]:.1f}x; goal <= {GOALS[k]:g}x: {ok})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
