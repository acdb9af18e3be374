"""Statements: each grammar alias compiles to ``run(scope)``, carrying ``assigns``.

``assigns`` is the set of names a statement rebinds (``x = ...``, ``x += ...``, nested
blocks included, `fn` bodies excluded): the branch outputs and loop variables of graph
control flow (``flow``).
"""
import numpy as np
from lark import v_args

import ambi as am

from ..core import SymbolicTensor
from . import flow
from .parser import AmbiSyntaxError
from .runtime import GraphFunction, Return, Scope, ScriptError, ScriptFunction, call_at
from .values import binary

NOTHING = frozenset()
inline = v_args(inline=True)


def _stmt(run, assigns=NOTHING, returns=()):
    """``assigns``: names rebound; ``returns``: locations of `return`s not yet inside a fn."""
    run.assigns, run.returns = frozenset(assigns), tuple(returns)
    return run


def _returns(stmts):
    return tuple(loc for st in stmts for loc in st.returns)


def unpack(names, value, loc):
    """``let a, b = value``: a tuple, or a tensor split along its first axis."""
    if len(names) == 1:
        return [value]
    if isinstance(value, (am.Tensor, am.Variable)) and value.shape:
        value = tuple(call_at(loc, value.__getitem__, i) for i in range(value.shape[0]))
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        got = len(value) if isinstance(value, (tuple, list)) else 1
        raise ScriptError(f"expected {len(names)} values to unpack, got {got}", loc=loc)
    return list(value)


def make_variable(value, name):
    """`var w = e`. Inside a trace the initial value may be symbolic: the Variable is made
    with zeros of its type, and the value is assigned when the graph runs."""
    if isinstance(value, SymbolicTensor):
        var = am.Variable(np.zeros(value.shape, value.dtype.np), name=name)
        var.assign(value)
        return var
    return am.Variable(value, name=name)


def _sequence(stmts):
    """Run statements in order. After an `if` that can `return`, the rest of the block is
    handed to it (``with_rest``), so a tensor condition can put it in both branches."""
    for i, st in enumerate(stmts):
        if st.returns and hasattr(st, "with_rest") and i + 1 < len(stmts):
            head, later = stmts[:i], stmts[i + 1:]
            rest = _sequence(later)
            more = frozenset().union(*[x.assigns for x in later])

            def run(s, head=head, st=st, rest=rest, more=more):
                for h in head:
                    h(s)
                st.with_rest(s, rest, more)
            return run

    def run_all(s):
        for st in stmts:
            st(s)
    return run_all


class Statements:
    """Statement methods of the Compiler (a lark Transformer)."""

    # -- bindings -----------------------------------------------------------------------
    @staticmethod
    def _bind_all(s, names, values):
        for n, v in zip(names, values):
            s.vars[n] = v

    @inline
    def let_stmt(self, let, names, value):
        loc, names = self.at(let), [str(n) for n in names]
        return _stmt(lambda s: self._bind_all(s, names, unpack(names, value(s), loc)))

    @inline
    def var_stmt(self, var, name, value):
        n, loc = str(name), self.at(var)

        def run(s):
            s.vars[n] = call_at(loc, make_variable, value(s), n)
        return _stmt(run)

    @inline
    def assign(self, names, value):
        loc, names = self.at(names[0]), [str(n) for n in names]

        def run(s):
            for n, v in zip(names, unpack(names, value(s), loc)):
                s.assign(n, v, loc)
        return _stmt(run, names)

    @inline
    def aug_assign(self, name, op, value):
        n, sym, loc = str(name), op.value[0], self.at(op)

        def run(s):
            old = s.lookup(n, loc)
            if isinstance(old, am.Variable) and sym in "+-":
                method = old.assign_add if sym == "+" else old.assign_sub
                call_at(loc, method, value(s))
            else:
                s.assign(n, binary(sym, old, value(s), loc), loc)
        return _stmt(run, [n])

    # -- functions ----------------------------------------------------------------------
    @inline
    def fn_def(self, fn, name, params, body):
        n, loc = str(name), self.at(fn)
        if len(set(params)) != len(params):
            raise AmbiSyntaxError(f"fn `{n}` names a parameter twice", loc=loc)

        def run(s):
            s.vars[n] = ScriptFunction(n, params, body, s, loc)
        run.name = n
        return _stmt(run)

    @inline
    def decorated(self, at, name, fn):
        if str(name) != "graph":
            raise AmbiSyntaxError(f"unknown decorator `@{name}`; the only decorator is "
                                  "`@graph`", loc=self.at(name))
        optimize, device = self.optimize, self.device

        def run(s):
            fn(s)
            s.vars[fn.name] = GraphFunction(s.vars[fn.name], optimize, device)
        return _stmt(run)

    def params(self, toks):
        return [str(t) for t in toks]

    @inline
    def return_stmt(self, ret, value=None):
        loc = self.at(ret)

        def run(s):
            raise Return(None if value is None else value(s), loc)
        return _stmt(run, returns=[loc])

    @inline
    def expr_stmt(self, value):
        return _stmt(value)

    # -- blocks and control flow --------------------------------------------------------
    def block(self, children):
        stmts = [c for c in children if callable(c)]
        run_all = _sequence(stmts)

        def run(s):
            run_all(Scope(s))
        return _stmt(run, frozenset().union(*[st.assigns for st in stmts]), _returns(stmts))

    def program(self, stmts):
        returns = _returns(stmts)
        if returns:
            raise AmbiSyntaxError("`return` outside a function", loc=returns[0])

        def run(s):
            for st in stmts:
                st(s)
        return run

    @inline
    def if_stmt(self, if_, cond, block, *rest):
        branches = [(cond, block, self.at(if_))]
        otherwise = None
        for clause in rest:
            if clause[0] == "elif":
                branches.append(clause[1:])
            else:
                otherwise = clause[1]
        blocks = [b for _, b, _ in branches] + ([otherwise] if otherwise else [])
        assigns = frozenset().union(*[b.assigns for b in blocks])
        run = _stmt(lambda s: flow.run_if(s, branches, otherwise, assigns), assigns,
                    _returns(blocks))
        run.with_rest = lambda s, rest, more: flow.run_if(s, branches, otherwise,
                                                          assigns | more, rest)
        return run

    @inline
    def elif_clause(self, elif_, cond, block):
        return ("elif", cond, block, self.at(elif_))

    @inline
    def else_clause(self, else_, block):
        return ("else", block)

    @inline
    def while_stmt(self, while_, cond, block):
        loc = self.at(while_)
        return _stmt(lambda s: flow.run_while(s, cond, block, loc), block.assigns,
                     block.returns)

    @inline
    def for_stmt(self, for_, name, iterable, block):
        loc, n = self.at(for_), str(name)
        args = self._range_args(iterable, loc)
        return _stmt(lambda s: flow.run_for(s, n, args, block, loc), block.assigns - {n},
                     block.returns)

    def _range_args(self, iterable, loc):
        if not getattr(iterable, "range_args", None):
            raise AmbiSyntaxError("a `for` loop goes over range(...): write "
                                  "`for i in range(a, b) { ... }`", loc=loc)
        return iterable.range_args
