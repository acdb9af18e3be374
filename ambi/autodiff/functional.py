"""Functional gradients on top of the tape: ``am.grad(f)`` and ``am.value_and_grad(f)``."""
import functools

import numpy as np

from .. import core, tree
from ..convert import to_numpy
from .tape import GradientTape


def value_and_grad(f, wrt=None):
    """A function returning ``(f(*args), gradients)``.

    With ``wrt=None`` the gradients are a tuple, one per positional argument (None for
    integer or non-tensor arguments); with ``wrt`` (Variables or tensors, nested) they
    have wrt's structure.

    >>> am.value_and_grad(lambda x: x * x)(am.constant(3.0))
    (ambi.Tensor(9.0, shape=(), dtype=float32), (ambi.Tensor(6.0, shape=(), dtype=float32),))
    """
    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        with GradientTape() as tape:
            if wrt is None:
                args = tuple(_as_tensors(a) for a in args)
                tape.watch([a for a in tree.flatten(args)[0] if isinstance(a, core.Tensor)])
            value = f(*args, **kwargs)
        grads = tape.gradient(value, list(args) if wrt is None else wrt)
        return value, tuple(grads) if wrt is None else grads
    return wrapped


def grad(f, wrt=None):
    """A function returning the gradients of ``f`` (a tuple, one per argument).

    ``am.grad(f)(a, b)`` -> ``(df/da, df/db)``; ``am.grad(f, wrt=[w, b])(x)`` -> ``[df/dw,
    df/db]`` for Variables w and b. A non-scalar result is summed first.

    >>> am.grad(lambda x: x * x)(am.constant(3.0))
    (ambi.Tensor(6.0, shape=(), dtype=float32),)
    """
    vg = value_and_grad(f, wrt)

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        return vg(*args, **kwargs)[1]
    return wrapped


def _as_tensors(arg):
    """Numbers and arrays become tensors (so they can be watched); the rest stay."""
    leaves, treedef = tree.flatten(arg)
    conv = [_tensor(x) if isinstance(x, (core.Tensor, float, int, np.ndarray, np.generic))
            and not isinstance(x, bool) else x for x in leaves]
    return tree.unflatten(treedef, conv)


def _tensor(x):
    """``x`` as ``am.convert_to_tensor`` makes it: a tensor of the current trace, or a
    constant on the current device (a copy of an array)."""
    x = x.copy() if isinstance(x, np.ndarray) else x
    trace = core.current_trace()
    if trace is not None:
        return trace.to_symbolic(x)
    if isinstance(x, core.Tensor):
        return x
    return core.current_device().place(*to_numpy(x))
