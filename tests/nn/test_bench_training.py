"""benchmarks/bench_training: the hand-written numpy steps compute what ambi's train step
computes (so the comparison is fair), and the benchmark runs and reports ratios."""
import pathlib
import sys

import numpy as np
import pytest

import ambi as am

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from benchmarks import bench_training as bench  # noqa: E402
from benchmarks import numpy_nets as ref  # noqa: E402


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_numpy_step_matches_ambis_train_step(name):
    make = bench.mlp_model if name == "mlp" else bench.cnn_model
    x, y = bench._batch(name)
    model = make()
    model.compile(optimizer=am.optimizers.Adam(1e-3),
                  loss=am.losses.SparseCategoricalCrossentropy(from_logits=True))
    model(x)
    params = [w.copy() for w in model.get_weights()]
    opt = ref.Adam(params)
    for _ in range(2):
        model._step("train_step")(am.constant(x), am.constant(y))
        (ref.mlp_step if name == "mlp" else ref.cnn_step)(params, opt, x, y)
    for got, want in zip(model.get_weights(), params):
        np.testing.assert_allclose(want, got, rtol=1e-4, atol=1e-5)


def test_numpy_conv_reference_matches_ambi():
    rng = np.random.default_rng(0)
    x, f = rng.standard_normal((2, 5, 5, 3)), rng.standard_normal((3, 3, 3, 4))
    g = rng.standard_normal((2, 5, 5, 4))
    xt, ft = am.constant(x), am.constant(f)
    with am.GradientTape() as tape:
        tape.watch([xt, ft])
        y = am.conv2d(xt, ft, padding="SAME")
        loss = am.reduce_sum(y * g)
    gx, gf = tape.gradient(loss, [xt, ft])
    np.testing.assert_allclose(ref.conv_forward(x, f, "SAME"), y.numpy(), rtol=1e-10)
    rgx, rgf = ref.conv_backward(x, f, g, "SAME")
    np.testing.assert_allclose(rgx, gx.numpy(), rtol=1e-10)
    np.testing.assert_allclose(rgf, gf.numpy(), rtol=1e-10)


def test_benchmark_reports_every_ratio(monkeypatch, capsys):
    monkeypatch.setattr(bench, "CONV_CASES", {"tiny": ((2, 6, 6, 2), (3, 3, 2, 2), "SAME")})
    monkeypatch.setattr(bench.common, "_calls_for", lambda timer, seconds: 1)
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    for key in ("graph/numpy", "eager/graph", "conv_fwd/numpy", "conv_fwd_bwd/numpy"):
        assert key in out
