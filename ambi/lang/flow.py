"""if / while / for: Python control flow on known values, graph nodes on symbolic ones.

Eagerly every condition is concrete, so blocks simply run. While tracing (a `@graph fn`,
or `ambi run --mode graph`), a condition that is a symbolic tensor turns the statement
into ``am.cond`` / ``am.while_loop``. The names the statement rebinds (found by the
compiler, ``block.assigns``) become the branch outputs or loop variables, so both
branches and every iteration must give them the same shape and dtype. Loops over
ranges known while tracing unroll up to ``am.config.UNROLL_MAX`` iterations, then
become ``while`` nodes.
"""
import operator

import ambi as am

from ..core import SymbolicTensor
from .runtime import LIMITS, Return, Scope, ScriptError, call_at, describe, is_tensorlike, type_of


def condition(value, loc, what):
    """A condition's value: a Python bool, or a scalar bool tensor (symbolic or not)."""
    if isinstance(value, am.Variable):
        value = call_at(loc, value.read_value)
    if isinstance(value, am.Tensor):
        if value.shape != () or not value.dtype.is_bool:
            raise ScriptError(f"the condition of `{what}` must be a scalar bool tensor or "
                              f"true/false, got {type_of(value)}", loc=loc)
        return value if isinstance(value, SymbolicTensor) else bool(value)
    if isinstance(value, (bool, int, float)):
        return bool(value)
    raise ScriptError(f"the condition of `{what}` must be a scalar bool tensor or true/false, "
                      f"got {describe(value)}", loc=loc)


def _tracing():
    return not am.executing_eagerly()


def _count(n, loc):
    cap = LIMITS["iterations"]
    if cap is not None and n > cap:
        raise ScriptError(f"loop ran more than {cap} iterations", loc=loc)


# -- if -------------------------------------------------------------------------------
def run_if(env, branches, otherwise, assigns, rest=None):
    """``branches``: (condition, block, loc) for `if` and each `elif`; ``otherwise``: else.

    ``rest`` is the rest of the enclosing block when a branch can `return`: on a tensor
    condition it runs inside both branches, so `if c { return a }; return b` becomes one
    ``am.cond`` whose branches both return (as in AutoGraph)."""
    for i, (cond, block, loc) in enumerate(branches):
        c = condition(cond(env), loc, "if" if i == 0 else "elif")
        if isinstance(c, SymbolicTensor):
            other = lambda e, i=i: run_if(e, branches[i + 1:], otherwise, assigns, rest)  # noqa
            return _graph_if(env, c, _then(block, rest), other, assigns, loc)
        if c:
            return _then(block, rest)(env)
    if otherwise is not None:
        otherwise(env)
    if rest is not None:
        rest(env)


def _then(block, rest):
    if rest is None:
        return block

    def run(env):
        block(env)
        rest(env)
    return run


def _graph_if(env, pred, then, otherwise, assigns, loc):
    names, saved = _carried(env, assigns)
    local = dict(env.vars)  # `let`s of a `rest` run inside a branch stay in that branch
    seen = []  # (kind, types) of the true branch, to explain a mismatch in words

    def branch(run):
        def fn():
            _reset(env, local, saved)
            try:
                run(env)
                kind, out = "fall", _outputs(env, names, saved, loc)
            except Return as r:
                kind, out = "return", _return_value(r.value, r.loc)
            _check_branches(seen, kind, out, names, loc)
            return out
        return fn

    try:
        out = call_at(loc, am.cond, pred, branch(then), branch(otherwise))
    finally:
        _reset(env, local, saved)
    if seen[0][0] == "return":
        raise Return(None if isinstance(out, tuple) and not out else out, loc)
    _rebind(env, names, out)


def _reset(env, local, saved):
    env.vars.clear()
    env.vars.update(local)
    _restore(env, saved)


