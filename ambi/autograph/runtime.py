"""What converted code calls (``ag__.if_stmt`` ...): plain Python on Python values and
eager tensors, graph nodes on symbolic tensors.

Each statement arrives as functions of the names it assigns (its *state*) and returns the
new state. On a symbolic condition the state's tensors become the outputs of a ``cond``
node or the variables of a ``while`` node; Python numbers among them become tensors;
other Python values must come out unchanged.
"""
import sys

from .. import ops, tree
from ..control import bind_cond, cond as am_cond, finish_branch
from ..constructors import range as am_range
from ..core import executing_eagerly
from ..errors import DTypeError, ShapeError, TracingError, user_loc
from ..tracing import trace_subgraph
from . import loader, loops
from .exits import RETURN_VALUE, RETVAL
from .values import (Undefined, as_tensor, check_condition, check_not_in_try, describe,
                     is_number, is_symbolic, is_tensorish, read)

__all__ = ["Undefined", "if_stmt", "while_stmt", "for_stmt", "for_iter", "and_", "or_", "not_",
           "if_exp", "converted_call", "return_value"]


# -- if ---------------------------------------------------------------------------------
def if_stmt(pred, true_fn, false_fn, state, names, in_try):
    """``if pred: state = true_fn(*state) else: state = false_fn(*state)``."""
    pred = read(pred)
    if not is_symbolic(pred):
        return true_fn(*state) if pred else false_fn(*state)
    check_condition(pred, "if", in_try)
    loc = user_loc()
    t_sub, _, t_out = trace_subgraph(lambda: true_fn(*state), [], "if_true")
    f_sub, _, f_out = trace_subgraph(lambda: false_fn(*state), [], "if_false")
    merged, t_leaves, f_leaves = [], [], []
    for name, a, b in zip(names, t_out, f_out):
        treedef, leaves, a_leaves, b_leaves = _merge_value(name, a, b, loc)
        for value, x, y in zip(leaves, a_leaves, b_leaves):
            if value is _OUTPUT:
                x, y = _branch_tensors(t_sub, f_sub, name, x, y, loc)
                t_leaves.append(x)
                f_leaves.append(y)
        merged.append((treedef, leaves))
    finish_branch(t_sub, t_leaves)
    finish_branch(f_sub, f_leaves)
    outs = iter(bind_cond(pred, t_sub, f_sub))
    return tuple(tree.unflatten(d, [next(outs) if v is _OUTPUT else v for v in leaves])
                 for d, leaves in merged)


_OUTPUT = object()  # a value the cond node gives


def _merge_value(name, a, b, loc):
    """What ``name`` holds after the ``if``, as (treedef, leaves, a's leaves, b's leaves):
    each leaf a Python value both branches agree on, an Undefined, or _OUTPUT (a tensor
    that differs by branch)."""
    if a is b:
        return None, [a], [a], [b]  # neither branch rebound it (or both to the same object)
    if name == RETVAL:  # the branch that did not return gets a placeholder of the same form
        a, b = _same_form(a, b), _same_form(b, a)
    (la, da), (lb, db) = tree.flatten(a), tree.flatten(b)
    if da != db:
        if isinstance(a, Undefined) or isinstance(b, Undefined):
            return None, [_one_branch(name, loc)], [a], [b]
        raise TracingError(f"`{name}` is {describe(a)} after one branch of this `if` and "
                           f"{describe(b)} after the other; under a tensor condition both "
                           "branches must give it the same structure", loc=loc)
    return da, [_merge(name, x, y, loc) for x, y in zip(la, lb)], la, lb


def _same_form(x, other):
    if not isinstance(x, Undefined) or isinstance(other, Undefined):
        return x
    leaves, treedef = tree.flatten(other)
    return tree.unflatten(treedef, [Undefined(RETURN_VALUE)] * len(leaves))


def _one_branch(name, loc):
    return Undefined(name, f"it is assigned in only one branch of the `if` at {loc} (a "
                           "tensor condition); give it a value before the `if` or in both "
                           "branches")


def _merge(name, a, b, loc):
    if a is b:
        return a
    a_undef, b_undef = isinstance(a, Undefined), isinstance(b, Undefined)
    if name == RETVAL and a_undef != b_undef:
        return _OUTPUT  # the placeholder becomes zeros (never returned: do_return is False)
    if a_undef or b_undef:
        return _one_branch(name, loc)
    if is_tensorish(a) and is_tensorish(b):
        return _OUTPUT
    if not (is_tensorish(a) or is_tensorish(b)) and _same_python(a, b):
        return a
    raise TracingError(f"`{name}` is {describe(a)} after one branch of this `if` and "
                       f"{describe(b)} after the other; under a tensor condition only "
                       "tensors and numbers can differ between branches", loc=loc)


