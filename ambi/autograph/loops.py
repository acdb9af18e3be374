"""Loops on symbolic values become ``am.while_loop``; the names a loop assigns are its
variables. ``for`` over a symbolic range or tensor adds a counter as the first one.

A name with no value before the loop (``x`` first assigned in the body) gets its type
from a trial trace of the body that is then thrown away, and starts as zeros: the body
must assign it before reading it, so the zeros are never seen (as in AutoGraph).
"""
import numpy as np

from .. import ops, tree
from ..control import while_loop
from ..convert import to_numpy
from ..core import current_trace
from ..errors import ArgumentError, DTypeError, ShapeError, TracingError, user_loc
from ..ir.types import TensorType
from ..tracing import trace_subgraph
from .values import Undefined, as_tensor, describe, is_number, is_symbolic, is_tensorish, read


class SymbolicRange:
    """``range(start, stop, step)`` with a symbolic bound; the step is a Python int."""

    def __init__(self, *args):
        if not 1 <= len(args) <= 3:
            raise ArgumentError(f"range() takes 1 to 3 arguments, got {len(args)}")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (list(args) + [1])[:3]
        if is_symbolic(step):
            raise ArgumentError("range(): the step must be a Python int inside am.function "
                                "(the start and stop may be tensors)")
        if step == 0:
            raise ArgumentError("range() step must not be zero")
        self.start, self.stop, self.step = start, stop, int(step)
        bounds = [b for b in (start, stop) if is_symbolic(b)]
        self.dtype = bounds[0].dtype
        for b in bounds:
            if b.shape != () or not b.dtype.is_int:
                raise DTypeError(f"range() needs scalar integers, not a {b.type} tensor")


class Counter:
    """The index of a ``for`` that became a graph loop, and how the item comes from it."""

    def __init__(self, init, test, item, step):
        self.init = init  # the counter's first value (a tensor)
        self.test = test  # counter -> scalar bool: go on?
        self.item = item  # counter -> the loop's item
        self.step = step  # counter -> the next counter


def counter_for(iterable):
    """A Counter for a symbolic range or tensor; None for anything Python iterates."""
    trace = current_trace()
    if isinstance(iterable, SymbolicRange):
        r = iterable
        below = ops.less if r.step > 0 else ops.greater
        return Counter(as_tensor(trace, r.start, TensorType((), r.dtype)),
                       lambda i: below(i, r.stop), lambda i: i, lambda i: i + r.step)
    if is_symbolic(iterable):
        if not iterable.shape:
            raise TypeError("iteration over a scalar tensor")
        n = iterable.shape[0]
        return Counter(as_tensor(trace, 0), lambda i: i < n,
                       lambda i: ops.gather(iterable, i, axis=0), lambda i: i + 1)
    return None


def graph_loop(test_fn, body_fn, state, names, counter):
    """``am.while_loop`` over the state's tensors (and the counter); other values ride
    along unchanged. ``test_fn`` may be None (a ``for`` without break or return)."""
    loc = user_loc()
    flat = _Flat(_fill_undefined(body_fn, state, counter), names)
    slots = [i for i, v in enumerate(flat.leaves) if is_tensorish(v)]
    trace = current_trace()
    init = [as_tensor(trace, read(flat.leaves[i])) for i in slots]
    types = [x.type for x in init]
    lead = [counter.init] if counter else []

    def full(xs):
        leaves = list(flat.leaves)
        for i, x in zip(slots, xs):
            leaves[i] = x
        return flat.rebuild(leaves)

    def cond(*xs):
        go = test_fn(*full(xs[len(lead):])) if test_fn is not None else True
        if counter is not None:
            go = _and(counter.test(xs[0]), go)
        return as_tensor(current_trace(), read(go))

    def body(*xs):
        out = _run_body(body_fn, full(xs[len(lead):]), xs[:len(lead)], counter)
        new = _loop_outputs(flat, slots, types, flat.leaves_of(out, loc), loc)
        return ([counter.step(xs[0])] if counter else []) + new

    result = while_loop(cond, body, lead + init)
    return full(list(result)[len(lead):])


