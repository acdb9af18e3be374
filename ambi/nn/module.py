"""Layer: the base of every layer and model. Variables, layers and lists of them that are
set as attributes are tracked, in assignment order and nested, as Keras tracks them; the
attribute path (``layers/0/kernel``) names each variable in checkpoints."""
import inspect
import itertools
import os
import re
from collections import defaultdict

import numpy as np

from .. import random
from ..constructors import constant
from ..core import Tensor
from ..dtypes import as_dtype
from ..ops import cast
from ..errors import ArgumentError, ShapeError
from ..variables import Variable
from .checkpoint import _sub, read_checkpoint, restore_into, write_checkpoint
from .tracking import Trackable, children, walk_variables

_name_counts = defaultdict(itertools.count)


def unique_name(prefix):
    """Keras' naming: ``dense``, ``dense_1``, ``dense_2`` ..."""
    n = next(_name_counts[prefix])
    return prefix if n == 0 else f"{prefix}_{n}"


def snake_case(name):
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Layer(Trackable):
    """Base of layers and models: ``__call__(x, training=False)`` builds the layer on the
    first call from the input's shape, then runs ``call``.

    >>> class Scale(am.nn.Layer):
    ...     def build(self, input_shape):
    ...         self.w = am.Variable(np.ones(input_shape[-1], np.float32))
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(am.ones([2, 3])).shape
    (2, 3)
    """

    def __init__(self, name=None, trainable=True, input_shape=None, dtype=None):
        self.__dict__.setdefault("_tracked", {})
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = trainable
        self.dtype = as_dtype(dtype or "float32")  # of the weights; float inputs are cast
        self.built = False
        self.input_shape = None if input_shape is None else (None,) + tuple(input_shape)
        self.output_shape = None
        self._deferred = {}  # checkpoint values for variables not created yet

    def _on_track(self, name, value):
        """Assign checkpoint values that waited for this attribute (deferred restore)."""
        deferred = self.__dict__.get("_deferred")
        if not deferred:
            return
        sub = _sub(deferred, name)
        for k in sub:
            del deferred[f"{name}/{k}" if k else name]
        if sub:
            restore_into(value, sub)

    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape``; layers override this."""

    def call(self, inputs, training=False):
        raise ArgumentError(f"{type(self).__name__} has no call method: subclasses of "
                            "am.nn.Model define call(self, inputs)")

    def __call__(self, inputs, *args, training=False, **kwargs):
        inputs = self._autocast(inputs)
        if not self.built:
            self.build(tuple(getattr(inputs, "shape", ())))
            self.built = True
        if _takes_training(type(self).call):
            kwargs["training"] = training
        out = self.call(inputs, *args, **kwargs)
        shape = getattr(out, "shape", None)
        self.output_shape = (None,) + tuple(shape[1:]) if shape else shape
        return out

    def _autocast(self, inputs):
        """Arrays become tensors; float inputs take the layer's dtype (Keras' autocast)."""
        if isinstance(inputs, np.ndarray):
            inputs = constant(inputs)
        dtype = getattr(inputs, "dtype", None)
        if isinstance(inputs, Tensor) and dtype.is_float and dtype is not self.dtype:
            inputs = cast(inputs, self.dtype)
        return inputs

    def maybe_build(self):
        """Build now when ``input_shape=`` gave every dimension the weights need."""
        if self.input_shape is not None and not self.built:
            self.build(self.input_shape)
            self.built = True

    def add_weight(self, name, shape, initializer="zeros", dtype=None, trainable=True,
                   seed=None):
        """A Variable named ``<layer>/<name>``; initializer "zeros", "ones", "glorot_uniform"
        or a callable ``(shape, dtype) -> array``; the dtype defaults to the layer's."""
        dtype = as_dtype(dtype or self.dtype)
        init = _initializer(initializer, tuple(shape), dtype, seed)
        return Variable(init, name=f"{self.name}/{name}", trainable=trainable, dtype=dtype)

    @property
    def variables(self):
        """Every variable of this layer and its sub-layers, in attribute order."""
        return [v for _, v in walk_variables(self)]

    weights = variables

    @property
    def trainable_variables(self):
        if not self.trainable:
            return []
        out, seen = [], set()
        for _, child in children(self):
            for v in _trainable(child):
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        ids = {id(v) for v in self.trainable_variables}
        return [v for v in self.variables if id(v) not in ids]

    @property
    def submodules(self):
        return [c for _, c in children(self) if isinstance(c, Layer)]

    def get_weights(self):
        """The values of ``variables`` as numpy arrays."""
        return [v.numpy() for v in self.variables]

    def set_weights(self, weights):
        """Assign numpy arrays to ``variables``, in order; shapes must match."""
        variables = self.variables
        if len(weights) != len(variables):
            raise ArgumentError(f"set_weights: {self.name} has {len(variables)} weights, "
                                f"{len(weights)} were given")
        for v, w in zip(variables, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v.shape):
                raise ShapeError(f"set_weights: variable {v.name!r} has shape "
                                 f"{tuple(v.shape)}, the value has {tuple(w.shape)}")
            v.assign(w.astype(v.dtype.np))

    def save_weights(self, filepath):
        """Write every variable to ``filepath`` (``.npz`` plus a ``.json`` index)."""
        write_checkpoint(os.fspath(filepath), self)

    def load_weights(self, filepath):
        """Read weights written by ``save_weights``; returns a restore status."""
        return read_checkpoint(os.fspath(filepath), self)

    def count_params(self):
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.variables))

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


def _trainable(obj):
    if isinstance(obj, Variable):
        return [obj] if obj.trainable else []
    if isinstance(obj, Layer):
        return obj.trainable_variables
    return [v for _, c in children(obj) for v in _trainable(c)]


_TAKES_TRAINING = {}


def _takes_training(call):
    if call not in _TAKES_TRAINING:
        params = inspect.signature(call).parameters
        _TAKES_TRAINING[call] = "training" in params or any(
            p.kind is p.VAR_KEYWORD for p in params.values())
    return _TAKES_TRAINING[call]


def _initializer(init, shape, dtype, seed):
    if callable(init):
        return lambda: np.asarray(init(shape, dtype), dtype.np)
    if init == "zeros":
        return np.zeros(shape, dtype.np)
    if init == "ones":
        return np.ones(shape, dtype.np)
    if init == "glorot_uniform":
        fan_in, fan_out = _fans(shape)
        limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
        # a callable: Variable evaluates it eagerly, even when first called inside a trace
        return lambda: random.uniform(shape, -limit, limit, seed, dtype)
    raise ArgumentError(f"unknown initializer {init!r}; use 'zeros', 'ones', "
                        "'glorot_uniform' or a callable")


def _fans(shape):
    """Keras' fans: a conv kernel (kh, kw, in, out) counts its receptive field."""
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in = shape[-2] if len(shape) > 1 else shape[0]
    return fan_in * receptive, shape[-1] * receptive
