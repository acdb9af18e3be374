"""Layers against numpy references, deferred build, weights, Dropout's masks, and
am.nn.Model's attribute tracking (the guide's Linear model)."""
import pathlib
import sys

import numpy as np
import pytest

import ambi as am

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _conv_ref(x, f, stride, pad):
    """Direct convolution, one output pixel at a time (NHWC, TensorFlow's SAME split)."""
    kh, kw, _, o = f.shape
    n, h, w, _ = x.shape
    if pad == "SAME":
        oh, ow = -(-h // stride), -(-w // stride)
        ph, pw = max((oh - 1) * stride + kh - h, 0), max((ow - 1) * stride + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            win = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(win, f, axes=([1, 2, 3], [0, 1, 2]))
    return out


def test_dense_matches_numpy_and_builds_on_first_call():
    layer = am.nn.Dense(3, activation="relu")
    assert layer.variables == [] and not layer.built
    x = _x(4, 5)
    y = layer(x)
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    assert k.shape == (5, 3) and [v.name for v in layer.variables] == \
        [f"{layer.name}/kernel", f"{layer.name}/bias"]
    np.testing.assert_allclose(y.numpy(), np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-6)


def test_input_shape_builds_at_once():
    assert am.nn.Dense(2, input_shape=(7,)).kernel.shape == (7, 2)
    assert am.nn.Conv2D(4, 3, input_shape=(None, None, 2)).kernel.shape == (3, 3, 2, 4)


@pytest.mark.parametrize("stride,padding", [(1, "valid"), (1, "same"), (2, "same"),
                                            (2, "valid")])
def test_conv2d_layer_matches_a_direct_convolution(stride, padding):
    layer = am.nn.Conv2D(5, (3, 2), strides=stride, padding=padding, activation="tanh")
    x = _x(2, 7, 6, 3)
    y = layer(x).numpy()
    ref = np.tanh(_conv_ref(x, layer.kernel.numpy(), stride, padding.upper())
                  + layer.bias.numpy())
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_conv2d_with_a_window_bigger_than_its_output():
    x, f = _x(3, 6, 7, 2), _x(5, 5, 2, 4)  # 2x3 outputs, 25 taps: one matmul per output
    for stride, pad in [(1, "VALID"), (2, "SAME")]:
        got = am.conv2d(x, f, strides=stride, padding=pad).numpy()
        np.testing.assert_allclose(got, _conv_ref(x, f, stride, pad), rtol=1e-5, atol=1e-5)


def test_pooling_flatten_and_activation():
    x = _x(2, 4, 6, 3)
    pooled = am.nn.MaxPool2D()(x).numpy()
    np.testing.assert_array_equal(pooled, x.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4)))
    np.testing.assert_allclose(am.nn.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)),
                               rtol=1e-6)
    np.testing.assert_array_equal(am.nn.Flatten()(x).numpy(), x.reshape(2, -1))
    np.testing.assert_array_equal(am.nn.Activation("relu")(x).numpy(), np.maximum(x, 0))
    assert am.nn.MaxPool2D(3, strides=1, padding="same")(x).shape == (2, 4, 6, 3)


def test_layer_argument_errors():
    with pytest.raises(am.AmbiError, match="padding"):
        am.nn.Conv2D(2, 3, padding="full")
    with pytest.raises(am.AmbiError, match="kernel_size"):
        am.nn.Conv2D(2, 0)
    with pytest.raises(am.AmbiError, match="rate"):
        am.nn.Dropout(1.5)
    with pytest.raises(am.AmbiError, match="NHWC"):
        am.nn.Conv2D(2, 3)(am.ones([4, 4]))


def test_get_and_set_weights():
    model = am.nn.Sequential([am.nn.Dense(3), am.nn.Dense(2)])
    model(_x(1, 4))
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(4, 3), (3,), (3, 2), (2,)]
    new = [w + 1 for w in weights]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(am.errors.ShapeError, match="kernel"):
        model.set_weights([np.zeros((5, 3))] + new[1:])
    with pytest.raises(am.AmbiError, match="4 weights"):
        model.set_weights(new[:2])


def test_layers_work_inside_am_function():
    model = am.nn.Sequential([am.nn.Conv2D(2, 3, padding="same", activation="relu"),
                              am.nn.MaxPool2D(), am.nn.Flatten(), am.nn.Dense(3)])
    x = am.constant(_x(2, 4, 4, 1))
    f = am.function(lambda x: model(x))
    np.testing.assert_allclose(f(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_dropout_is_off_unless_training_and_scales_what_it_keeps():
    x = am.ones([200, 50])
    layer = am.nn.Dropout(0.3, seed=7)
    np.testing.assert_array_equal(layer(x).numpy(), 1.0)
    y = layer(x, training=True).numpy()
    kept = y != 0
    assert 0.25 < 1 - kept.mean() < 0.35
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    y2 = layer(x, training=True).numpy()
    assert (y2 != y).any()  # a new mask every training call


def test_dropout_masks_are_the_same_eagerly_and_in_a_graph():
    def masks(graph):
        layer = am.nn.Dropout(0.5, seed=3)
        step = (lambda x: layer(x, training=True))
        step = am.function(step) if graph else step
        return [step(am.ones([4, 6])).numpy() for _ in range(3)]
    for e, g in zip(masks(False), masks(True)):
        np.testing.assert_array_equal(e, g)


class Linear(am.nn.Model):
    def __init__(self):
        super(Linear, self).__init__()
        self.W = am.Variable(5., name="weight")
        self.B = am.Variable(10., name="bias")

    def call(self, inputs):
        return inputs * self.W + self.B


class Nested(am.nn.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [am.nn.Dense(3), am.nn.Dense(2)]
        self.scale = am.Variable(1.0, trainable=False)
        self.head = Linear()
        self.drop = am.nn.Dropout(0.5, seed=1)

    def call(self, x, training=False):
        for b in self.blocks:
            x = b(x)
        return self.head(self.drop(x, training=training)) * self.scale


def test_model_tracks_attributes_in_order_and_nested():
    model = Nested()
    model(_x(2, 4), training=True)
    names = [v.name.split("/")[-1] for v in model.variables]
    assert names == ["kernel", "bias", "kernel", "bias", f"{model.scale.name}", "weight",
                     "bias", "calls"]
    assert len(model.trainable_variables) == 6
    assert all(v is not model.scale for v in model.trainable_variables)
    model.head.trainable = False
    assert len(model.trainable_variables) == 4


def test_the_guides_linear_model_trains_from_about_68_to_about_1():
    from examples import linear_model
    losses, w, b = linear_model.train()
    assert 60 < losses[0] < 75 and 0.9 < losses[-1] < 1.1
    assert abs(w - 3) < 0.1 and abs(b - 2) < 0.1


def test_model_without_call_says_so():
    class Empty(am.nn.Model):
        pass
    with pytest.raises(am.AmbiError, match="call"):
        Empty()(am.ones([1]))
