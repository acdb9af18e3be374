"""The names every script sees: each public op, constructors, aliases, print and grad."""
import ambi as am

from .runtime import ScriptError, describe
from .values import operand

ALIASES = {"sum": "reduce_sum", "mean": "reduce_mean", "max": "reduce_max",
           "min": "reduce_min"}
DTYPES = ("float32", "float64", "int32", "int64", "bool")


def script_print(*values):
    """`print(x, "text", y)`: ``am.print``, so it prints at run time in every mode.
    A tuple (several return values, ``grad``'s result) prints as its elements."""
    values = [x for v in values for x in (v if isinstance(v, tuple) else (v,))]
    for v in values:
        if not isinstance(v, (str, am.Tensor, am.Variable, bool, int, float, list)):
            raise ScriptError(f"print() cannot print {describe(v)}")
    return am.print(*[operand(v, None) for v in values])


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
