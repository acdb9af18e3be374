"""The reverse sweep: walk a tape's entries backwards, calling each op's ``vjp`` rule.

Cotangents are keyed by tensor identity (the tape keeps every tracked tensor alive, so
ids stay unique). Only entries whose outputs received a cotangent run, and only
operands the tape tracks (float tensors that depend on a watched one) accumulate one.
A rule may give a cotangent as a zero-argument callable; it is called only for an
operand the tape tracks (``x * W`` with ``x`` data computes only ``dW``).
"""
import numpy as np

from .. import config, core
from ..errors import AmbiError
from ..ops.grads import zeros


def backward(entries, tracked, targets, seeds, ctx):
    """Cotangents {id(tensor): tensor} of every tracked tensor the targets depend on.

    ``ctx`` goes to the rules of ops that hold subgraphs (``tape.SubgraphContext``).
    """
    grads = _seeded(tracked, targets, seeds)
    for op, operands, params, outs in reversed(entries):
        g = _cotangent(grads, op, outs)
        if g is None:
            continue
        rule = _rule(op)
        out = outs[0] if op.nout == 1 else outs
        if op.subgraphs:  # its rule traces, replays and differentiates subgraphs
            cts = rule(g, *operands, out=out, ctx=ctx, **params)
        else:
            cts = rule(g, *operands, out=out, **params)
        for x, ct in zip(operands, cts):
            if ct is not None and id(x) in tracked:
                _accumulate(grads, x, ct() if callable(ct) else ct)
    return grads


def _seeded(tracked, targets, seeds):
    """The targets' cotangents: ``seeds`` where given, else ones."""
    grads = {}
    for i, t in enumerate(targets):
        if id(t) in tracked:
            seed = seeds[i] if seeds is not None and seeds[i] is not None else _ones(t)
            _accumulate(grads, t, seed)
    return grads


def _cotangent(grads, op, outs):
    """The outputs' cotangent (a tuple for multi-output ops), or None if none got one."""
    if op.nout == 1:
        return grads.get(id(outs[0]))
    gs = [grads.get(id(o)) for o in outs]
    if all(g is None for g in gs):
        return None
    return tuple(_zeros(o) if g is None and o.dtype.is_float else g for g, o in zip(gs, outs))


def _rule(op):
    if op.vjp is None:
        raise AmbiError(f"{op.name} has no gradient rule; declare it differentiable=False or "
                        "give its record a vjp")
    return op.vjp


def _accumulate(grads, x, ct):
    if config.CHECKS and (tuple(ct.shape) != tuple(x.shape) or ct.dtype is not x.dtype):
        raise AmbiError(f"internal: a gradient rule gave {ct.dtype}{list(ct.shape)} for an "
                        f"operand of type {x.dtype}{list(x.shape)}")
    old = grads.get(id(x))
    grads[id(x)] = ct if old is None else old + ct


def _ones(t):
    # a literal, not an op: nothing to run or record
    value = np.ones(t.shape, t.dtype.np)
    trace = core.current_trace()
    return core.EagerTensor(value, t.dtype) if trace is None else trace.constant(value, t.dtype)


def _zeros(t):
    return zeros(t.shape, t.dtype)