def _same_python(a, b):
    try:
        return bool(type(a) is type(b) and a == b)
    except Exception:  # noqa: BLE001  (== of arbitrary objects may raise or be ambiguous)
        return False


def _branch_tensors(t_sub, f_sub, name, a, b, loc):
    """Both branch values as tensors of their subgraphs, with the same type."""
    first, second = (t_sub, a, f_sub, b), (f_sub, b, t_sub, a)
    sub, x, other_sub, y = second if is_number(a) or isinstance(a, Undefined) else first
    x = as_tensor(sub, x)
    y = as_tensor(other_sub, y, like=x.type)
    a, b = (x, y) if sub is t_sub else (y, x)
    if a.type != b.type:
        kind = DTypeError if a.dtype != b.dtype else ShapeError
        raise kind(f"`{name}` is {a.type} after the true branch of this `if` and {b.type} "
                   "after the false branch; in am.function both branches must give it the "
                   "same dtype and shape", loc=loc)
    return a, b


# -- loops ------------------------------------------------------------------------------
def while_stmt(test_fn, body_fn, state, names, in_try):
    """``while test_fn(*state): state = body_fn(*state)``."""
    while True:
        go = read(test_fn(*state))
        if is_symbolic(go):
            check_condition(go, "while", in_try)
            return loops.graph_loop(test_fn, body_fn, state, names, None)
        if not go:
            return state
        state = body_fn(*state)


def for_stmt(iterable, extra_test, body_fn, state, names, in_try):
    """``for item in iterable: state = body_fn(item, *state)``, while ``extra_test`` (the
    loop's break/return flags) allows."""
    iterable = read(iterable)
    counter = loops.counter_for(iterable)
    if counter is not None:
        check_not_in_try("for", in_try)
        return loops.graph_loop(extra_test, body_fn, state, names, counter)
    for item in iterable:
        go = True if extra_test is None else read(extra_test(*state))
        if is_symbolic(go):  # a tensor break or return: the rest of the iterations are conds
            state = if_stmt(go, lambda *s, item=item: body_fn(item, *s), lambda *s: s,
                            state, names, in_try)
        elif not go:
            break
        else:
            state = body_fn(item, *state)
    return state


def for_iter(fn, *args):
    """What ``for x in fn(*args)`` iterates: ``range`` and ``am.range`` with a symbolic
    bound give a SymbolicRange (a graph loop); anything else is called as written."""
    if fn is range or fn is am_range:
        values = [read(a) for a in args]
        if any(is_symbolic(a) for a in values):
            return loops.SymbolicRange(*values)
    return converted_call(fn)(*args)


# -- expressions -------------------------------------------------------------------------
def and_(*thunks):
    """``a and b``: Python's on Python values and eager tensors; ``logical_and`` once a
    value is symbolic (then every operand is evaluated: a graph has no short circuit)."""
    return _bool_op(thunks, ops.logical_and, stop_when=False)


def or_(*thunks):
    return _bool_op(thunks, ops.logical_or, stop_when=True)


def _bool_op(thunks, op, stop_when):
    value = thunks[0]()
    for i, thunk in enumerate(thunks[1:], 1):
        if is_symbolic(read(value)):
            for rest in thunks[i:]:
                value = op(read(value), read(rest()))
            return value
        if bool(value) == stop_when:
            return value
        value = thunk()
    return value


def not_(x):
    x = read(x)
    return ops.logical_not(x) if is_symbolic(x) else not x


def if_exp(test, true_thunk, false_thunk):
    """``a if test else b``: ``am.cond`` on a symbolic test."""
    test = read(test)
    if is_symbolic(test):
        check_condition(test, "if", False)
        return am_cond(test, true_thunk, false_thunk)
    return true_thunk() if test else false_thunk()


def converted_call(fn):
    """The user's own functions are converted too (cached); library code is not."""
    if executing_eagerly():
        return fn
    return loader.convert(fn, _RUNTIME)


def return_value(value):
    """What the function returns: None when no ``return`` ran; an undefined name in the
    result raises the error that says why it has no value."""
    if isinstance(value, Undefined) and value.name == RETURN_VALUE:
        return None
    for leaf in tree.flatten(value)[0]:
        if isinstance(leaf, Undefined):
            leaf.fail()
    return value


_RUNTIME = sys.modules[__name__]  # what converted code calls ``ag__``
