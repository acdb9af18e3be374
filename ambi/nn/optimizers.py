"""Optimizers: SGD (with momentum) and Adam, as in Keras. Slots are Variables, created on
the first ``apply_gradients``, so a traced training step reads and writes them at run
time like the weights themselves."""
import numpy as np

from .. import core, ops
from ..constructors import constant
from ..errors import ArgumentError
from ..function import function
from ..memo import remember
from ..variables import Variable


class Optimizer:
    """Base: ``apply_gradients(zip(grads, variables))`` updates each variable in place.

    A step's arithmetic is one ``am.function`` per set of variables (as PyTorch's fused
    and foreach optimizers make one call of all parameters, and TensorFlow's
    ResourceApplyAdam one kernel per variable): an eager step runs it as one call, a
    traced step inlines its ops. It is traced on the first step and again when a
    hyperparameter (an attribute named in ``HYPER``) changes, as an eager step would
    read the new value; an ``am.Variable`` learning rate is read at run time instead.
    """

    counts_steps = True  # keep ``iterations`` (a Variable); plain SGD has no use for it
    HYPER = ("learning_rate",)
    MAX_TRACES = 16  # traces kept (a rate changed every step would trace every step)

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self._slots = {}  # (slot name, variable) -> Variable (the key keeps the variable alive)
        self.iterations = None
        self._consts = {}
        self._steps = {}  # (variables, hyperparameters) -> the traced step

    def apply_gradients(self, grads_and_vars):
        """Apply one step; pairs whose gradient is None are skipped. Returns None."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if self.counts_steps and self.iterations is None:
            self.iterations = Variable(0, name="iterations", trainable=False, dtype="int64")
        if not pairs:
            self._apply((), ())
            return
        grads = [g if isinstance(g, core.Tensor) else constant(g, v.dtype) for g, v in pairs]
        self._traced_step(tuple(v for _, v in pairs))(*grads)

    def _traced_step(self, variables):
        key = (variables, tuple(getattr(self, name) for name in self.HYPER))
        try:
            fn = self._steps.get(key)
        except TypeError:  # an unhashable hyperparameter (an array): plain ops
            return lambda *grads: self._apply(grads, variables)
        if fn is None:
            def apply_step(*grads):
                self._apply(grads, variables)
            fn = remember(self._steps, key, function(apply_step), self.MAX_TRACES)
        return fn

    def _apply(self, grads, variables):
        """The step itself, in ops: ``iterations`` + 1, then each variable's update."""
        self._per_step = {}  # values shared by every variable of this step (Adam's rate)
        step = self.iterations + 1 if self.counts_steps else None
        for g, v in zip(grads, variables):
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
    HYPER = ("learning_rate", "momentum")

    def __init__(self, learning_rate=0.01, momentum=0.0):
        super().__init__(learning_rate)
        self.momentum = momentum

    def _update(self, g, v, step):
        lr = self.learning_rate  # a Variable is read when the step runs
        if not isinstance(lr, Variable):
            lr = self.const(lr, v.dtype)
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

    HYPER = ("learning_rate", "beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _rate(self, step, dtype):
        """lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t), computed once per step and dtype."""
        if dtype not in self._per_step:
            t = ops.cast(step, dtype)
            self._per_step[dtype] = (self.learning_rate * ops.sqrt(1 - ops.pow(self.beta_2, t))
                                     / (1 - ops.pow(self.beta_1, t)))
        return self._per_step[dtype]

    def _update(self, g, v, step):
        b1, b2 = self.beta_1, self.beta_2
        lr_t = self._rate(step, v.dtype)
        m, s = self.slot(v, "m"), self.slot(v, "v")
        m.assign(b1 * m + (1 - b1) * g)
        s.assign(b2 * s + (1 - b2) * (g * g))
        v.assign_sub(lr_t * m / (ops.sqrt(s) + self.epsilon))


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
