"""Rewrite patterns, one per algebraic identity, kept with the ops: each rule below joins
its op's record (``op.rewrites``), and the ``simplify`` pass applies the rules it finds
there (``fold`` applies those marked ``folds``). No pass names an op.

A rule gets the node being rewritten (a ``Site``, ``ambi/passes/simplify.py``: the node's
``op``, ``params`` and ``type``, helpers that read the producers of its operands, and
``emit``/``inline`` to add nodes) and its operand values; it returns the value(s) that
replace the node, or None. The pass takes a replacement only if it has the node's exact
type (shape and dtype): ``x*1`` is ``x`` only where ``1`` does not broadcast ``x`` up or
change its dtype. A ``commutative`` op's rules are tried on both operand orders, so
``x*1 -> x`` rewrites ``1*x`` too.

Only identities exact in IEEE arithmetic. Refused, because they change some result:
``x*0 -> 0`` (inf*0 and nan*0 are nan), ``x-x -> 0`` (inf-inf is nan), ``x+0 -> x``
(-0.0 + 0.0 is +0.0), ``x/c -> x*(1/c)`` (1/c rounds), and reassociation of ``+`` and
``*`` (rounding depends on the order).
"""
from typing import Callable, NamedTuple

import numpy as np

from ..ir.opdef import add_rules
from . import control, elementwise as ew, shape as sh


class Rewrite(NamedTuple):
    """One rule of an op: ``fn(site, *operands)`` -> value(s) or None."""

    fn: Callable
    folds: bool = False    # constant folding too: the fold pass applies it
    effects: bool = False  # keeps the node's effects in their place: may rewrite an effect


def _same(s, x, y):
    return x if x == y else None


def _perm(perm, ndim):
    return tuple(range(ndim))[::-1] if perm is None else tuple(perm)


def _transpose_identity(s, x):
    return x if _perm(s.params["perm"], s.type.ndim) == tuple(range(s.type.ndim)) else None


def _transpose_transpose(s, x):
    inner = s.arg(x, sh.transpose)
    if inner is None:
        return None
    p = _perm(s.param(x, "perm"), s.type_of(x).ndim)
    q = _perm(s.params["perm"], s.type.ndim)
    perm = tuple(p[i] for i in q)  # out[i] = mid[q[i]] = in[p[q[i]]]
    return inner if perm == tuple(range(len(perm))) else s.emit(sh.transpose, inner, perm=perm)


def _transpose_as_reshape(s, x):
    shape = s.type_of(x).shape
    moved = [i for i in _perm(s.params["perm"], s.type.ndim) if shape[i] != 1]
    return s.emit(sh.reshape, x, shape=s.type.shape) if moved == sorted(moved) else None


def _reshape_reshape(s, x):
    inner = s.arg(x, sh.reshape)
    return None if inner is None else s.emit(sh.reshape, inner, shape=s.type.shape)


def _broadcast_broadcast(s, x):
    inner = s.arg(x, sh.broadcast_to)
    return None if inner is None else s.emit(sh.broadcast_to, inner, shape=s.type.shape)


def _cast_roundtrip(s, x):
    inner = s.arg(x, sh.cast)
    if inner is None or not s.keeps(inner):
        return None
    return inner if np.can_cast(s.type.dtype.np, s.param(x, "dtype").np, "safe") else None


def _abs_negative(s, x):
    inner = s.arg(x, ew.negative)
    return None if inner is None else s.emit(ew.abs, inner)


def _cond_constant(s, pred, *args):
    """The taken branch, inlined; its effects keep the cond's place in the effect chain."""
    p = s.const(pred)
    if p is None:
        return None
    k = s.params["n_true"]
    if bool(p):
        return s.inline(s.params["true_graph"], args[:k])
    return s.inline(s.params["false_graph"], args[k:])


# op -> rule, tried in this order; each line states its identity.
RULES = [
    (ew.multiply, lambda s, x, y: x if s.is_const(y, 1) else None),  # x*1 -> x (and 1*x)
    (ew.divide, lambda s, x, y: x if s.is_const(y, 1) else None),    # x/1 -> x
    (ew.subtract, lambda s, x, y: x if s.is_plus_zero(y) else None),  # x-(+0) -> x, even -0
    (ew.pow, lambda s, x, y: x if s.is_const(y, 1) else None),       # x**1 -> x
    (ew.pow, lambda s, x, y: s.emit(ew.multiply, x, x)               # x**2 -> x*x
     if s.is_const(y, 2) and s.keeps(x) else None),
    (ew.negative, lambda s, x: s.arg(x, ew.negative)),               # --x -> x
    (ew.logical_not, lambda s, x: s.arg(x, ew.logical_not)),         # not not x -> x
    (ew.abs, lambda s, x: x if s.arg(x, ew.abs) is not None else None),  # ||x|| -> |x|
    (ew.abs, _abs_negative),                                         # |-x| -> |x|
    (ew.maximum, _same),                                             # max(x, x) -> x
    (ew.minimum, _same),                                             # min(x, x) -> x
    (ew.logical_and, _same),                                         # x and x -> x
    (ew.logical_or, _same),                                          # x or x -> x
    (ew.where, lambda s, c, x, y: _same(s, x, y)),                   # where(c, x, x) -> x
    (ew.where, lambda s, c, x, y: x if s.is_const(c, True) else None),   # where(T, x, y) -> x
    (ew.where, lambda s, c, x, y: y if s.is_const(c, False) else None),  # where(F, x, y) -> y
    (sh.reshape, lambda s, x: x if s.keeps(x) else None),            # reshape(x, x.shape) -> x
    (sh.reshape, _reshape_reshape),                  # reshape(reshape(x, s), t) -> reshape(x, t)
    (sh.transpose, _transpose_identity),             # transpose(x, (0, 1, ..)) -> x
    (sh.transpose, _transpose_transpose),            # transpose(transpose(x, p), q) -> x^(p.q)
    (sh.transpose, _transpose_as_reshape),           # moving only size-1 axes -> a reshape
    (sh.cast, lambda s, x: x if s.keeps(x) else None),               # cast(x, x.dtype) -> x
    (sh.cast, _cast_roundtrip),                      # cast(cast(x, wider), x.dtype) -> x
    (sh.broadcast_to, lambda s, x: x if s.keeps(x) else None),       # broadcast_to(x, x.shape) -> x
    (sh.broadcast_to, _broadcast_broadcast),         # bcast(bcast(x, s), t) -> bcast(x, t)
    (control.cond, Rewrite(_cond_constant, folds=True, effects=True)),  # cond(true, t, f) -> t
]

for _op, _rule in RULES:
    add_rules(_op, "rewrites", _rule if isinstance(_rule, Rewrite) else Rewrite(_rule))
