"""Sequential.compile/fit/evaluate/predict/summary: one traced train step per batch shape,
run_eagerly, History, the progress bar, Datasets; and the digits data."""
import warnings

import numpy as np
import pytest

import ambi as am

RNG = np.random.default_rng(3)
X = RNG.standard_normal((70, 5)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int32)


def _mlp(seed=1):
    return am.nn.Sequential([am.nn.Dense(16, activation="relu", seed=seed),
                             am.nn.Dense(2, seed=seed + 1)])


def _compiled(run_eagerly=False, seed=1, **kwargs):
    model = _mlp(seed)
    model.compile(optimizer=am.optimizers.Adam(0.01),
                  loss=am.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], run_eagerly=run_eagerly, **kwargs)
    return model


def test_fit_traces_once_per_batch_shape_without_a_retrace_warning():
    model = _compiled()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model.fit(X, Y, epochs=8, batch_size=32, verbose=0, seed=0)
    assert model._steps["train_step"].trace_count == 2  # 32 and the short last batch of 6
    assert set(history.history) == {"loss", "accuracy"} and history.epoch == list(range(8))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.8


def test_graph_and_eager_fit_give_the_same_history_and_weights():
    runs = [_compiled(run_eagerly=e) for e in (True, False)]
    hist = [m.fit(X, Y, epochs=2, batch_size=16, verbose=0, seed=5).history for m in runs]
    np.testing.assert_allclose(hist[1]["loss"], hist[0]["loss"], rtol=1e-5)
    for a, b in zip(*(m.get_weights() for m in runs)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_evaluate_predict_and_validation_data():
    model = _compiled()
    history = model.fit(X, Y, epochs=2, batch_size=20, verbose=0, validation_data=(X, Y))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    loss, acc = model.evaluate(X, Y, verbose=0)
    assert loss == pytest.approx(history.history["val_loss"][-1], rel=1e-6)
    logits = model.predict(X, batch_size=32)
    assert logits.shape == (70, 2)
    np.testing.assert_allclose(logits, model(X).numpy(), rtol=1e-5, atol=1e-6)
    assert acc == pytest.approx(np.mean(logits.argmax(-1) == Y))
    assert model.evaluate(X, Y, verbose=0, return_dict=True)["loss"] == pytest.approx(loss)


def test_fit_accepts_a_dataset():
    ds = am.data.Dataset.from_tensor_slices((X, Y)).shuffle(100, seed=1).batch(32)
    model = _compiled()
    history = model.fit(ds, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert model.evaluate(ds, verbose=0)[0] > 0


def test_mse_regression_with_sgd_by_name():
    model = am.nn.Sequential([am.nn.Dense(1, seed=3)])
    model.compile(optimizer="sgd", loss="mse")
    y = X @ np.arange(5, dtype=np.float32)[:, None]
    first = model.evaluate(X, y, verbose=0)
    model.fit(X, y, epochs=20, verbose=0)
    assert model.evaluate(X, y, verbose=0) < first / 5


def test_progress_bar_shows_loss_and_metrics_and_verbose_0_is_silent(capsys):
    model = _compiled()
    model.fit(X, Y, epochs=1, verbose=0)
    assert capsys.readouterr().err == ""
    model.fit(X, Y, epochs=1, verbose=1)
    err = capsys.readouterr().err
    assert "Epoch 1/1" in err and "loss=" in err and "accuracy=" in err


def test_summary_lists_layers_shapes_and_parameters():
    model = am.nn.Sequential([am.nn.Conv2D(16, [3, 3], activation="relu",
                                           input_shape=(8, 8, 1)),
                              am.nn.GlobalAveragePooling2D(), am.nn.Dense(10)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(None, 6, 6, 16)" in text and "(None, 16)" in text and "(None, 10)" in text
    assert "Total params: 330" in text and "Trainable params: 330" in text


def test_training_errors_are_clear():
    model = _mlp()
    with pytest.raises(am.AmbiError, match="compile"):
        model.fit(X, Y)
    with pytest.raises(am.AmbiError, match="unknown optimizer"):
        model.compile(optimizer="adagrad-ish", loss="mse")
    model.compile(loss="mse")
    with pytest.raises(am.AmbiError, match="samples"):
        model.fit(X, Y[:10], verbose=0)
    with pytest.raises(am.AmbiError, match="batch_size"):
        model.fit(X, Y, batch_size=0, verbose=0)


def test_digits_split_is_fixed_and_complete():
    (xt, yt), (xs, ys) = am.datasets.digits()
    assert xt.shape == (1437, 8, 8) and xs.shape == (360, 8, 8)
    assert xt.dtype == np.int32 and xt.max() == 16 and set(np.unique(yt)) == set(range(10))
    assert np.bincount(ys).min() >= 20  # every class is well represented in the test split
    (xt2, _), _ = am.datasets.digits()
    np.testing.assert_array_equal(xt, xt2)
    assert "handwritten" in am.datasets.digits_description().lower()
