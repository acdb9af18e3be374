"""``@am.custom_gradient``: a function that supplies its own gradient, as in TensorFlow."""
import functools
import inspect

from .. import core, tree
from ..errors import ArgumentError
from ..ops.clip import identity
from .tape import read_variable, stop_recording


class _CustomOp:
    """Stands in for an op record on the tape: its ``vjp`` calls the user's grad_fn."""

    differentiable = True
    subgraphs = ()          # its rule replays no subgraph
    reads_variable = False

    def __init__(self, name, grad_fn, slots, n_args, n_out, variables):
        self.name, self.grad_fn = f"custom_gradient({name})", grad_fn
        self.slots, self.n_args = slots, n_args  # which of the n_args arguments are tensors
        self.nout = 1 if n_out == 1 else None
        self.variables = variables

    def vjp(self, g, *xs, out):
        gs = g if isinstance(g, tuple) else (g,)
        if not self.variables:
            return self._inputs(self.grad_fn(*gs))
        res = self.grad_fn(*gs, variables=self.variables)
        if not (isinstance(res, (list, tuple)) and len(res) == 2):
            raise ArgumentError(f"{self.name}: a function that reads Variables needs a "
                                f"grad_fn returning (input gradients, variable gradients)")
        return self._inputs(res[0]) + self._count(res[1], len(self.variables), "variables")

    def _inputs(self, res):
        """One gradient per tensor input; grad_fn may also give one per argument (None
        for Python values such as a clipping norm), as TensorFlow's guide does."""
        res = _as_list(res)
        if len(res) == self.n_args and self.n_args != len(self.slots):
            return tuple(res[i] for i in self.slots)
        return self._count(res, len(self.slots), "tensor inputs")

    def _count(self, res, n, what):
        res = _as_list(res)
        if len(res) != n:
            raise ArgumentError(f"{self.name}: grad_fn returned {len(res)} gradients for "
                                f"{n} {what}")
        return tuple(res)


def _as_list(res):
    return tree.flatten(res)[0] if isinstance(res, (list, tuple)) else [res]


class _VariableReads:
    """A recorder that notes the trainable Variables an op sequence reads, in order."""

    def __init__(self):
        self.variables = {}

    def record(self, op, operands, params, out):
        var = read_variable(op, params, out)
        if var is not None and var.trainable:
            self.variables.setdefault(id(var), var)


def custom_gradient(f):
    """Decorate ``f(*x) -> (y, grad_fn)``; ``grad_fn(*dy)`` returns the gradients for x.

    As in TensorFlow, when ``f`` reads trainable Variables, ``grad_fn(*dy, variables)``
    gets them as a list and returns ``(gradients for x, gradients for the variables)``.

    >>> @am.custom_gradient
    ... def log1pexp(x):
    ...     e = am.exp(x)
    ...     return am.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))
    >>> am.grad(log1pexp)(am.constant(100.0))
    (ambi.Tensor(1.0, shape=(), dtype=float32),)
    """
    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        leaves, treedef = tree.flatten(args)
        leaves = [x.read_value() if isinstance(x, core._Readable) else x for x in leaves]
        tapes, reads = core.active_tapes(), _VariableReads()
        # The forward is recorded (as in TensorFlow): a grad_fn that computes with forward
        # values (``e`` above) is then differentiable again by an outer tape.
        with core.taping(reads):
            y, grad_fn = f(*tree.unflatten(treedef, leaves), **kwargs)
        slots = [i for i, x in enumerate(leaves) if isinstance(x, core.Tensor)]
        xs = [leaves[i] for i in slots]
        ys, ydef = tree.flatten(y)
        if tapes:  # new outputs (identity: unconnected to the forward), which the tapes
            with stop_recording():  # reach only through grad_fn
                ys = [identity(o) for o in ys]
        variables = list(reads.variables.values())
        if variables and not _takes_variables(grad_fn):
            raise ArgumentError(
                f"custom_gradient({getattr(f, '__name__', 'f')}): the function reads the "
                f"Variables {', '.join(v.name for v in variables)}, so its grad_fn must take "
                f"a keyword argument 'variables' (as in TensorFlow)")
        if tapes:
            # the variables' reads, recorded outside: the tapes' way to reach a Variable
            xs_and_vars = xs + [v.read_value() for v in variables]
            op = _CustomOp(getattr(f, "__name__", "f"), grad_fn, slots, len(leaves), len(ys),
                           variables)
            for tape in tapes:
                tape.record(op, xs_and_vars, {}, ys[0] if len(ys) == 1 else tuple(ys))
        return tree.unflatten(ydef, ys)
    return wrapped


def _takes_variables(grad_fn):
    try:
        params = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: let the call decide
        return True
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)
