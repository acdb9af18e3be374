"""``@am.custom_gradient``: a function that supplies its own gradient, as in TensorFlow."""
import functools

from .. import core, tree
from .tape import stop_recording


class _CustomOp:
    """Stands in for an op record on the tape: its ``vjp`` calls the user's grad_fn."""

    differentiable, nout = True, 1

    def __init__(self, name, grad_fn, n_in, n_out):
        self.name, self.grad_fn, self.n_in = f"custom_gradient({name})", grad_fn, n_in
        self.nout = 1 if n_out == 1 else None

    def vjp(self, g, *xs, out):
        gs = g if isinstance(g, tuple) else (g,)
        res = self.grad_fn(*gs)
        res = tree.flatten(res)[0] if isinstance(res, (list, tuple)) else [res]
        if len(res) != self.n_in:
            from ..errors import AmbiError
            raise AmbiError(f"{self.name}: grad_fn returned {len(res)} gradients for "
                            f"{self.n_in} tensor inputs")
        return tuple(res)


def custom_gradient(f):
    """Decorate ``f(*x) -> (y, grad_fn)``; ``grad_fn(*dy)`` returns the gradients for x.

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
        tapes = list(core._tapes)
        with stop_recording():
            y, grad_fn = f(*tree.unflatten(treedef, leaves), **kwargs)
            xs = [x for x in leaves if isinstance(x, core.Tensor)]
            ys, ydef = tree.flatten(y)
            ys = [_fresh(o, xs) for o in ys]
        op = _CustomOp(getattr(f, "__name__", "f"), grad_fn, len(xs), len(ys))
        for tape in tapes:
            tape.record(op, xs, {}, ys[0] if len(ys) == 1 else tuple(ys))
        return tree.unflatten(ydef, ys)
    return wrapped


def _fresh(y, xs):
    """A result that *is* an input gets a new identity, so the tape can tell them apart."""
    from ..ops import reshape
    return reshape(y, shape=tuple(y.shape)) if any(y is x for x in xs) else y
