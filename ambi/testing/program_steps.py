"""The steps a random program is made of. Each is ``step(builder, scope, budget, indent,
depth, trips) -> new values``: it draws its operands from ``scope`` (values
visible at this point), writes source lines through the builder and returns what it
defined. ``trips`` is how many times the enclosing loops may run this code."""
import numpy as np
from hypothesis import strategies as st

from ..ir.opdef import REGISTRY
from ..ir.types import norm_axes, reduced_shape
from .program_ops import (BINARY, COMPARISONS, REDUCTIONS, UNARY, Value, array_source,
                          broadcast_or_none)


def unary(b, scope, budget, indent, depth, trips):
    x = b.pick(scope)
    names = [n for n, u in UNARY.items() if n in REGISTRY and u.usable(x)]
    name = b.draw(st.sampled_from(names))
    rule = UNARY[name]
    arg = rule.guard.format(x=x.name)
    v = b.assign(f"am.{name}({arg})", x.shape, x.dtype, rule.bound(x.bound),
                 x.exact and rule.keeps_exact, indent, ops=1 + (arg != x.name))
    return [v]


def _partners(scope, x):
    return [v for v in scope if v.dtype == x.dtype and broadcast_or_none(x.shape, v.shape)
            is not None]


def binary(b, scope, budget, indent, depth, trips):
    x = b.pick(scope)
    use_literal = b.draw(st.integers(0, 4)) == 0  # a Python number, which adopts x's dtype
    y = b.literal(x.dtype) if use_literal else b.pick(_partners(scope, x))
    if not use_literal and b.draw(st.booleans()):
        x, y = y, x
    names = [n for n, r in BINARY.items() if n in REGISTRY and r.usable(x, y)]
    if not names:
        return []
    name = b.draw(st.sampled_from(names))
    rule = BINARY[name]
    arg = rule.guard.format(y=y.name)
    v = b.assign(f"am.{name}({x.name}, {arg})", broadcast_or_none(x.shape, y.shape), x.dtype,
                 rule.bound(x.bound, y.bound), x.exact and y.exact and rule.keeps_exact,
                 indent, ops=1 + 2 * (arg != y.name))
    return [v]


def reduce(b, scope, budget, indent, depth, trips):
    return [reduce_step(b, b.pick(scope), indent)]


def matmul(b, scope, budget, indent, depth, trips):
    mats = [v for v in scope if len(v.shape) >= 2]
    if not mats or "matmul" not in REGISTRY:
        return []
    x = b.pick(mats)
    fits = [v for v in mats if v.dtype == x.dtype and v.shape[-2] == x.shape[-1]
            and broadcast_or_none(x.shape[:-2], v.shape[:-2]) is not None]
    if fits and b.draw(st.booleans()):
        y = b.pick(fits)
        batch = broadcast_or_none(x.shape[:-2], y.shape[:-2])
        other, shape, bound = y.name, batch + (x.shape[-2], y.shape[-1]), y.bound
    else:  # x @ x^T always fits
        n = len(x.shape)
        perm = tuple(range(n - 2)) + (n - 1, n - 2)
        other, bound = f"am.transpose({x.name}, perm={perm})", x.bound
        shape = x.shape[:-1] + (x.shape[-2],)
    k = x.shape[-1]
    if x.dtype == "int32" and x.bound * bound * k >= 2 ** 31 - 1:
        return []
    b.k_terms = max(b.k_terms, k)
    return [b.assign(f"am.matmul({x.name}, {other})", shape, x.dtype, x.bound * bound * k,
                     False, indent, ops=2)]


def reshape(b, scope, budget, indent, depth, trips):
    x = b.pick(scope)
    size = _size(x.shape)
    same_size = [v.shape for v in scope if _size(v.shape) == size]
    options = [(-1,), tuple(reversed(x.shape)), x.shape + (1,)] + same_size
    target = b.draw(st.sampled_from(options))
    shape = (size,) if target == (-1,) else target
    return [b.assign(f"am.reshape({x.name}, {target!r})", shape, x.dtype, x.bound, x.exact,
                     indent)]


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def transpose(b, scope, budget, indent, depth, trips):
    mats = [v for v in scope if len(v.shape) >= 2]
    if not mats:
        return []
    x = b.pick(mats)
    perm = tuple(b.draw(st.permutations(range(len(x.shape)))))
    shape = tuple(x.shape[i] for i in perm)
    return [b.assign(f"am.transpose({x.name}, perm={perm})", shape, x.dtype, x.bound, x.exact,
                     indent)]


