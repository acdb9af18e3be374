"""Expressions: each grammar alias compiles to a closure ``ev(scope) -> value``.

Every closure carries ``pos``, the token where the expression starts, for error
locations. Numbers, true/false and lists of numbers stay Python values until an op
meets them, so ``x * 2`` keeps x's dtype, exactly as in Python.
"""
import ast
import operator
import warnings

from lark import Token, Transformer, v_args

import ambi as am

from ..core import SymbolicTensor
from ..errors import SourceLoc
from .parser import AmbiSyntaxError, source_lines
from .runtime import ScriptError, call_at, describe
from .values import as_tensor, binary, is_number, logic, operand

inline = v_args(inline=True)
MAX_INT_DIGITS = 1000  # far past int64, and short of Python's own 4300-digit limit


def _ev(fn, pos):
    fn.pos = pos
    return fn


def _const(value, pos=None):
    return _ev(lambda s: value, pos)


class Expressions(Transformer):
    """lark Transformer methods for expressions, one per grammar alias."""

    def begin(self, text, filename, optimize=2, device=None):
        """Start compiling one script (the parser and this object are reused)."""
        self.lines, self.filename = source_lines(text), filename
        self.optimize, self.device = optimize, device

    def at(self, tok):
        """The SourceLoc of a token."""
        line, col = tok.line, tok.column
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return SourceLoc(self.filename, line, col, text)

    # -- literals and names -----------------------------------------------------------
    @inline
    def int_lit(self, tok):
        if len(tok) > MAX_INT_DIGITS:  # an int64 has 19 digits; Python stops at 4300
            raise AmbiSyntaxError(f"integer literal of {len(tok)} digits; the largest "
                                  f"allowed has {MAX_INT_DIGITS}", loc=self.at(tok))
        return _const(int(tok), tok)

    @inline
    def float_lit(self, tok):
        return _const(float(tok), tok)

    @inline
    def string(self, tok):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # "\q": an error here, not a warning
                return _const(ast.literal_eval(tok.value), tok)
        except (ValueError, SyntaxError, SyntaxWarning) as e:
            raise AmbiSyntaxError(f"bad string literal: {e.args[0] if e.args else e}",
                                  loc=self.at(tok)) from None

    @inline
    def true(self, tok):
        return _const(True, tok)

    @inline
    def false(self, tok):
        return _const(False, tok)

    @inline
    def name(self, tok):
        n, loc = str(tok), self.at(tok)
        ev = _ev(lambda s: s.lookup(n, loc), tok)
        ev.name = n
        return ev

    @inline
    def list_lit(self, bracket, *items):
        return _ev(lambda s: [e(s) for e in items], bracket)

    # -- operators ----------------------------------------------------------------------
    @inline
    def binop(self, left, op, right):
        sym, loc = op.value, self.at(op)
        return _ev(lambda s: binary(sym, left(s), right(s), loc), left.pos)

    @inline
    def unary(self, op, value):
        loc, minus = self.at(op), op.value == "-"

        def ev(s):
            v = value(s)
            if is_number(v):
                return -v if minus else +v
            return call_at(loc, am.negative, as_tensor(v, loc)) if minus else v
        return _ev(ev, op)

    @inline
    def not_(self, op, value):
        loc = self.at(op)

        def ev(s):
            v = value(s)
            return (not v) if is_number(v) else call_at(loc, am.logical_not, as_tensor(v, loc))
        return _ev(ev, op)

    @inline
    def logic(self, left, op, right):
        sym, loc = op.value, self.at(op)
        return _ev(lambda s: logic(sym, left(s), right, s, loc), left.pos)

    def compare(self, children):
        """``a < b < c`` is ``a < b and b < c``, as in Python."""
        operands, ops = children[0::2], children[1::2]
        locs = [self.at(op) for op in ops]

        def ev(s):
            a, result = operands[0](s), None
            for op, loc, right in zip(ops, locs, operands[1:]):
                b = right(s)
                r = binary(op.value, a, b, loc)
                result = r if result is None else logic("and", result, _const(r), s, loc)
                a = b
            return result
        return _ev(ev, operands[0].pos)

    # -- calls and indexing ---------------------------------------------------------------
    @inline
    def call(self, callee, args):
        loc = self.at(callee.pos)
        pos = [a for a in args if not isinstance(a, tuple)]
        kw = [a for a in args if isinstance(a, tuple)]

        def ev(s):
            f = callee(s)
            if not callable(f) or isinstance(f, (am.Tensor, am.Variable)):
                what = f"`{callee.name}`" if hasattr(callee, "name") else "this"
                raise ScriptError(f"{what} is {describe(f)}, not a function", loc=loc)
            values = [a(s) for a in pos]
            if isinstance(f, am.ir.OpDef) and not f.variadic:
                values = [operand(a, loc) for a in values]
            return call_at(loc, f, *values, **{k: a(s) for k, a in kw})
        if getattr(callee, "name", None) == "range" and not kw:
            ev.range_args = pos  # `for i in range(...)` reads these
        return _ev(ev, callee.pos)

    def args(self, items):
        seen = set()
        for a in items:
            if isinstance(a, tuple):
                if a[0] in seen:
                    raise AmbiSyntaxError(f"keyword argument `{a[0]}` given twice", loc=a[2])
                seen.add(a[0])
            elif seen:
                raise AmbiSyntaxError("a positional argument cannot follow a keyword "
                                      "argument", loc=self.at(a.pos))
        return [a[:2] if isinstance(a, tuple) else a for a in items]

    @inline
    def kwarg(self, name, value):
        return (str(name), value, self.at(name))

    @inline
    def index(self, obj, subs):
        loc = self.at(obj.pos)

        def ev(s):
            x, key = obj(s), tuple(k(s) for k in subs)
            key = key[0] if len(key) == 1 else key
            if isinstance(x, list):
                x = as_tensor(x, loc)
            if not isinstance(x, (am.Tensor, am.Variable, tuple)):
                raise ScriptError(f"cannot index {describe(x)}", loc=loc)
            if isinstance(x, tuple):
                return _tuple_item(x, key, loc)
            return call_at(loc, operator.getitem, x, key)
        return _ev(ev, obj.pos)

    def subscripts(self, items):
        return [_const(Ellipsis) if isinstance(i, Token) else i for i in items]

    def slice(self, parts):
        start, stop, step = [_const(None) if p is None else p for p in parts]
        return lambda s: slice(_index(start(s)), _index(stop(s)), _index(step(s)))

    def exprs(self, items):
        if len(items) == 1:
            return items[0]
        return _ev(lambda s: tuple(e(s) for e in items), items[0].pos)

    def names(self, toks):
        return list(toks)  # Tokens: strings that know their position


def _tuple_item(t, key, loc):
    """``t[i]`` of a tuple (what a function returned): an int or a slice, in range."""
    if isinstance(key, slice):
        return t[key]
    if isinstance(key, am.Tensor) and not isinstance(key, SymbolicTensor) and not key.shape:
        key = call_at(loc, int, key)
    if isinstance(key, bool) or not isinstance(key, int):
        raise ScriptError(f"a tuple's index must be a number, not {describe(key)}", loc=loc)
    if not -len(t) <= key < len(t):
        raise ScriptError(f"index {key} is out of range for a tuple of {len(t)} values",
                          loc=loc)
    return t[key]


def _index(v):
    """Slice bounds: plain ints, or eager integer scalars as ints."""
    if isinstance(v, am.Tensor) and v.shape == () and v.dtype.is_int:
        try:
            return operator.index(v)
        except am.AmbiError:  # symbolic: the op explains
            return v
    return v
