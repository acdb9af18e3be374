"""Model: a Layer with Keras' training loop. ``compile`` picks the optimizer, loss and
metrics; ``fit`` runs one ``train_step`` per batch, traced once per batch shape by
``am.function`` (or eagerly with ``run_eagerly=True``); ``evaluate`` and ``predict``."""
import numpy as np

from ..autodiff import GradientTape
from ..errors import ArgumentError
from ..function import function
from . import losses as losses_mod
from . import metrics as metrics_mod
from . import optimizers as optimizers_mod
from .batches import Progress, batches_of
from .module import Layer


class History:
    """What ``fit`` returns: ``history.history["loss"]`` is the loss of each epoch."""

    def __init__(self, params):
        self.history, self.epoch, self.params = {}, [], params

    def record(self, epoch, logs):
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self):
        return f"<History epochs={len(self.epoch)} keys={sorted(self.history)}>"


class Model(Layer):
    """Subclass and define ``call``; Variables and layers set as attributes are tracked.

    >>> class Linear(am.nn.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.W = am.Variable(5.0, name="weight")
    ...         self.B = am.Variable(10.0, name="bias")
    ...     def call(self, inputs):
    ...         return inputs * self.W + self.B
    >>> [v.name for v in Linear().trainable_variables]
    ['weight', 'bias']
    """

    optimizer = None
    run_eagerly = False
    _optimize = 2

    def compile(self, optimizer="adam", loss=None, metrics=None, run_eagerly=False,
                optimize=2):
        """Choose how ``fit`` trains: an optimizer (``"adam"``, ``"sgd"`` or an object), a
        loss (a name, a Loss or a callable), metric names or objects; ``run_eagerly``
        runs each step as plain Python, ``optimize`` is the graph's ``-O`` level.

        >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])  # doctest: +SKIP
        """
        if loss is None:
            raise ArgumentError("compile needs a loss, e.g. loss='mse'")
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)
        self._metrics = [metrics_mod.get(m, self.loss) for m in metrics or []]
        self._loss_tracker = metrics_mod.Mean("loss")
        self.run_eagerly, self._optimize = run_eagerly, optimize
        self._steps = {}

    @property
    def metrics(self):
        """The loss tracker and the compiled metrics (their running results)."""
        self._require_compiled("metrics")
        return [self._loss_tracker] + self._metrics

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def train_step(self, x, y):
        """One optimizer step on a batch; updates the metrics. Returns the batch loss."""
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss(y, y_pred)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        self._update_metrics(loss, y, y_pred)
        return loss

    def test_step(self, x, y):
        """The loss on a batch, without training; updates the metrics."""
        y_pred = self(x, training=False)
        loss = self.loss(y, y_pred)
        self._update_metrics(loss, y, y_pred)
        return loss

    def predict_step(self, x):
        return self(x, training=False)

    def _update_metrics(self, loss, y, y_pred):
        self._loss_tracker.update_state(loss, sample_weight=float(y_pred.shape[0]))
        for m in self._metrics:
            m.update_state(y, y_pred)

    def _step(self, name):
        """The bound step, wrapped once in ``am.function`` unless running eagerly."""
        fn = getattr(self, name)
        if self.run_eagerly:
            return fn
        steps = self.__dict__.setdefault("_steps", {})
        if name not in steps:
            steps[name] = function(fn, optimize=self._optimize)
        return steps[name]

    def _require_compiled(self, what):
        if self.optimizer is None or not hasattr(self, "_loss_tracker"):
            raise ArgumentError(f"{what}: call model.compile(optimizer=..., loss=...) first")

    def _reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _logs(self, prefix=""):
        return {prefix + m.name: m.value() for m in self.metrics}

    def fit(self, x=None, y=None, batch_size=32, epochs=1, verbose=1, validation_data=None,
            shuffle=True, seed=None, initial_epoch=0):
        """Train for ``epochs`` passes over (x, y) or a Dataset of (x, y) batches.
        Returns a ``History``; ``history.history`` maps "loss", each metric and their
        "val_" versions to one value per epoch.

        >>> history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)  # doctest: +SKIP
        """
        self._require_compiled("fit")
        step = self._step("train_step")
        rng = np.random.default_rng(seed)
        history = History({"epochs": epochs, "batch_size": batch_size, "verbose": verbose})
        data = None  # the arrays are checked and converted once, shuffled every epoch
        for epoch in range(initial_epoch, epochs):
            self._reset_metrics()
            if data is None:
                data = batches_of(x, y, batch_size, shuffle and rng)
            bar = Progress(data, verbose, f"Epoch {epoch + 1}/{epochs}")
            for xb, yb in bar:
                step(xb, yb)
                bar.show(self._logs)
            logs = self._logs()
            if validation_data is not None:
                logs.update(self._validate(validation_data, batch_size))
            bar.close(logs)
            history.record(epoch, logs)
        self.history = history
        return history

    def _validate(self, data, batch_size):
        if isinstance(data, (tuple, list)):
            results = self.evaluate(*data[:2], batch_size=batch_size, verbose=0,
                                    return_dict=True)
        else:
            results = self.evaluate(data, batch_size=batch_size, verbose=0, return_dict=True)
        return {"val_" + k: v for k, v in results.items()}

    def evaluate(self, x=None, y=None, batch_size=32, verbose=1, return_dict=False):
        """The loss and metrics over (x, y): a float when there are no metrics, else
        ``[loss, metric, ...]`` (a dict with ``return_dict=True``)."""
        self._require_compiled("evaluate")
        step = self._step("test_step")
        self._reset_metrics()
        bar = Progress(batches_of(x, y, batch_size, None), verbose, "Evaluate")
        for xb, yb in bar:
            step(xb, yb)
        logs = self._logs()
        bar.close(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=32, verbose=0):
        """The model's outputs for every sample of ``x``, as one numpy array."""
        fn = self._step("predict_step")
        bar = Progress(batches_of(x, None, batch_size, None), verbose, "Predict")
        outs = [np.asarray(fn(xb)) for xb, in bar]
        bar.close({})
        return np.concatenate(outs) if outs else np.zeros((0,))
