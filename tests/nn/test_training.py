"""Training: the seeds' linear regression and XOR, optimizers against hand-written
updates, Dense and Sequential, the mean squared error."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import ambi as am

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from examples import linear_regression, xor  # noqa: E402


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "graph"])
def test_seed_linear_regression(graph):
    w, b, loss = linear_regression.train(graph=graph)
    assert abs(w - 3) < 0.1 and abs(b - 2) < 0.1
    assert 0.85 <= loss <= 1.15


def test_linear_regression_eager_and_graph_agree():
    eager = linear_regression.train(graph=False, steps=20)
    graph = linear_regression.train(graph=True, steps=20)
    np.testing.assert_allclose(graph, eager, rtol=1e-5)


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "graph"])
def test_seed_xor_network_classifies_all_four_points(graph):
    model, loss = xor.train(steps=300, graph=graph)
    pred = model(am.constant(xor.X)).numpy()
    np.testing.assert_array_equal(pred > 0.5, xor.Y > 0.5)
    assert loss < 0.05


def _run_sgd(opt, grads, steps=3):
    w = am.Variable([1.0, -2.0])
    for g in grads[:steps]:
        opt.apply_gradients([(am.constant(g), w)])
    return w.numpy()


GRADS = [np.array([0.5, -1.0], np.float32), np.array([0.25, 2.0], np.float32),
         np.array([-1.0, 0.5], np.float32)]


def test_sgd_with_momentum_matches_keras_rule():
    w, v = np.array([1.0, -2.0], np.float32), np.zeros(2, np.float32)
    for g in GRADS:
        v = 0.9 * v - 0.1 * g
        w = w + v
    np.testing.assert_allclose(_run_sgd(am.optimizers.SGD(0.1, momentum=0.9), GRADS), w,
                               rtol=1e-6)


def test_adam_matches_the_textbook_update():
    w, m, s = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    for t, g in enumerate(GRADS, 1):
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        lr_t = 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        w = w - lr_t * m / (np.sqrt(s) + 1e-7)
    np.testing.assert_allclose(_run_sgd(am.optimizers.Adam(0.01), GRADS), w, rtol=1e-5)


@pytest.mark.parametrize("make", [lambda: am.optimizers.SGD(0.1, momentum=0.5),
                                  lambda: am.optimizers.Adam(0.1)], ids=["sgd", "adam"])
def test_optimizers_in_a_graph_match_eager(make):
    def run(graph):
        w = am.Variable([1.0, -2.0])
        opt = make()

        def step(g):
            opt.apply_gradients([(g, w)])
            return w.read_value()
        step = am.function(step) if graph else step
        for g in GRADS:
            step(am.constant(g))
        return w.numpy(), [s.numpy() for s in opt._slots.values()]
    (we, se), (wg, sg) = run(False), run(True)
    np.testing.assert_allclose(wg, we, rtol=1e-6)
    for a, b in zip(sg, se):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_none_gradients_are_skipped():
    w = am.Variable([1.0])
    am.optimizers.SGD(0.1).apply_gradients([(None, w)])
    assert w.numpy().tolist() == [1.0]


def test_dense_and_sequential():
    layer = am.nn.Dense(3, activation="relu", seed=4)
    model = am.nn.Sequential([layer, am.nn.Dense(2, activation=am.tanh, seed=5)])
    x = am.constant(np.arange(8, dtype=np.float32).reshape(2, 4))
    y = model(x)
    assert y.shape == (2, 2)
    names = [v.name for v in model.trainable_variables]
    assert len(names) == 4 and [tuple(v.shape) for v in model.trainable_variables] == \
        [(4, 3), (3,), (3, 2), (2,)]
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), np.maximum(x.numpy() @ k + b, 0), rtol=1e-6)
    with pytest.raises(am.AmbiError, match="activation"):
        am.nn.Dense(2, activation="no_such_thing")


def test_dense_first_called_inside_a_function_creates_its_variables_eagerly():
    layer = am.nn.Dense(2, seed=3)
    f = am.function(lambda x: layer(x))
    x = am.constant([[1.0, 2.0]])
    np.testing.assert_allclose(f(x).numpy(), x.numpy() @ layer.kernel.numpy(), rtol=1e-6)


def test_mean_squared_error_like_keras():
    y_true, y_pred = [[0.0, 1.0], [1.0, 1.0]], am.constant([[1.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(am.losses.mean_squared_error(y_true, y_pred).numpy(),
                                  [0.5, 0.5])


@pytest.mark.parametrize("name", ["linear_regression.py", "line_search.py", "log1pexp.py",
                                  "xor.py"])
def test_autodiff_examples_run(name):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    if name == "log1pexp.py":
        assert "x=100.0: naive nan, custom 1.0" in proc.stdout
    if name == "line_search.py":
        lines = proc.stdout.splitlines()
        assert [ln.split(":", 1)[1] for ln in lines[:4]] == \
            [ln.split(":", 1)[1] for ln in lines[4:]]


def test_autodiff_benchmark_runs_and_reports_ratios():
    from benchmarks import bench_autodiff
    res = bench_autodiff.measure(steps=3, repeat=1)
    assert set(res["ratio"]) == {"eager", "graph"} and all(r > 0 for r in res["ratio"].values())
