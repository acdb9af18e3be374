"""OpenCL benchmarks on every validated OpenCL device against numpy, as ratios from one run.

- chain: a 10-op elementwise chain over 10M float32 in an -O2 graph (one fused kernel),
  with inputs already on the device, and including the copies in and out;
- matmul: 1024x1024 float32, GFLOP/s against numpy's OpenBLAS on one thread;
- sum: 10M float32 to a scalar;
- launch: eager per-op cost on a 3-element tensor;
- crossover: the chain at growing sizes, graph on the device against the cpu graph.

    python -m benchmarks.bench_opencl [--quick] [--device NAME ...] [--json OUT]

Goals (issue 10), per CPU runtime: chain >= 3.5x numpy on the device (>= 5x on the best
runtime), >= 2x with copies; matmul >= 1x single-thread numpy's GFLOP/s; sum >= 1.2x.
"""
import argparse
import json
import sys

from benchmarks.common import compare_us  # sets OPENBLAS_NUM_THREADS first

import numpy as np  # noqa: E402

import ambi as am  # noqa: E402
from ambi.devices import get_device  # noqa: E402

GOALS = {"chain_on_device": 3.5, "chain_with_copies": 2.0, "matmul_fraction": 1.0,
         "sum": 1.2}


def chain(x, y, lib):
    """Ten elementwise ops; ``lib`` is numpy or ambi."""
    t = lib.sin(x) * 0.5 + y
    t = lib.exp(t) - lib.sqrt(x + 2.0) * lib.cos(y)
    return lib.tanh(t) * x


def bench_chain(dev, n, repeat):
    rng = np.random.default_rng(0)
    x, y = (rng.random(n, dtype=np.float32) for _ in range(2))
    f = am.function(lambda a, b: chain(a, b, am), device=str(dev))
    xd, yd = am.constant(x).to(dev), am.constant(y).to(dev)
    on_dev = lambda: (f(xd, yd), dev.finish())  # noqa: E731
    copies = lambda: f(x, y).numpy()  # noqa: E731
    on_dev()
    np.testing.assert_allclose(copies(), chain(x, y, np), rtol=1e-5, atol=1e-6)
    t = compare_us({"numpy": lambda: chain(x, y, np), "device": on_dev, "copies": copies},
                   repeat=repeat, number=1)
    return {"numpy_ms": t["numpy"] / 1e3, "device_ms": t["device"] / 1e3,
            "copies_ms": t["copies"] / 1e3, "chain_on_device": t["numpy"] / t["device"],
            "chain_with_copies": t["numpy"] / t["copies"]}


def bench_matmul(dev, n, repeat):
    a, b = (np.random.default_rng(i).random((n, n), dtype=np.float32) for i in (1, 2))
    ad, bd = am.constant(a).to(dev), am.constant(b).to(dev)
    run = lambda: (am.matmul(ad, bd), dev.finish())  # noqa: E731
    got = am.matmul(ad, bd).numpy()
    np.testing.assert_allclose(got, a @ b, rtol=1e-4, atol=1e-3)
    t = compare_us({"numpy": lambda: a @ b, "device": run}, repeat=repeat, number=1)
    flops = 2.0 * n ** 3
    np_g, dev_g = flops / t["numpy"] / 1e3, flops / t["device"] / 1e3
    return {"numpy_gflops": np_g, "device_gflops": dev_g, "matmul_fraction": dev_g / np_g}


def bench_sum(dev, n, repeat):
    x = np.random.default_rng(3).random(n, dtype=np.float32)
    xd = am.constant(x).to(dev)
    run = lambda: (am.reduce_sum(xd), dev.finish())  # noqa: E731
    assert abs(float(am.reduce_sum(xd)) - float(x.sum(dtype=np.float64))) < 1e-4 * n
    t = compare_us({"numpy": lambda: x.sum(), "device": run}, repeat=repeat, number=3)
    return {"numpy_ms": t["numpy"] / 1e3, "device_ms": t["device"] / 1e3,
            "sum": t["numpy"] / t["device"]}