def where(b, scope, budget, indent, depth, trips):
    x = b.pick(scope)
    y = b.pick(_partners(scope, x))
    shape = broadcast_or_none(x.shape, y.shape)
    exact = [v for v in scope if v.exact and broadcast_or_none(v.shape, shape) is not None]
    if not exact:
        return []
    e = b.pick(exact)
    pred = f"am.{b.draw(st.sampled_from(COMPARISONS))}({e.name}, {b.literal(e.dtype).name})"
    v = b.assign(f"am.where({pred}, {x.name}, {y.name})", broadcast_or_none(e.shape, shape),
                 x.dtype, max(x.bound, y.bound), x.exact and y.exact, indent, ops=2)
    return [v]


def _predicate(b, scope):
    """A scalar bool that is the same on every device: from an exact value only."""
    e = b.pick([v for v in scope if v.exact])
    red = b.draw(st.sampled_from(["reduce_max", "reduce_min"]))
    cmp = b.draw(st.sampled_from(COMPARISONS))
    return f"am.{cmp}(am.{red}({e.name}), {b.literal(e.dtype).name})"


def cond(b, scope, budget, indent, depth, trips):
    b.features.add("cond")
    targets = _distinct(b, scope, b.draw(st.integers(1, 2)))
    k = next(b._ids)
    results = []
    for branch in ("true_fn", "false_fn"):
        inner = b.draw(st.integers(0, min(4, budget - 2)))
        b.emit(indent, f"def {branch}_{k}():")
        made = b.block(scope, inner, indent + 1, depth + 1, trips)
        outs = [b.fold_into(t, scope + made, indent + 1) for t in targets]
        b.emit(indent + 1, f"return {', '.join(v.name for v in outs)}")
        results.append(outs)
    names = [b.fresh() for _ in targets]
    b.emit(indent, f"{', '.join(names)} = am.cond({_predicate(b, scope)}, true_fn_{k}, "
           f"false_fn_{k})")
    b.ops += 3
    made = [Value(n, t.shape, t.dtype, max(r[i].bound for r in results))
            for i, (n, t) in enumerate(zip(names, targets))]
    return made


def _distinct(b, scope, n):
    picks = []
    for _ in range(n):
        v = b.pick(scope)
        if v not in picks:
            picks.append(v)
    return picks


def while_(b, scope, budget, indent, depth, trips):
    b.features.add("while")
    carried = _distinct(b, scope, b.draw(st.integers(1, 2)))
    n_trips = b.draw(st.integers(0, b.spec.max_trips))
    k = next(b._ids)
    counter = Value(f"i{k}", (), "int32", n_trips, exact=True)
    inside = [Value(f"s{k}_{j}", t.shape, t.dtype, max(t.bound, _wrap_bound(t)))
              for j, t in enumerate(carried)]
    params = ", ".join([counter.name] + [v.name for v in inside])
    b.emit(indent, f"def cond_{k}({params}):")
    b.emit(indent + 1, f"return am.less({counter.name}, {n_trips})")
    b.emit(indent, f"def body_{k}({params}):")
    made = b.block(scope + [counter] + inside, b.draw(st.integers(0, min(5, budget - 2))),
                   indent + 1, depth + 1, trips * max(n_trips, 1))
    outs = [b.fold_into(v, scope + [counter] + inside + made, indent + 1, force=True)
            for v in inside]
    b.emit(indent + 1, f"return [am.add({counter.name}, 1), {', '.join(v.name for v in outs)}]")
    names = [b.fresh("n")] + [b.fresh() for _ in carried]
    init = ", ".join(["am.constant(0)"] + [t.name for t in carried])
    b.emit(indent, f"{', '.join(names)} = am.while_loop(cond_{k}, body_{k}, [{init}])")
    b.ops += 3
    made = [Value(names[0], (), "int32", n_trips, exact=True)]
    made += [Value(n, v.shape, v.dtype, v.bound) for n, v in zip(names[1:], inside)]
    return made


