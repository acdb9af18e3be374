"""Layers: Dense and Sequential. Weights are Variables created on the first call, when
the input's last dimension is known (Keras' deferred build)."""
import itertools

import numpy as np

from .. import ops
from ..variables import Variable

_seeds = itertools.count(1)


def get_activation(activation):
    """None, a callable, or the name of an ambi op (``"relu"``, ``"tanh"``, ``"sigmoid"``)."""
    if activation is None or callable(activation):
        return activation
    fn = getattr(ops, activation, None)
    if fn is None:
        from ..errors import ArgumentError
        raise ArgumentError(f"unknown activation {activation!r}; use an op name such as "
                            "'relu' or a callable")
    return fn


class Dense:
    """``activation(x @ kernel + bias)``, Glorot-uniform kernel, zero bias.

    >>> layer = am.nn.Dense(4, activation="relu")
    >>> layer(am.ones([2, 3])).shape
    (2, 4)
    """

    def __init__(self, units, activation=None, use_bias=True, seed=None, name=None):
        self.units, self.use_bias = units, use_bias
        self.activation = get_activation(activation)
        self.seed = next(_seeds) if seed is None else seed
        self.name = name or f"dense_{self.seed}"
        self.kernel = self.bias = None

    def build(self, in_dim, dtype):
        limit = np.sqrt(6.0 / (in_dim + self.units))
        from .. import random
        # a callable: Variable evaluates it eagerly, even when first called inside a trace
        init = lambda: random.uniform((in_dim, self.units), -limit, limit, self.seed, dtype)
        self.kernel = Variable(init, name=f"{self.name}/kernel")
        if self.use_bias:
            self.bias = Variable(np.zeros(self.units, dtype.np), name=f"{self.name}/bias")

    def __call__(self, x):
        from ..constructors import convert_to_tensor
        x = convert_to_tensor(x)
        if self.kernel is None:
            self.build(x.shape[-1], x.dtype)
        y = ops.matmul(x, self.kernel)
        if self.use_bias:
            y = y + self.bias
        return self.activation(y) if self.activation else y

    @property
    def trainable_variables(self):
        return [v for v in (self.kernel, self.bias) if v is not None and v.trainable]


class Sequential:
    """Layers applied in order. ``model = am.nn.Sequential([am.nn.Dense(8, "relu"),
    am.nn.Dense(1)]); model(x); model.trainable_variables``"""

    def __init__(self, layers=()):
        self.layers = list(layers)

    def add(self, layer):
        self.layers.append(layer)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def trainable_variables(self):
        return [v for layer in self.layers for v in getattr(layer, "trainable_variables", [])]
