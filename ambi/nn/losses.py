"""Losses, as Keras defines them. Functions (``mean_squared_error``) return one loss per
sample; classes (``MeanSquaredError()``) average those over the batch. ``compile`` also
takes the string names (``"mse"``, ``"sparse_categorical_crossentropy"`` ...)."""
import numpy as np

from .. import ops
from ..constructors import convert_to_tensor
from ..errors import ArgumentError

EPSILON = 1e-7  # Keras' clip for probabilities, so log never sees 0


def _pair(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    return ops.cast(convert_to_tensor(y_true), y_pred.dtype), y_pred


def _clip(p):
    return ops.minimum(ops.maximum(p, EPSILON), 1.0 - EPSILON)


def mean_squared_error(y_true, y_pred):
    """Mean of squared differences over the last axis, as Keras computes it.

    >>> am.losses.mean_squared_error([[0.0, 2.0]], am.constant([[1.0, 0.0]]))
    ambi.Tensor([2.5], shape=(1,), dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    diff = ops.subtract(y_pred, y_true)
    return ops.reduce_mean(ops.multiply(diff, diff), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """``-log p[label]`` per sample; integer labels, class scores on the last axis.

    >>> am.losses.sparse_categorical_crossentropy([0], am.constant([[0.0, 0.0]]), True)
    ambi.Tensor([0.6931472], shape=(1,), dtype=float32)
    """
    y_pred = convert_to_tensor(y_pred)
    labels = convert_to_tensor(y_true)
    if not labels.dtype.is_int:  # float labels (1.0), as Keras takes them
        labels = ops.cast(labels, "int32")
    if len(labels.shape) == len(y_pred.shape):  # Keras accepts labels of shape (N, 1)
        labels = ops.squeeze(labels, axis=-1)
    # the label's log-probability, picked with a bool mask: one_hot's cast and product are
    # two ops more, and 0 * -inf would be nan where a class has probability 0
    hot = ops.equal(ops.expand_dims(labels, -1),
                    np.arange(y_pred.shape[-1], dtype=labels.dtype.np))
    picked = ops.where(hot, _log_probs(y_pred, from_logits), 0.0)
    return ops.negative(ops.reduce_sum(picked, axis=-1))


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """``-sum(y_true * log p)`` per sample; one-hot (or soft) labels.

    >>> am.losses.categorical_crossentropy([[1.0, 0.0]], am.constant([[0.0, 0.0]]), True)
    ambi.Tensor([0.6931472], shape=(1,), dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if not from_logits:  # Keras renormalizes probabilities that do not sum to one
        y_pred = y_pred / ops.reduce_sum(y_pred, axis=-1, keepdims=True)
    return ops.negative(ops.reduce_sum(y_true * _log_probs(y_pred, from_logits), axis=-1))


def _log_probs(y_pred, from_logits):
    return ops.log_softmax(y_pred) if from_logits else ops.log(_clip(y_pred))


def binary_crossentropy(y_true, y_pred, from_logits=False):
    """Mean over the last axis of ``-(z log p + (1-z) log(1-p))``; with logits, the stable
    ``max(x, 0) - x z + log1p(exp(-|x|))``.

    >>> am.losses.binary_crossentropy([[1.0]], am.constant([[0.0]]), from_logits=True)
    ambi.Tensor([0.6931472], shape=(1,), dtype=float32)
    """
    z, x = _pair(y_true, y_pred)
    if from_logits:
        per = ops.maximum(x, 0.0) - x * z + ops.log1p(ops.exp(ops.negative(ops.abs(x))))
    else:
        p = _clip(x)
        per = ops.negative(z * ops.log(p) + (1.0 - z) * ops.log(1.0 - p))
    return ops.reduce_mean(per, axis=-1)


class Loss:
    """A loss object: ``loss(y_true, y_pred)`` is the batch mean of the per-sample loss
    (Keras' ``sum_over_batch_size``); ``reduction="sum"`` or ``"none"`` change that."""

    fn = staticmethod(mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name=None, **options):
        if reduction not in ("sum_over_batch_size", "sum", "none"):
            raise ArgumentError(f"reduction must be 'sum_over_batch_size', 'sum' or 'none', "
                                f"not {reduction!r}")
        self.reduction, self.options = reduction, options
        self.name = name or type(self).__name__

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.options)

    def __call__(self, y_true, y_pred):
        per = self.call(y_true, y_pred)
        if self.reduction == "none":
            return per
        return ops.reduce_sum(per) if self.reduction == "sum" else ops.reduce_mean(per)


class MeanSquaredError(Loss):
    """``am.losses.MeanSquaredError()(y_true, y_pred)``: the batch mean of
    ``mean_squared_error``."""


class _FromLogits(Loss):
    """The cross-entropies, whose first argument is ``from_logits``."""

    def __init__(self, from_logits=False, **kwargs):
        super().__init__(from_logits=from_logits, **kwargs)


class SparseCategoricalCrossentropy(_FromLogits):
    """``am.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)``."""

    fn = staticmethod(sparse_categorical_crossentropy)


class CategoricalCrossentropy(_FromLogits):
    """``am.losses.CategoricalCrossentropy(from_logits=True)(one_hot, logits)``."""

    fn = staticmethod(categorical_crossentropy)


class BinaryCrossentropy(_FromLogits):
    """``am.losses.BinaryCrossentropy(from_logits=False)(labels, probabilities)``."""

    fn = staticmethod(binary_crossentropy)


mse = MSE = mean_squared_error

NAMES = {"mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
         "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
         "categorical_crossentropy": CategoricalCrossentropy,
         "binary_crossentropy": BinaryCrossentropy}


def get(identifier):
    """A loss from a name, a Loss object, or a callable ``(y_true, y_pred) -> loss``.

    >>> am.losses.get("mse")
    <ambi.nn.losses.MeanSquaredError object at ...>
    """
    if isinstance(identifier, str):
        if identifier not in NAMES:
            raise ArgumentError(f"unknown loss {identifier!r}; use one of {sorted(NAMES)}, "
                                "a Loss object or a callable")
        return NAMES[identifier]()
    if callable(identifier):
        return identifier
    raise ArgumentError(f"a loss must be a name, a Loss or a callable, not {identifier!r}")
