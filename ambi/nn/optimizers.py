"""Optimizers: SGD (with momentum) and Adam, as in Keras. Slots are Variables, created on
the first ``apply_gradients``, so a traced training step reads and writes them at run
time like the weights themselves."""
import numpy as np

from .. import core, ops
from ..errors import ArgumentError
from ..function import function
from ..variables import Variable


class Optimizer:
    """Base: ``apply_gradients(zip(grads, variables))`` updates each variable in place."""

    counts_steps = True  # keep ``iterations`` (a Variable); plain SGD has no use for it

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self._slots = {}  # (slot name, variable) -> Variable (the key keeps the variable alive)
        self.iterations = None
        self._consts = {}

    def apply_gradients(self, grads_and_vars):
        """Apply one step; pairs whose gradient is None are skipped. Returns None."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        self._per_step = {}  # values shared by every variable of this step (Adam's rate)
        step = None
        if self.counts_steps:
            if self.iterations is None:
                self.iterations = Variable(0, name="iterations", trainable=False, dtype="int64")
            step = self.iterations + 1
        for g, v in pairs:
            self._update(g, v, step)
        if step is not None:
            self.iterations.assign(step)

    def slot(self, var, name):
        """The optimizer's state ``name`` for ``var`` (zeros at first)."""
        key = (name, var)
        if key not in self._slots:
            self._slots[key] = Variable(np.zeros(var.shape, var.dtype.np),
                                        name=f"{var.name}/{name}", trainable=False)
        return self._slots[key]

    def const(self, value, dtype):
        """A hyperparameter as an eager tensor of ``dtype``, made once (a graph bakes it in)."""
        key = (value, dtype)
        if key not in self._consts:
            self._consts[key] = core.EagerTensor(np.asarray(value, dtype.np), dtype)
        return self._consts[key]


class SGD(Optimizer):
    """Gradient descent; with momentum m: ``v = m*v - lr*g; w += v`` (Keras' rule).

    >>> opt = am.optimizers.SGD(0.1)
    >>> w = am.Variable([1.0]); opt.apply_gradients([(am.constant([2.0]), w)])
    """

    counts_steps = False

    def __init__(self, learning_rate=0.01, momentum=0.0):
        super().__init__(learning_rate)
        self.momentum = momentum

    def _update(self, g, v, step):
        lr = self.const(self.learning_rate, v.dtype)
        if not self.momentum:
            v.assign_sub(lr * g)
            return
        velocity = self.slot(v, "momentum")
        velocity.assign(self.momentum * velocity - lr * g)
        v.assign_add(velocity)


class Adam(Optimizer):
    """Adam (Kingma & Ba) with Keras' defaults and bias correction folded into the rate.

    >>> opt = am.optimizers.Adam(learning_rate=0.001)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._fns = {}  # (what, variable or dtype, hyperparameters) -> am.function

    def _rate(self, step, dtype):
        """lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t), computed once per step and dtype."""
        if dtype not in self._per_step:
            self._per_step[dtype] = self._traced(("rate", dtype), self._rate_fn)(step)
        return self._per_step[dtype]

    def _rate_fn(self, dtype):
        lr, b1, b2 = self.learning_rate, self.beta_1, self.beta_2

        def adam_rate(step):
            t = ops.cast(step, dtype)
            return lr * ops.sqrt(1 - ops.pow(b2, t)) / (1 - ops.pow(b1, t))
        return adam_rate

    def _update(self, g, v, step):
        self._traced(("update", v), self._update_fn)(g, self._rate(step, v.dtype))

    def _traced(self, key, make):
        """The update of one variable (or the step's rate) as one am.function, as
        TensorFlow's ResourceApplyAdam is one kernel: an eager step runs its ops as one
        call; in a traced step its ops are inlined. Traced once per key and
        hyperparameters (changing one traces anew, as reading it eagerly would see)."""
        key += (self.learning_rate, self.beta_1, self.beta_2, self.epsilon)
        try:
            fn = self._fns.get(key)
        except TypeError:  # an unhashable hyperparameter (an array): plain ops
            return make(key[1])
        if fn is None:
            fn = self._fns[key] = function(make(key[1]))
        return fn

    def _update_fn(self, v):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        m, s = self.slot(v, "m"), self.slot(v, "v")

        def adam_update(g, lr_t):
            m.assign(b1 * m + (1 - b1) * g)
            s.assign(b2 * s + (1 - b2) * (g * g))
            delta = lr_t * m / (ops.sqrt(s) + eps)
            v.assign_sub(delta)
            return delta
        return adam_update

NAMES = {"sgd": SGD, "adam": Adam}


def get(identifier):
    """An optimizer from a name (``"adam"``, ``"sgd"``, Keras' defaults) or an object.

    >>> am.optimizers.get("adam").learning_rate
    0.001
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in NAMES:
        return NAMES[identifier.lower()]()
    raise ArgumentError(f"unknown optimizer {identifier!r}; use 'adam', 'sgd' or an "
                        "optimizer object")
