"""Training benchmark: one training step of the comparison article's MLP (64x784-256-256-10)
and of the guide's digits CNN, four ways, and conv2d forward/backward against numpy.

- numpy: forward and backward written by hand (im2col + BLAS for the convolutions) and
  the same Adam update: the floor;
- ambi graph: ``model.fit``'s traced train step (tape, gradients, Adam, metrics);
- ambi eager: the same train step run eagerly (``run_eagerly=True``);
- torch eager, only when PyTorch is installed (never required).

    python -m benchmarks.bench_training [--quick] [--json OUT]

Goals (issue 14): graph step <= 1.3x the numpy step; eager step <= 3x the graph step;
conv2d forward and forward+backward within 2x of im2col + BLAS in numpy.
"""
import argparse
import json
import sys

import benchmarks.common as common  # (sets OPENBLAS_NUM_THREADS before numpy loads)

import numpy as np  # noqa: E402

import ambi as am  # noqa: E402
from ambi.bench.suite import cpu_name  # noqa: E402
from benchmarks import numpy_nets as ref  # noqa: E402

GOALS = {"graph/numpy": 1.3, "eager/graph": 3.0, "conv_fwd/numpy": 2.0,
         "conv_fwd_bwd/numpy": 2.0}
CONV_CASES = {"digits conv2 (32,6,6,16)*(3,3,16,16)": ((32, 6, 6, 16), (3, 3, 16, 16), "VALID"),
              "mnist-like (32,28,28,16)*(3,3,16,32) SAME": ((32, 28, 28, 16), (3, 3, 16, 32),
                                                           "SAME")}


def conv_times(repeat):
    """Per case: microseconds of ambi's conv2d forward and forward+backward (traced, so
    the kernels dominate) and of numpy's im2col + matmul versions."""
    return {name: _conv_case(*case, repeat) for name, case in CONV_CASES.items()}


def _conv_case(xs, fs, padding, repeat):
    rng = np.random.default_rng(0)
    x, f = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(fs).astype(np.float32)
    xt, ft = am.constant(x), am.constant(f)
    fwd = am.function(lambda a, b: am.conv2d(a, b, padding=padding))

    @am.function
    def fwd_bwd(a, b):
        with am.GradientTape() as tape:
            tape.watch([a, b])
            y = am.conv2d(a, b, padding=padding)
        return y, tape.gradient(y, [a, b])
    fwd(xt, ft)
    fwd_bwd(xt, ft)
    g = np.ones(ref.conv_forward(x, f, padding).shape, np.float32)
    t = common.compare_us({
        "ambi_fwd": lambda: fwd(xt, ft), "ambi_fwd_bwd": lambda: fwd_bwd(xt, ft),
        "numpy_fwd": lambda: ref.conv_forward(x, f, padding),
        "numpy_fwd_bwd": lambda: ref.conv_backward(x, f, g, padding)}, repeat=repeat)
    t["conv_fwd/numpy"] = t["ambi_fwd"] / t["numpy_fwd"]
    t["conv_fwd_bwd/numpy"] = t["ambi_fwd_bwd"] / t["numpy_fwd_bwd"]
    return t


def mlp_model():
    return am.nn.Sequential([am.nn.Dense(256, activation="relu", seed=1),
                             am.nn.Dense(256, activation="relu", seed=2),
                             am.nn.Dense(10, seed=3)])


def cnn_model():
    return am.nn.Sequential([am.nn.Conv2D(16, [3, 3], activation="relu", seed=1),
                             am.nn.Conv2D(16, [3, 3], activation="relu", seed=2),
                             am.nn.GlobalAveragePooling2D(), am.nn.Dense(10, seed=3)])


def _batch(name):
    rng = np.random.default_rng(0)
    if name == "mlp":
        return rng.standard_normal((64, 784)).astype(np.float32), rng.integers(0, 10, 64)
    (x, y), _ = am.datasets.digits()
    return (x[:32, ..., None] / 16).astype(np.float32), y[:32]


def _ambi_step(make, x, y, eager):
    model = make()
    model.compile(optimizer=am.optimizers.Adam(1e-3), run_eagerly=eager,
                  loss=am.losses.SparseCategoricalCrossentropy(from_logits=True))
    step = model._step("train_step")
    xt, yt = am.constant(x), am.constant(y)
    step(xt, yt)  # build and trace outside the timing
    return lambda: step(xt, yt)


def _numpy_step(name, x, y):
    make = mlp_model if name == "mlp" else cnn_model
    model = make()
    model(x)
    params = [w.copy() for w in model.get_weights()]
    opt = ref.Adam(params)
    fn = ref.mlp_step if name == "mlp" else ref.cnn_step
    return lambda: fn(params, opt, x, y)


def _torch_step(name, x, y):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    nn = torch.nn
    if name == "mlp":
        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                            nn.Linear(256, 10))
        xt = torch.from_numpy(x)
    else:
        net = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU(),
                            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt, opt = torch.from_numpy(y.astype(np.int64)), torch.optim.Adam(net.parameters(), 1e-3)

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    return step


def step_times(repeat):
    """Microseconds per training step of the MLP and the CNN, each way, and the ratios."""
    out = {}
    for name, make in (("mlp", mlp_model), ("cnn", cnn_model)):
        x, y = _batch(name)
        fns = {"numpy": _numpy_step(name, x, y), "graph": _ambi_step(make, x, y, False),
               "eager": _ambi_step(make, x, y, True)}
        torch_step = _torch_step(name, x, y)
        if torch_step is not None:
            fns["torch"] = torch_step
        t = common.compare_us(fns, repeat=repeat)
        t["graph/numpy"] = t["graph"] / t["numpy"]
        t["eager/graph"] = t["eager"] / t["graph"]
        out[name] = t
    return out


def _report(results):
    for section, cases in results.items():
        if not isinstance(cases, dict):
            continue
        print(f"== {section}")
        for name, t in cases.items():
            figures = ", ".join(f"{k} {v:.0f} us" if "/" not in k else f"{k} {v:.2f}x"
                                for k, v in t.items())
            print(f"  {name}: {figures}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else 7
    results = {"cpu": cpu_name(), "steps": step_times(repeat), "conv2d": conv_times(repeat)}
    print(f"CPU: {results['cpu']}; goals: {GOALS}")
    _report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
