"""Operators on script values: ``a + b`` is ``am.add(a, b)``, except that two plain
numbers (numbers, true/false) combine with Python's arithmetic, as they would in Python.
"""
import operator

import ambi as am

from .runtime import ScriptError, call_at

BINARY = {"+": am.add, "-": am.subtract, "*": am.multiply, "/": am.divide,
          "//": am.floordiv, "%": am.mod, "@": am.matmul, "**": am.pow,
          "==": am.equal, "!=": am.not_equal, "<": am.less, "<=": am.less_equal,
          ">": am.greater, ">=": am.greater_equal}
PYTHON = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
          "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
          ">": operator.gt, ">=": operator.ge}
INT_LIMIT = 1 << 63  # plain integers past int64 are an error, not a slow big-int


def is_number(x):
    return isinstance(x, (bool, int, float))


def binary(sym, a, b, loc):
    """``a sym b``: Python arithmetic on two plain numbers, else the op."""
    if is_number(a) and is_number(b) and sym in PYTHON:
        return _python_binary(sym, a, b, loc)
    return call_at(loc, BINARY[sym], as_tensor(a, loc), as_tensor(b, loc))


def as_tensor(v, loc):
    """An operator's operand: a list literal becomes a tensor first, so a number on the
    other side adopts its dtype (``[1.0, 2.0] ** 2``)."""
    return call_at(loc, am.convert_to_tensor, operand(v, loc)) if isinstance(v, list) else v


def operand(v, loc):
    """A list literal holding tensors becomes their ``am.stack`` where an op needs one
    tensor; lists of numbers stay lists (the op converts them, adopting its dtype)."""
    if isinstance(v, list) and any(_has_tensor(x) for x in v):
        return call_at(loc, am.stack, [operand(x, loc) for x in v])
    return v


def _has_tensor(v):
    if isinstance(v, list):
        return any(_has_tensor(x) for x in v)
    return isinstance(v, (am.Tensor, am.Variable))


def _python_binary(sym, a, b, loc):
    if sym == "**" and isinstance(a, int) and isinstance(b, int) and abs(b) > 64 \
            and abs(a) > 1:
        raise ScriptError(f"integer overflow: {a} ** {b} does not fit in 64 bits", loc=loc)
    try:
        out = PYTHON[sym](a, b)
    except ZeroDivisionError:
        raise ScriptError(f"division by zero in `{a} {sym} {b}` (plain numbers follow "
                          "Python; tensors give inf or nan)", loc=loc) from None
    except OverflowError as e:
        raise ScriptError(f"overflow in `{a} {sym} {b}`: {e}", loc=loc) from None
    if isinstance(out, int) and not -INT_LIMIT <= out < INT_LIMIT:
        raise ScriptError(f"integer overflow: `{a} {sym} {b}` does not fit in 64 bits",
                          loc=loc)
    return out


def logic(sym, a, right, scope, loc):
    """`and`/`or`: short-circuit on plain values; on tensors both sides, elementwise."""
    if is_number(a):
        if (sym == "and") != bool(a):
            return a
        return right(scope)
    op = am.logical_and if sym == "and" else am.logical_or
    return call_at(loc, op, as_tensor(a, loc), as_tensor(right(scope), loc))