def _check_branches(seen, kind, out, names, loc):
    types = _types(out)
    if not seen:
        seen.append((kind, types))
        return
    kind0, types0 = seen[0]
    if kind0 != kind:
        raise ScriptError("in a graph, an `if` on a tensor value must `return` in both "
                          "branches or in neither", loc=loc)
    if kind == "fall":
        for n, a, b in zip(names, types0, types):
            if a != b:
                raise ScriptError(f"`{n}` is {a} after one branch of this `if` and {b} after "
                                  "the other; in a graph both branches must give it the same "
                                  "shape and dtype", loc=loc)
    elif types0 != types:
        raise ScriptError(f"the branches of this `if` return different shapes or dtypes: "
                          f"{', '.join(types0)} and {', '.join(types)}", loc=loc)


def _types(out):
    leaves = out if isinstance(out, (tuple, list)) else (out,)
    return [type_of(x) for x in leaves]


def _return_value(value, loc):
    if value is None:
        return ()
    if isinstance(value, tuple):
        return tuple(_to_tensor(v, "a returned value", loc) for v in value)
    return _to_tensor(value, "the returned value", loc)


# -- while ----------------------------------------------------------------------------
def run_while(env, cond, block, loc):
    n = 0
    while True:
        c = condition(cond(env), loc, "while")
        if isinstance(c, SymbolicTensor) or (c and n >= am.config.UNROLL_MAX and _tracing()):
            return _graph_while(env, cond, block, loc)
        if not c:
            return
        n += 1
        _count(n, loc)
        block(env)


def _graph_while(env, cond, block, loc):
    names, saved = _carried(env, block.assigns)
    init = [_to_tensor(saved[n], f"`{n}`", loc) for n in names]

    def cond_fn(*vals):
        _rebind(env, names, vals)
        c = condition(cond(env), loc, "while")
        return c

    def body_fn(*vals):
        _rebind(env, names, vals)
        _run_loop_body(block, env, loc)
        return _loop_outputs(env, names, saved, vals, loc)

    try:
        out = _while_loop(cond_fn, body_fn, init, loc)
    finally:
        _restore(env, saved)
    _rebind(env, names, out)


def _while_loop(cond_fn, body_fn, init, loc):
    """``am.while_loop``; under a test's iteration cap, a counter also stops the loop."""
    cap = LIMITS["iterations"]
    if cap is None:
        return call_at(loc, am.while_loop, cond_fn, body_fn, init)

    def capped_cond(k, *vals):
        return am.logical_and(am.convert_to_tensor(cond_fn(*vals)), k < cap)

    def capped_body(k, *vals):
        return [k + 1] + list(body_fn(*vals))
    return call_at(loc, am.while_loop, capped_cond, capped_body, [am.constant(0)] + init)[1:]


def _run_loop_body(block, env, loc):
    try:
        block(env)
    except Return:
        raise ScriptError("in a graph, `return` cannot leave a loop on a tensor value; "
                          "assign the result to a name and return after the loop",
                          loc=loc) from None


def _loop_outputs(env, names, saved, before, loc):
    out = _outputs(env, names, saved, loc)
    for n, a, b in zip(names, before, out):
        if type_of(a) != type_of(b):
            raise ScriptError(f"`{n}` is {type_of(a)} before the loop body and {type_of(b)} "
                              "after it; in a graph a loop variable must keep its shape and "
                              "dtype (start it with a value of the same type)", loc=loc)
    return out


# -- for ------------------------------------------------------------------------------
def run_for(env, name, args, block, loc):
    """``for name in range(args) { block }``."""
    start, stop, step = _range_args([a(env) for a in args], loc)
    known = not isinstance(start, SymbolicTensor) and not isinstance(stop, SymbolicTensor)
    if known:
        r = range(_int(start, loc), _int(stop, loc), step)
        if not _tracing() or len(r) <= am.config.UNROLL_MAX:
            return _python_for(env, name, r, block, loc, _bound_dtype(start, stop))
    _graph_for(env, name, start, stop, step, block, loc)