def bench_launch(dev, repeat):
    """Per-op eager cost: 100 adds pipelined on the device, waited for once."""
    x_cpu = am.constant([1.0, 2.0, 3.0])
    x_dev = x_cpu.to(dev)

    def ops(x):
        for _ in range(100):
            x = x + 1.0
        return x

    t = compare_us({"cpu": lambda: ops(x_cpu), "device": lambda: ops(x_dev).numpy()},
                   repeat=repeat)
    return {"cpu_us_per_op": t["cpu"] / 100, "device_us_per_op": t["device"] / 100}


def bench_crossover(dev, sizes, repeat):
    """Chain graph on the device (copies included) vs the same graph on the cpu; new
    functions per size, since one traced at many shapes warns about retracing."""
    rows = [_pair_at(am.function(lambda a, b: chain(a, b, am)),
                     am.function(lambda a, b: chain(a, b, am), device=str(dev)), n, repeat)
            for n in sizes]
    faster = [r["n"] for r in rows if r["device_us"] < r["cpu_us"]]
    return {"rows": rows, "crossover_n": faster[0] if faster else None}


def _pair_at(f_cpu, f_dev, n, repeat):
    x, y = (np.random.default_rng(n + i).random(n, dtype=np.float32) for i in range(2))
    xc, yc = am.constant(x), am.constant(y)
    f_dev(x, y).numpy()
    t = compare_us({"cpu": lambda: f_cpu(xc, yc), "device": lambda: f_dev(x, y).numpy()},
                   repeat=repeat)
    return {"n": n, "cpu_us": t["cpu"], "device_us": t["device"]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    p.add_argument("--device", action="append",
                   help="a device to measure (repeatable; default: every validated one)")
    p.add_argument("--json", help="write the results here")
    args = p.parse_args(argv)
    devs = ([get_device(n) for n in args.device] if args.device
            else [d for d in am.devices() if str(d) != "cpu"])
    big, mm, rep = (1_000_000, 256, 3) if args.quick else (10_000_000, 1024, 5)
    sizes = [10 ** k for k in range(2, 7 if args.quick else 8)]
    out = []
    for dev in devs:
        res = {"device": dev.describe(), "driver": dev.validate().driver,
               "params": str(dev.params), "chain": bench_chain(dev, big, rep),
               "matmul": bench_matmul(dev, mm, rep), "sum": bench_sum(dev, big, rep),
               "launch": bench_launch(dev, rep),
               "crossover": bench_crossover(dev, sizes, 3)}
        _report(res)
        out.append(res)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 0


def _report(res):
    c, m, s, la = res["chain"], res["matmul"], res["sum"], res["launch"]
    print(f"{res['device']}\n  {res['driver']}\n  kernel parameters: {res['params']}")
    print(f"chain: numpy {c['numpy_ms']:.1f} ms, device {c['device_ms']:.1f} ms "
          f"({c['chain_on_device']:.2f}x, goal {GOALS['chain_on_device']}x), with copies "
          f"{c['copies_ms']:.1f} ms ({c['chain_with_copies']:.2f}x, goal "
          f"{GOALS['chain_with_copies']}x)")
    print(f"matmul: numpy {m['numpy_gflops']:.1f} GFLOP/s, device {m['device_gflops']:.1f} "
          f"({m['matmul_fraction']:.0%}, goal {GOALS['matmul_fraction']:.0%})")
    print(f"sum: numpy {s['numpy_ms']:.2f} ms, device {s['device_ms']:.2f} ms "
          f"({s['sum']:.2f}x, goal {GOALS['sum']}x)")
    print(f"eager launch: {la['device_us_per_op']:.1f} us/op on the device, "
          f"{la['cpu_us_per_op']:.1f} us/op on cpu")
    for r in res["crossover"]["rows"]:
        print(f"  n={r['n']:>9}: cpu graph {r['cpu_us']:9.0f} us, device {r['device_us']:9.0f} us")
    print(f"crossover: {res['crossover']['crossover_n']}")


if __name__ == "__main__":
    sys.exit(main())