def _wrap_bound(v):
    """What ``fold_into(force=True)`` bounds a loop variable by, each trip."""
    return 1.0 if v.dtype == "float32" else 1008.0


def print_(b, scope, budget, indent, depth, trips):
    b.features.add("print")
    x = b.pick(scope)
    b.emit(indent, f'am.print("{x.name}:", {x.name})')
    b.ops += 1
    return []


def var_read(b, scope, budget, indent, depth, trips):
    b.features.add("variables")
    var = b.pick([v for v, _ in b.variables])
    return [b.assign(f"{var.name}.read_value()", var.shape, "float32", var.bound, False,
                     indent)]


def var_add(b, scope, budget, indent, depth, trips):
    b.features.add("variables")
    var = b.pick([v for v, _ in b.variables])
    fits = [v for v in scope if v.dtype == "float32"
            and broadcast_or_none(var.shape, v.shape) == var.shape]
    # Each site adds at most 1 per trip; the builder's var_cap assumes <= 3 sites.
    if not fits or b.var_sites.get(var.name, 0) >= 3:
        return []
    b.var_sites[var.name] = b.var_sites.get(var.name, 0) + 1
    b.emit(indent, f"{var.name}.assign_add(am.tanh({b.pick(fits).name}))")
    b.ops += 2
    return []


# -- redundancy for the passes to find: folding, CSE, exact simplification ----------------
def constant(b, scope, budget, indent, depth, trips):
    like = b.pick(scope)
    shape = tuple(d if b.draw(st.booleans()) else 1 for d in like.shape)
    arr = b._array(shape, like.dtype, 2.0 if like.dtype == "float32" else None)
    bound = float(np.abs(arr).max(initial=0))
    return [b.assign(f"am.constant({array_source(arr)})", shape, like.dtype, bound, True,
                     indent)]


def repeat(b, scope, budget, indent, depth, trips):
    """The very expression of an earlier value again (its operands are still in scope)."""
    done = [v for v in scope if v.expr is not None]
    if not done:
        return []
    v = b.pick(done)
    return [b.assign(v.expr, v.shape, v.dtype, v.bound, v.exact, indent)]


def identity(b, scope, budget, indent, depth, trips):
    """``x`` again through an identity that is exact in IEEE arithmetic."""
    x = b.pick(scope)
    one = "1.0" if x.dtype == "float32" else "1"
    forms = [f"am.multiply({x.name}, {one})", f"am.negative(am.negative({x.name}))",
             f"am.maximum({x.name}, {x.name})", f"am.reshape({x.name}, {x.shape!r})"]
    if len(x.shape) >= 2:
        perm = tuple(b.draw(st.permutations(range(len(x.shape)))))
        inverse = tuple(int(i) for i in np.argsort(perm))
        forms.append(f"am.transpose(am.transpose({x.name}, perm={perm}), perm={inverse})")
    return [b.assign(b.draw(st.sampled_from(forms)), x.shape, x.dtype, x.bound, x.exact,
                     indent, ops=2)]


STEPS = {"unary": unary, "binary": binary, "reduce": reduce, "matmul": matmul,
         "reshape": reshape, "transpose": transpose, "where": where, "cond": cond,
         "while": while_, "print": print_, "var_read": var_read, "var_add": var_add,
         "constant": constant, "repeat": repeat, "identity": identity}


def reduce_step(b, x, indent):
    """A reduction over drawn axes (also used by ``program_steps``)."""
    names = [n for n in REDUCTIONS if n in REGISTRY and REDUCTIONS[n].usable(x)]
    name = b.draw(st.sampled_from(names))
    rule = REDUCTIONS[name]
    axis = b.draw(_axes(len(x.shape)))
    keepdims = b.draw(st.booleans())
    axes = norm_axes(axis, len(x.shape), name)
    k = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    if rule.sums:
        b.k_terms = max(b.k_terms, k)
    dtype = "float32" if rule.to_float else x.dtype
    expr = f"am.{name}({x.name}, axis={axis!r}, keepdims={keepdims})"
    return b.assign(expr, reduced_shape(x.shape, axes, keepdims), dtype, rule.bound(x.bound, k),
                    x.exact and rule.keeps_exact, indent)


def _axes(ndim):
    if ndim == 0:
        return st.just(None)
    single = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)
    return st.one_of(st.none(), single, several.map(tuple))
