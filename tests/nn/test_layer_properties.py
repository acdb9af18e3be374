"""Hypothesis over layer configurations, in float64: outputs and gradients (input and
weights) are the same eagerly and in a traced function (SPEC section 9's float64
tolerance), and gradients agree with central finite differences."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import ambi as am

RTOL = ATOL = 1e-12
FD_EPS, FD_TOL = 1e-6, 1e-6


@st.composite
def layer_cases(draw):
    kind = draw(st.sampled_from(["dense", "conv", "pool", "gap", "flatten"]))
    n, h, w, c = (draw(st.integers(1, 2)), draw(st.integers(3, 6)), draw(st.integers(3, 6)),
                  draw(st.integers(1, 3)))
    padding = draw(st.sampled_from(["valid", "same"]))
    stride = draw(st.integers(1, 2))
    k = draw(st.integers(1, 3))
    if kind == "dense":
        layer, shape = am.nn.Dense(draw(st.integers(1, 4)), activation="tanh",
                                   dtype="float64"), (n, c + 1)
    elif kind == "conv":
        layer = am.nn.Conv2D(draw(st.integers(1, 3)), (k, draw(st.integers(1, 3))),
                             strides=stride, padding=padding, activation="tanh",
                             dtype="float64")
        shape = (n, h, w, c)
    elif kind == "pool":
        layer = am.nn.MaxPool2D(k, strides=stride, padding=padding, dtype="float64")
        shape = (n, h, w, c)
    else:
        cls = am.nn.GlobalAveragePooling2D if kind == "gap" else am.nn.Flatten
        layer, shape = cls(dtype="float64"), (n, h, w, c)
    seed = draw(st.integers(0, 2 ** 16))
    return layer, np.random.default_rng(seed).standard_normal(shape)


def _loss_and_grads(layer, x, weights):
    with am.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = am.reduce_sum(y * weights)
    grads = tape.gradient(loss, [x] + layer.trainable_variables)
    return y, loss, grads


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=RTOL, atol=ATOL)


@given(layer_cases())
def test_layer_outputs_and_gradients_eager_graph_and_finite_differences(case):
    layer, x_np = case
    x = am.constant(x_np)
    y = layer(x)  # builds the layer
    weights = am.constant(np.random.default_rng(1).standard_normal(y.shape))
    y_e, loss_e, grads_e = _loss_and_grads(layer, x, weights)
    y_g, loss_g, grads_g = am.function(lambda x: _loss_and_grads(layer, x, weights))(x)
    _close(y_g, y_e)
    for ge, gg in zip(grads_e, grads_g):
        _close(gg, ge)
    _check_finite_differences(layer, x_np, weights, grads_e)


def _check_finite_differences(layer, x_np, weights, grads):
    def loss_at(x_val):
        return float(np.asarray(am.reduce_sum(layer(am.constant(x_val)) * weights)))
    rng = np.random.default_rng(2)
    for idx in map(tuple, rng.integers(0, x_np.shape, size=(4, x_np.ndim))):
        up, down = x_np.copy(), x_np.copy()
        up[idx] += FD_EPS
        down[idx] -= FD_EPS
        fd = (loss_at(up) - loss_at(down)) / (2 * FD_EPS)
        np.testing.assert_allclose(np.asarray(grads[0])[idx], fd, rtol=FD_TOL, atol=FD_TOL)
    for var, g in zip(layer.trainable_variables, grads[1:]):
        value = var.numpy()
        idx = tuple(rng.integers(0, value.shape))
        shifted = []
        for sign in (1, -1):
            v = value.copy()
            v[idx] += sign * FD_EPS
            var.assign(v)
            shifted.append(loss_at(x_np))
        var.assign(value)
        fd = (shifted[0] - shifted[1]) / (2 * FD_EPS)
        np.testing.assert_allclose(np.asarray(g)[idx], fd, rtol=FD_TOL, atol=FD_TOL)
