"""Metrics: running means kept in two float32 Variables (``total``, ``count``), so they
update the same way eagerly and inside a traced training step.

>>> m = am.metrics.Mean("loss")
>>> m(0); m(5); float(m.result())
2.5
"""
import numpy as np

from .. import ops
from ..constructors import convert_to_tensor
from ..errors import ArgumentError
from ..variables import Variable
from .module import Layer


class Metric(Layer):
    """Base: ``update_state(...)``, ``result()``, ``reset_state()``; calling a metric
    updates it and returns the result."""

    def __init__(self, name=None, dtype="float32"):
        super().__init__(name=name, trainable=False)
        self.total = Variable(0.0, name=f"{self.name}/total", trainable=False, dtype=dtype)
        self.count = Variable(0.0, name=f"{self.name}/count", trainable=False, dtype=dtype)
        self.built = True

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def _add(self, values, sample_weight=None):
        values = convert_to_tensor(values)
        if values.dtype is not self.total.dtype:
            values = ops.cast(values, self.total.dtype)
        if isinstance(sample_weight, (int, float)) and not values.shape:
            # one value, one weight (fit's loss tracker): the sums are the value and weight
            w = np.asarray(sample_weight, self.total.dtype.np)
            self.total.assign_add(values * w)
            self.count.assign_add(w)
            return
        if sample_weight is None:
            n = float(np.prod(values.shape, dtype=np.int64))
            self.total.assign_add(ops.reduce_sum(values))
            self.count.assign_add(np.asarray(n, self.count.dtype.np))
            return
        w = ops.broadcast_to(ops.cast(convert_to_tensor(sample_weight), self.total.dtype),
                             shape=values.shape)
        self.total.assign_add(ops.reduce_sum(values * w))
        self.count.assign_add(ops.reduce_sum(w))

    def result(self):
        """The running mean (0 before any update)."""
        count = self.count.read_value()
        return self.total.read_value() / ops.maximum(count, 1e-30)

    def reset_state(self):
        """Forget every update."""
        self.total.assign(np.zeros((), self.total.dtype.np))
        self.count.assign(np.zeros((), self.count.dtype.np))

    reset_states = reset_state

    def value(self):
        """The result as a Python float (eager only)."""
        count = float(self.count.numpy())
        return float(self.total.numpy()) / count if count else 0.0


class Mean(Metric):
    """The weighted mean of every value seen: ``m = am.metrics.Mean("loss"); m([8, 9])``."""

    def update_state(self, values, sample_weight=None):
        self._add(values, sample_weight)


class _Matches(Metric):
    """The fraction of predictions that match their labels (``matches`` says how)."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = convert_to_tensor(y_pred)
        self._add(self.matches(convert_to_tensor(y_true), y_pred), sample_weight)


class Accuracy(_Matches):
    """How often ``y_pred == y_true`` exactly.

    >>> am.metrics.Accuracy()([1, 2, 3], [1, 2, 0]).numpy()
    0.6666667
    """

    def matches(self, y_true, y_pred):
        return ops.equal(ops.cast(y_pred, y_true.dtype), y_true)


class SparseCategoricalAccuracy(_Matches):
    """How often the arg-max of the class scores is the integer label.

    >>> am.metrics.SparseCategoricalAccuracy()([1], [[0.1, 0.9]]).numpy()
    1.0
    """

    def matches(self, y_true, y_pred):
        labels = ops.cast(y_true, "int64")
        if len(labels.shape) == len(y_pred.shape):  # labels of shape (N, 1)
            labels = ops.squeeze(labels, axis=-1)
        return ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int64"), labels)


class CategoricalAccuracy(_Matches):
    """How often the arg-max of the scores is the arg-max of the one-hot label."""

    def matches(self, y_true, y_pred):
        return ops.equal(ops.argmax(y_pred, axis=-1), ops.argmax(y_true, axis=-1))


class BinaryAccuracy(_Matches):
    """How often ``y_pred > threshold`` agrees with the 0/1 label.

    >>> am.metrics.BinaryAccuracy()([[1.0], [0.0]], [[0.7], [0.6]]).numpy()
    0.5
    """

    def __init__(self, name=None, threshold=0.5, **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = threshold

    def matches(self, y_true, y_pred):
        truth = ops.greater(ops.cast(y_true, y_pred.dtype), self.threshold)
        return ops.equal(ops.greater(y_pred, self.threshold), truth)


NAMES = {"sparse_categorical_accuracy": SparseCategoricalAccuracy,
         "categorical_accuracy": CategoricalAccuracy, "binary_accuracy": BinaryAccuracy,
         "mean": Mean}
# "accuracy" means the variant that fits the loss, as in Keras
_ACCURACY_FOR_LOSS = {"SparseCategoricalCrossentropy": SparseCategoricalAccuracy,
                      "CategoricalCrossentropy": CategoricalAccuracy,
                      "BinaryCrossentropy": BinaryAccuracy}


def get(identifier, loss=None):
    """A metric from a name (``"accuracy"`` picks the one that fits ``loss``) or an object.

    >>> am.metrics.get("accuracy", am.losses.BinaryCrossentropy()).name
    'accuracy'
    """
    if isinstance(identifier, Metric):
        return identifier
    if identifier in ("accuracy", "acc"):
        cls = _ACCURACY_FOR_LOSS.get(type(loss).__name__, Accuracy)
        return cls(name="accuracy")
    if identifier in NAMES:
        return NAMES[identifier](name=identifier)
    raise ArgumentError(f"unknown metric {identifier!r}; use 'accuracy', one of "
                        f"{sorted(NAMES)} or a Metric object")
