"""Layers: Dense, Conv2D, MaxPool2D, Flatten, GlobalAveragePooling2D, Dropout, Activation.
Weights are Variables created on the first call, from the input's shape (Keras' deferred
build), or at once when ``input_shape=`` is given."""
import itertools

import numpy as np

from .. import ops
from ..constructors import constant, convert_to_tensor, zeros_like
from ..errors import ArgumentError, DTypeError
from ..variables import Variable
from .module import Layer

_seeds = itertools.count(1)


def get_activation(activation):
    """None, a callable, "linear", or the name of an ambi op (``"relu"``, ``"tanh"``,
    ``"sigmoid"``, ``"softmax"``)."""
    if activation is None or callable(activation):
        return activation
    if activation == "linear":
        return None
    fn = getattr(ops, activation, None) if isinstance(activation, str) else None
    if fn is None:
        raise ArgumentError(f"unknown activation {activation!r}; use an op name such as "
                            "'relu' or a callable")
    return fn


def _float_input(layer, x):
    """x as a tensor; an int or bool input is refused with a hint that casts it to the
    layer's float dtype (float inputs were cast already, as Keras autocasts)."""
    x = convert_to_tensor(x)
    if not x.dtype.is_float:
        want = layer.dtype.name
        raise DTypeError(f"{layer.name}: the input is {x.dtype.name}, but the layer computes "
                         f"in {want}; convert the input with am.cast(x, am.{want})")
    return x


def _padding(padding):
    if not isinstance(padding, str) or padding.upper() not in ("VALID", "SAME"):
        raise ArgumentError(f'padding must be "valid" or "same", not {padding!r}')
    return padding.upper()


def _pair(v, what):
    v = (v, v) if isinstance(v, int) else tuple(v)
    if len(v) != 2 or any(not isinstance(i, int) or i < 1 for i in v):
        raise ArgumentError(f"{what} must be a positive int or a pair of them, got {v!r}")
    return v


class Dense(Layer):
    """``activation(x @ kernel + bias)``, Glorot-uniform kernel, zero bias.

    >>> layer = am.nn.Dense(4, activation="relu")
    >>> layer(am.ones([2, 3])).shape
    (2, 4)
    """

    def __init__(self, units, activation=None, use_bias=True, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.units, self.use_bias = units, use_bias
        self.activation = get_activation(activation)
        self.seed = next(_seeds) if seed is None else seed
        self.kernel = self.bias = None
        self.maybe_build()

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ArgumentError(f"{self.name}: the last input dimension must be known")
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units),
                                      "glorot_uniform", seed=self.seed)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.units,))

    def call(self, x):
        y = ops.matmul(_float_input(self, x), self.kernel)
        if self.use_bias:
            y = y + self.bias
        return self.activation(y) if self.activation else y


class Conv2D(Layer):
    """2-D convolution over NHWC input: ``am.nn.Conv2D(16, [3, 3], activation="relu")``.

    >>> am.nn.Conv2D(4, 3, padding="same")(am.ones([1, 8, 8, 1])).shape
    (1, 8, 8, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None,
                 use_bias=True, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.filters, self.use_bias = filters, use_bias
        self.kernel_size = _pair(kernel_size, "Conv2D kernel_size")
        self.strides = _pair(strides, "Conv2D strides")
        self.padding = _padding(padding)
        self.activation = get_activation(activation)
        self.seed = next(_seeds) if seed is None else seed
        self.kernel = self.bias = None
        self.maybe_build()

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ArgumentError(f"{self.name}: input must be NHWC with known channels, "
                                f"got shape {input_shape}")
        shape = self.kernel_size + (input_shape[-1], self.filters)
        self.kernel = self.add_weight("kernel", shape, "glorot_uniform", seed=self.seed)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,))

    def call(self, x):
        y = ops.conv2d(_float_input(self, x), self.kernel, strides=self.strides,
                       padding=self.padding)
        if self.use_bias:
            y = y + self.bias
        return self.activation(y) if self.activation else y


class MaxPool2D(Layer):
    """Max over windows: ``am.nn.MaxPool2D(pool_size=2)`` (strides default to the pool size).

    >>> am.nn.MaxPool2D()(am.ones([1, 4, 4, 3])).shape
    (1, 2, 2, 3)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = _pair(pool_size, "MaxPool2D pool_size")
        self.strides = self.pool_size if strides is None else _pair(strides, "MaxPool2D strides")
        self.padding = _padding(padding)

    def call(self, x):
        return ops.max_pool2d(convert_to_tensor(x), ksize=self.pool_size, strides=self.strides,
                              padding=self.padding)


class Flatten(Layer):
    """Keep the batch dimension, flatten the rest.

    >>> am.nn.Flatten()(am.ones([2, 3, 4])).shape
    (2, 12)
    """

    def call(self, x):
        x = convert_to_tensor(x)
        return ops.reshape(x, (x.shape[0], int(np.prod(x.shape[1:], dtype=np.int64))))


class GlobalAveragePooling2D(Layer):
    """Mean over height and width of NHWC input.

    >>> am.nn.GlobalAveragePooling2D()(am.ones([2, 5, 5, 3])).shape
    (2, 3)
    """

    def call(self, x):
        return ops.reduce_mean(convert_to_tensor(x), axis=(1, 2))


class Activation(Layer):
    """An activation as a layer: ``am.nn.Activation("relu")``.

    >>> am.nn.Activation("relu")(am.constant([-1.0, 2.0]))
    ambi.Tensor([0. 2.], shape=(2,), dtype=float32)
    """

    def __init__(self, activation, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.activation = get_activation(activation)

    def call(self, x):
        x = convert_to_tensor(x)
        return self.activation(x) if self.activation else x


# A 31-bit hash evaluated with int64 ops, so eager, graph and OpenCL draw the same mask
_P, _STEP, _MIX, _MUL = 2 ** 31 - 1, 40503, 12345, 48271


class Dropout(Layer):
    """Zero a fraction ``rate`` of the inputs and scale the rest by ``1/(1-rate)``, only
    when called with ``training=True``. The mask is a hash of (seed, element, call
    count), so every mode draws the same masks, and each training call a new one.

    >>> am.nn.Dropout(0.5, seed=1)(am.ones([4]))  # not training: the input
    ambi.Tensor([1. 1. 1. 1.], shape=(4,), dtype=float32)
    """

    def __init__(self, rate, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not 0 <= rate < 1:
            raise ArgumentError(f"Dropout rate must be in [0, 1), not {rate!r}")
        self.rate = float(rate)
        self.seed = next(_seeds) if seed is None else seed
        self._bases = {}

    def build(self, input_shape):
        # counts training calls; a checkpoint keeps it, so a restored run draws the same masks
        self.calls = Variable(0, name=f"{self.name}/calls", trainable=False, dtype="int64")

    def call(self, x, training=False):
        x = convert_to_tensor(x)
        if not training or self.rate == 0:
            return x
        count = self.calls.read_value()
        self.calls.assign(count + 1)
        h = ops.mod(self._base(x.shape) + count * _STEP, _P)
        h = ops.mod(ops.mod(h * h + _MIX, _P) * _MUL, _P)
        keep = ops.greater_equal(ops.cast(h, x.dtype), self.rate * _P)
        return ops.where(keep, x * (1.0 / (1.0 - self.rate)), zeros_like(x))

    def _base(self, shape):
        if shape not in self._bases:
            rng = np.random.default_rng(self.seed)
            self._bases[shape] = rng.integers(0, _P, size=shape, dtype=np.int64)
        return constant(self._bases[shape])
