"""am.cond and am.while_loop: Python control flow eagerly, structured nodes in graphs."""
from . import core, tree
from .errors import ArgumentError, DTypeError, ShapeError, user_loc
from .ops.control import cond as cond_op, while_loop as while_op
from .tracing import finish_branch, trace_subgraph
from .constructors import convert_to_tensor


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if pred else ``false_fn()``; pred is a scalar bool tensor.

    >>> am.cond(am.constant(True), lambda: 1.0, lambda: 2.0)
    ambi.Tensor(1.0, shape=(), dtype=float32)
    """
    trace = core.current_trace()
    if trace is None or not isinstance(pred, core.SymbolicTensor):
        return _as_tensors(true_fn() if bool(pred) else false_fn())
    pred = trace.to_symbolic(pred)
    _check_pred(pred, "am.cond")
    t_sub, _, t_out = trace_subgraph(true_fn, [], "true_fn")
    f_sub, _, f_out = trace_subgraph(false_fn, [], "false_fn")
    t_leaves, t_def = finish_branch(t_sub, t_out)
    f_leaves, f_def = finish_branch(f_sub, f_out)
    if t_def != f_def or [x.type for x in t_leaves] != [x.type for x in f_leaves]:
        raise ShapeError("am.cond: true_fn and false_fn must return the same structure, "
                         f"shapes and dtypes; got {_sig(t_leaves)} and {_sig(f_leaves)}",
                         loc=user_loc())
    outs = bind_cond(pred, t_sub, f_sub)
    if t_out is None and f_out is None:  # branches of effects only (am.print), as in TF
        return None
    return tree.unflatten(t_def, outs or ())  # a branch may return nothing (effects only)


def bind_cond(pred, t_sub, f_sub):
    """The ``cond`` node over two traced branches whose outputs are set: the one lowering
    of a tensor ``if`` (am.cond, autograph, the language). Returns a tuple of outputs."""
    operands = [pred] + t_sub.captures + f_sub.captures
    params = {"true_graph": t_sub.graph, "false_graph": f_sub.graph,
              "n_true": len(t_sub.captures)}
    return core.bind(cond_op, operands, params) or ()


def while_loop(cond_fn, body_fn, loop_vars):
    """Repeat ``loop_vars = body_fn(*loop_vars)`` while ``cond_fn(*loop_vars)`` is true.

    >>> am.while_loop(lambda i: i < 10, lambda i: i + 1, [am.constant(0)])
    [ambi.Tensor(10, shape=(), dtype=int32)]
    """
    if not isinstance(loop_vars, (list, tuple)):
        raise ArgumentError("am.while_loop: loop_vars must be a list or tuple of tensors")
    trace = core.current_trace()
    if trace is None:
        return _eager_while(cond_fn, body_fn, loop_vars)
    leaves, treedef = tree.flatten(loop_vars)
    leaves = [trace.to_symbolic(x) for x in leaves]
    types = [x.type for x in leaves]
    call = lambda *xs: tree.unflatten(treedef, xs)  # noqa: E731
    c_sub, _, c_out = trace_subgraph(lambda *xs: cond_fn(*call(*xs)), types, "cond_fn")
    c_leaves, _ = finish_branch(c_sub, c_out)
    if len(c_leaves) != 1:
        raise ArgumentError("am.while_loop: cond_fn must return one scalar bool tensor")
    _check_pred(c_leaves[0], "am.while_loop cond_fn")
    b_sub, _, b_out = trace_subgraph(lambda *xs: body_fn(*call(*xs)), types, "body_fn")
    b_leaves, b_def = finish_branch(b_sub, tuple(b_out) if isinstance(b_out, list) else b_out)
    if [x.type for x in b_leaves] != types:
        raise ShapeError("am.while_loop: body_fn must keep the loop variables' shapes and "
                         f"dtypes: {_sig(leaves)} became {_sig(b_leaves)}", loc=user_loc())
    operands = leaves + c_sub.captures + b_sub.captures
    params = {"cond_graph": c_sub.graph, "body_graph": b_sub.graph, "n_vars": len(leaves),
              "n_cond": len(c_sub.captures)}
    return tree.unflatten(treedef, core.bind(while_op, operands, params) or ())


def _eager_while(cond_fn, body_fn, loop_vars):
    loop_vars = type(loop_vars)(_as_tensors(v) for v in loop_vars)
    while bool(cond_fn(*loop_vars)):
        out = body_fn(*loop_vars)
        out = out if isinstance(out, (list, tuple)) else (out,)
        loop_vars = type(loop_vars)(_as_tensors(v) for v in out)
    return loop_vars


def _check_pred(p, what):
    if p.shape != () or not p.dtype.is_bool:
        raise DTypeError(f"{what}: the condition must be a scalar bool tensor, got "
                         f"{p.dtype.name}{list(p.shape)}", loc=user_loc())


def _as_tensors(result):
    if result is None:
        return None
    leaves, treedef = tree.flatten(result)
    return tree.unflatten(treedef, [convert_to_tensor(x) for x in leaves])


def _sig(leaves):
    return "(" + ", ".join(str(x.type) for x in leaves) + ")"
