"""Effects: print. Effects run in program order in every mode; passes never drop,
merge, reorder or fold them."""
import sys

import numpy as np

from ..errors import ArgumentError
from ..ir.opdef import P, bind, defop


def _print_kernel(*values, template):
    it = iter(values)
    parts = [str(np.asarray(next(it))) if t is None else t for t in template]
    sys.stdout.write(" ".join(parts) + "\n")


def _print_types(types, template):
    # one None slot per printed value, strings elsewhere (checked for loaded files)
    if [t for t in template if t is not None and not isinstance(t, str)] or \
            sum(t is None for t in template) != len(types):
        raise ArgumentError(f"print: template {template!r} does not fit {len(types)} values")
    return ()


print_op = defop("print", variadic=True, params={"template": P.template(())}, kernel=_print_kernel,
                 cl={"kernel": "host"},
                 types=_print_types, same_dtype=(), effect=True, nout=0,
                 differentiable=False, doc="Print at run time, in program order.")


def print(*values):
    """Print tensors (as numpy's str) and strings, space-separated, at run time.

    >>> am.print("x is", am.constant([1, 2]))
    x is [1 2]
    """
    template = tuple(v if isinstance(v, str) else None for v in values)
    operands = [v for v in values if not isinstance(v, str)]
    return bind(print_op, operands, {"template": template})