def _python_for(env, name, r, block, loc, dtype):
    """The loop variable is an integer tensor here too, so the body means the same
    whether the loop runs in Python or becomes a graph loop."""
    for n, i in enumerate(r):
        _count(n + 1, loc)
        scope = Scope(env)
        scope.vars[name] = call_at(loc, am.constant, i, dtype)
        block(scope)


def _range_args(vals, loc):
    vals = [call_at(loc, v.read_value) if isinstance(v, am.Variable) else v for v in vals]
    if not 1 <= len(vals) <= 3:
        raise ScriptError(f"range() takes 1 to 3 arguments, got {len(vals)}", loc=loc)
    if len(vals) == 1:
        vals = [0] + vals
    start, stop, step = (vals + [1])[:3]
    if isinstance(step, SymbolicTensor):
        raise ScriptError("the step of range() must be known before the loop runs, not a "
                          "symbolic tensor", loc=loc)
    step = _int(step, loc)
    if step == 0:
        raise ScriptError("range() step must not be zero", loc=loc)
    for v in (start, stop):
        if isinstance(v, am.Tensor) and (v.shape != () or not v.dtype.is_int):
            raise ScriptError(f"range() needs scalar integers, got {type_of(v)}", loc=loc)
    return start, stop, step


def _bound_dtype(start, stop):
    """int32, or the dtype of the bounds that are tensors."""
    return next((v.dtype for v in (start, stop) if isinstance(v, am.Tensor)), am.int32)


def _int(v, loc):
    try:
        return operator.index(v)
    except TypeError:
        raise ScriptError(f"range() needs integers, got {describe(v)}", loc=loc) from None


def _graph_for(env, name, start, stop, step, block, loc):
    names, saved = _carried(env, block.assigns - {name})
    dtype = _bound_dtype(start, stop)
    i0 = call_at(loc, am.constant, start, dtype) if not isinstance(start, am.Tensor) else start
    init = [i0] + [_to_tensor(saved[n], f"`{n}`", loc) for n in names]
    below = am.less if step > 0 else am.greater

    def cond_fn(i, *vals):
        return call_at(loc, below, i, stop)

    def body_fn(i, *vals):
        _rebind(env, names, vals)
        scope = Scope(env)
        scope.vars[name] = i
        _run_loop_body(block, scope, loc)
        return [call_at(loc, am.add, i, step)] + _loop_outputs(env, names, saved, vals, loc)

    try:
        out = _while_loop(cond_fn, body_fn, init, loc)
    finally:
        _restore(env, saved)
    _rebind(env, names, out[1:])


# -- the names a statement rebinds --------------------------------------------------------
def _carried(env, assigns):
    """Names rebound in the block that hold tensors now (Variables are state, not outputs)."""
    names, saved = [], {}
    for n in sorted(assigns):
        scope = _find(env, n)
        if scope is None or scope.parent is None:
            continue
        v = scope.vars[n]
        saved[n] = v
        if is_tensorlike(v) and not isinstance(v, am.Variable):
            names.append(n)
    return names, saved


def _find(env, name):
    s = env
    while s is not None and name not in s.vars:
        s = s.parent
    return s


def _outputs(env, names, saved, loc):
    for n, v in saved.items():
        if n not in names and _find(env, n).vars[n] is not v:
            raise ScriptError(f"`{n}` holds {describe(v)}; under a tensor condition only "
                              "tensors can be rebound", loc=loc)
    return [_to_tensor(_find(env, n).vars[n], f"`{n}`", loc) for n in names]


def _to_tensor(v, what, loc):
    if not is_tensorlike(v):
        raise ScriptError(f"{what} is {describe(v)}; under a tensor condition only tensors "
                          "can flow out of a branch or loop", loc=loc)
    return call_at(loc, am.convert_to_tensor, v)


def _rebind(env, names, values):
    for n, v in zip(names, values):
        _find(env, n).vars[n] = v


def _restore(env, saved):
    for n, v in saved.items():
        _find(env, n).vars[n] = v
