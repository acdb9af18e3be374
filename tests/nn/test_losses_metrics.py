"""Losses against numpy formulas (and their stability), metrics as the guide uses them."""
import numpy as np
import pytest

import ambi as am

RNG = np.random.default_rng(1)
LOGITS = RNG.standard_normal((6, 4)).astype(np.float32) * 3
LABELS = np.array([0, 3, 1, 2, 3, 0])


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_sparse_categorical_crossentropy_from_logits_and_probabilities():
    want = -_log_softmax(LOGITS.astype(np.float64))[np.arange(6), LABELS].mean()
    loss = am.losses.SparseCategoricalCrossentropy(from_logits=True)
    np.testing.assert_allclose(float(loss(LABELS, LOGITS)), want, rtol=1e-5)
    probs = np.exp(_log_softmax(LOGITS))
    loss = am.losses.SparseCategoricalCrossentropy()
    np.testing.assert_allclose(float(loss(LABELS, probs)), want, rtol=1e-4)
    np.testing.assert_allclose(float(loss(LABELS[:, None], probs)), want, rtol=1e-4)


def test_categorical_crossentropy_matches_the_sparse_one():
    onehot = np.eye(4, dtype=np.float32)[LABELS]
    a = am.losses.CategoricalCrossentropy(from_logits=True)(onehot, LOGITS)
    b = am.losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, LOGITS)
    np.testing.assert_allclose(float(a), float(b), rtol=1e-6)


def test_binary_crossentropy_is_stable_for_large_logits():
    z = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)
    x = np.array([[200.0], [-200.0], [-100.0], [3.0]], np.float32)
    got = am.losses.BinaryCrossentropy(from_logits=True)(z, x).numpy()
    want = np.mean(np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))))
    assert np.isfinite(got)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    p = 1 / (1 + np.exp(-np.array([[0.5], [-1.0]])))
    bce = am.losses.BinaryCrossentropy()([[1.0], [0.0]], p.astype(np.float32))
    want = -np.mean([np.log(p[0, 0]), np.log(1 - p[1, 0])])
    np.testing.assert_allclose(float(bce), want, rtol=1e-5)
    assert np.isfinite(float(am.losses.BinaryCrossentropy()([[1.0]], [[0.0]])))


def test_mse_names_and_reductions():
    y, p = np.ones((3, 2), np.float32), np.zeros((3, 2), np.float32)
    assert float(am.losses.MeanSquaredError()(y, p)) == 1.0
    assert am.losses.MeanSquaredError(reduction="none")(y, p).shape == (3,)
    assert float(am.losses.MeanSquaredError(reduction="sum")(y, p)) == 3.0
    assert isinstance(am.losses.get("sparse_categorical_crossentropy"),
                      am.losses.SparseCategoricalCrossentropy)
    with pytest.raises(am.AmbiError, match="unknown loss"):
        am.losses.get("hinge-ish")


def test_the_guides_mean_metric_prints_2_5_then_5_5(capsys):
    m = am.metrics.Mean("loss")
    m(0)
    m(5)
    print(m.result().numpy())  # => 2.5
    m([8, 9])
    print(m.result().numpy())  # => 5.5
    assert capsys.readouterr().out == "2.5\n5.5\n"
    m.reset_state()
    assert float(m.result()) == 0.0


def test_accuracy_metrics():
    acc = am.metrics.SparseCategoricalAccuracy()
    acc.update_state(LABELS, LOGITS)
    np.testing.assert_allclose(float(acc.result()), np.mean(LOGITS.argmax(-1) == LABELS),
                               rtol=1e-6)
    cat = am.metrics.CategoricalAccuracy()
    cat.update_state(np.eye(4)[LABELS], LOGITS)
    assert float(cat.result()) == float(acc.result())
    assert float(am.metrics.Accuracy()([1, 2, 3, 4], [1, 2, 0, 4])) == 0.75
    assert float(am.metrics.BinaryAccuracy()([[1.0], [0.0]], [[0.7], [0.2]])) == 1.0
    assert isinstance(am.metrics.get("accuracy", am.losses.BinaryCrossentropy()),
                      am.metrics.BinaryAccuracy)
    with pytest.raises(am.AmbiError, match="unknown metric"):
        am.metrics.get("f1")


def test_metrics_update_the_same_inside_a_graph():
    eager, graph = am.metrics.SparseCategoricalAccuracy(), am.metrics.SparseCategoricalAccuracy()
    step = am.function(lambda y, p: graph.update_state(y, p))
    for i in range(3):
        y, p = am.constant(LABELS[i:i + 3]), am.constant(LOGITS[i:i + 3])
        eager.update_state(y, p)
        step(y, p)
    assert float(eager.result()) == float(graph.result())


def test_weighted_mean():
    m = am.metrics.Mean()
    m.update_state([1.0, 3.0], sample_weight=[3.0, 1.0])
    assert float(m.result()) == 1.5