class _Flat:
    """The loop's state as leaves (a tuple state such as a return value has several),
    with each leaf's name and each name's structure."""

    def __init__(self, state, names):
        self.names, self.leaves, self.defs, self.counts = names, [], [], []
        self.leaf_names = []
        for name, value in zip(names, state):
            leaves, treedef = tree.flatten(value)
            self.leaves += leaves
            self.defs.append(treedef)
            self.counts.append(len(leaves))
            self.leaf_names += [name] * len(leaves)

    def rebuild(self, leaves):
        it = iter(leaves)
        return tuple(tree.unflatten(d, [next(it) for _ in range(n)])
                     for d, n in zip(self.defs, self.counts))

    def leaves_of(self, state, loc):
        """The body's new state as leaves, in the same structure as before the loop."""
        out = []
        for name, value, treedef, before in zip(self.names, state, self.defs, self.counts):
            leaves, d = tree.flatten(value)
            if d != treedef and not (before == 1 and treedef is None):
                raise TracingError(f"`{name}` changes structure in this loop on tensors "
                                   f"(now {describe(value)}); keep it the same shape of "
                                   "tuple or list in every iteration", loc=loc)
            out += leaves if d == treedef else [value]
        return out


def _run_body(body_fn, state, lead, counter):
    if counter is None:
        return body_fn(*state)
    return body_fn(counter.item(lead[0]), *state)


def _and(a, b):
    if is_symbolic(b):
        return ops.logical_and(a, b)
    return a if b else False


def _loop_outputs(flat, slots, types, out, loc):
    """The body's new values of the loop variables, checked against their types."""
    trace = current_trace()
    new = []
    for i, (name, before, after) in enumerate(zip(flat.leaf_names, flat.leaves, out)):
        if i not in slots:
            _check_unchanged(name, before, after, loc)
            continue
        t = types[len(new)]
        if isinstance(after, Undefined) or not is_tensorish(after):
            raise TracingError(f"`{name}` is a {t} tensor before this loop and "
                               f"{describe(after)} after its body; a loop on tensors must "
                               "give it a tensor on every path", loc=loc)
        x = as_tensor(trace, read(after), like=t)
        if x.type != t:
            kind = DTypeError if x.dtype != t.dtype else ShapeError
            raise kind(f"`{name}` changes from {t} to {x.type} in this loop; a loop "
                       "variable must keep its dtype and shape (give it a value of that "
                       "type before the loop, or am.cast it in the body)", loc=loc)
        new.append(x)
    return new


def _check_unchanged(name, before, after, loc):
    if after is before or isinstance(before, Undefined) and isinstance(after, Undefined):
        return
    raise TracingError(f"`{name}` holds {describe(before)} and the body of this loop on "
                       f"tensors rebinds it to {describe(after)}; only tensors and numbers "
                       "can change from one iteration to the next", loc=loc)


def _fill_undefined(body_fn, state, counter):
    """Names first assigned in the body: a trial trace of the body gives their types."""
    missing = [i for i, v in enumerate(state) if isinstance(v, Undefined)]
    if not missing:
        return state
    known = [i for i, v in enumerate(state) if is_tensorish(v)]
    arg_types = ([counter.init.type] if counter else []) + [_type(state[i]) for i in known]

    def trial(*xs):
        s = list(state)
        for i, x in zip(known, xs[len(arg_types) - len(known):]):
            s[i] = x
        return _run_body(body_fn, s, xs, counter)
    _, _, out = trace_subgraph(trial, arg_types, "trial_body")
    state = list(state)
    for i in missing:
        leaves, treedef = tree.flatten(out[i])
        if leaves and all(is_tensorish(x) for x in leaves):
            zeros = [_zeros(_type(x)) for x in leaves]
            state[i] = tree.unflatten(treedef, zeros)
    return tuple(state)


def _zeros(t):
    return as_tensor(current_trace(), np.zeros(t.shape, t.dtype.np))


def _type(x):
    if is_number(x):
        return TensorType((), to_numpy(x)[1])
    return TensorType(tuple(x.shape), x.dtype)
