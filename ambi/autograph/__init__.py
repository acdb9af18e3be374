"""Autograph: Python ``if`` / ``while`` / ``for`` on tensors inside ``am.function``.

``am.function`` (with ``autograph=True``, the default) traces a rewritten copy of the
function: each ``if``, ``while`` and ``for`` becomes a call that runs as plain Python
when its condition is a Python value or an eager tensor, and becomes an ``am.cond`` /
``am.while_loop`` node when it is a symbolic tensor. ``to_code`` shows the rewrite; see
docs/autograph.md for what converts and the errors.
"""
from . import loader, runtime
from .values import Undefined  # noqa: F401


def convert(fn):
    """``fn`` rewritten by autograph (a function, method or callable object); ``fn``
    itself for library code or code without source.

    >>> def f(x):  # defined in a file: autograph reads the source
    ...     return x if x > 0 else -x
    >>> g = am.autograph.convert(f)  # what am.function(f) traces
    """
    return loader.convert(fn, runtime, top=True)


def to_code(fn):
    """The Python source autograph makes of ``fn``, as a string.

    >>> print(am.autograph.to_code(f))  # doctest: +SKIP
    def f(x):
        return ag__.return_value(ag__.if_exp(x > 0, lambda: x, lambda: -x))
    """
    return loader.to_source(getattr(fn, "python_function", fn))  # an am.function: its fn


def do_not_convert(fn):
    """Mark ``fn`` to run as plain Python inside converted code (``@do_not_convert``)."""
    fn.__ag_do_not_convert__ = True
    return fn
