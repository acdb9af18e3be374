"""The names every script sees: each public op, constructors, aliases, print and grad."""
import ambi as am

from .runtime import ScriptError, describe
from .values import operand

ALIASES = {"sum": "reduce_sum", "mean": "reduce_mean", "max": "reduce_max",
           "min": "reduce_min"}
DTYPES = ("float32", "float64", "int32", "int64", "bool")


def script_print(*values):
    """`print(x, "text", y)`: ``am.print``, so it prints at run time in every mode.
    A tuple (several return values, ``grad``'s result) and a list holding tensors or
    strings print as their elements; a list of numbers prints as one tensor."""
    values = [x for v in values for x in _items(v)]
    for v in values:
        if not isinstance(v, (str, am.Tensor, am.Variable, bool, int, float, list)):
            raise ScriptError(f"print() cannot print {describe(v)}")
    return am.print(*[operand(v, None) for v in values])


def _items(v):
    """The values that print shows for ``v``, in order."""
    if isinstance(v, tuple) or isinstance(v, list) and not _numbers(v):
        return [x for e in v for x in _items(e)]
    return [v]


def _numbers(v):
    """v is a number or a (nested) list of numbers: a tensor literal."""
    if isinstance(v, list):
        return all(_numbers(x) for x in v)
    return isinstance(v, (bool, int, float))


def builtins():
    """name -> value for the outermost scope of a script.

    >>> builtins()["sum"] is am.reduce_sum
    True
    """
    names = {n: getattr(am, n) for n in am.ops.__all__}
    names.update({n: getattr(am, n) for n in ("zeros", "ones", "fill", "range", "eye")})
    names.update(normal=am.random.normal, uniform=am.random.uniform, print=script_print)
    names.update({alias: getattr(am, op) for alias, op in ALIASES.items()})
    names.update({d: getattr(am, d) for d in DTYPES})
    if hasattr(am, "grad"):
        names["grad"] = grad
    return names


def grad(f, wrt=None):
    """`grad(f)(a, b)`: gradients of scalar f w.r.t. each argument (a tuple);
    `grad(f, wrt=[w, b])(x)`: gradients w.r.t. the given variables."""
    g = am.grad(f, wrt=wrt)

    def gradients(*args, **kwargs):
        args = [am.constant(a) if isinstance(a, list) else a for a in args]
        return g(*args, **kwargs)
    return gradients
