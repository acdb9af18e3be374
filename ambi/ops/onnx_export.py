"""How each primitive op becomes ONNX: one rule per op record, registered next to the ops
the way JAX registers lowerings (``EXPORT[op] = rule``).

A rule is ``rule(ctx, node, *inputs) -> output names``. ``inputs`` are the ONNX value
names of the operands; ``node`` carries ``params``, ``in_types`` and ``out_types``.
``ctx`` builds the model (``ambi/onnx/exporter.py``) and never needs ``onnx`` here:

- ``ctx.op(op_type, inputs, n_out=1, **attrs)``: one ONNX node, its output name(s);
  attribute values that are ambi DTypes become ONNX's dtype codes;
- ``ctx.const(array)``: an initializer; ``ctx.ints(values)``: an int64 1-D initializer;
- ``ctx.inline(graph, inputs)``: an ambi (sub)graph's nodes emitted right here;
- ``ctx.subgraph(in_types, out_types, build)``: a GraphProto attribute whose body
  ``build(sub, input_names)`` writes, returning its outputs' names;
- ``ctx.variable(var)``: an initializer holding a Variable's value now;
- ``ctx.effect(node, what)``: an effect ONNX cannot hold (an error unless dropped).

ONNX opset 18. Semantics follow ambi's numpy kernels exactly: integer ``floordiv`` and
``mod`` round toward -inf (ONNX ``Div`` truncates), float ``mod`` and ``floordiv`` use
numpy's own algorithm, and NHWC convolutions are transposed around ONNX's NCHW ``Conv``.
"""
import numpy as np

from .. import dtypes as dt
from ..ir.ops_ir import ARG, CONST
from ..ir.types import norm_axes, norm_axis
from . import control, effects, elementwise as el, fused, indexing, linalg, nn, random
from . import reduce, shape
from .indexing import decode_index
from .nn import _window_geometry
from .variables import var_read, var_write

OPSET = 18
EXPORT = {}  # OpDef -> rule
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def register(op, rule):
    EXPORT[op] = rule


def direct(op_type, **attrs):
    """The op is ONNX's ``op_type`` with the same operands."""
    return lambda ctx, node, *ins: [ctx.op(op_type, list(ins), **attrs)]


# -- elementwise: the same meaning under another name ---------------------------------
for _op, _onnx in [(el.negative, "Neg"), (el.abs, "Abs"), (el.sign, "Sign"), (el.exp, "Exp"),
                   (el.log, "Log"), (el.sqrt, "Sqrt"), (el.sin, "Sin"), (el.cos, "Cos"),
                   (el.tanh, "Tanh"), (el.floor, "Floor"), (el.ceil, "Ceil"),
                   (el.round, "Round"), (el.logical_not, "Not"), (el.add, "Add"),
                   (el.subtract, "Sub"), (el.multiply, "Mul"), (el.pow, "Pow"),
                   (el.maximum, "Max"), (el.minimum, "Min"), (el.equal, "Equal"),
                   (el.less, "Less"), (el.less_equal, "LessOrEqual"), (el.greater, "Greater"),
                   (el.greater_equal, "GreaterOrEqual"), (el.logical_and, "And"),
                   (el.logical_or, "Or"), (linalg.matmul, "MatMul"),
                   (nn.stop_gradient, "Identity")]:
    register(_op, direct(_onnx))


def _not_equal(ctx, node, a, b):
    return [ctx.op("Not", [ctx.op("Equal", [a, b])])]


def _log1p(ctx, node, x):
    """float32: log(1 + x) in float64, where 1 + x is exact; float64: Goldberg's
    log(u) * x / (u - 1) with u = 1 + x (x itself where u rounds to 1)."""
    if node.out_types[0].dtype is dt.float32:
        wide = ctx.op("Cast", [x], to=dt.float64)
        u = ctx.op("Add", [wide, ctx.const(np.float64(1))])
        return [ctx.op("Cast", [ctx.op("Log", [u])], to=dt.float32)]
    one = ctx.const(np.float64(1))
    u = ctx.op("Add", [x, one])
    ratio = ctx.op("Div", [ctx.op("Mul", [ctx.op("Log", [u]), x]), ctx.op("Sub", [u, one])])
    tiny = ctx.op("Equal", [u, one])
    log_u = ctx.op("Log", [u])  # x = +-inf: log(u) is inf or nan, as log1p's
    return [ctx.op("Where", [tiny, x, ctx.op("Where", [ctx.op("IsInf", [x]), log_u, ratio])])]


def _divide(ctx, node, a, b):
    out = node.out_types[0].dtype
    if node.in_types[0].dtype is not out:  # int / int -> float32 (int64 -> float64)
        a, b = ctx.op("Cast", [a], to=out), ctx.op("Cast", [b], to=out)
    return [ctx.op("Div", [a, b])]


def _int_divmod(ctx, node, a, b):
    """numpy's integer floordiv and mod: toward -inf; x // 0 = x % 0 = 0; x // -1 = -x
    (wrapping). ONNX's Mod(fmod=0) already has the divisor's sign; the divisor seen by
    Div/Mod is never 0 or -1, which would trap in onnxruntime."""
    d = node.in_types[1].dtype
    zero, one, minus = (ctx.const(np.array(v, d.np)) for v in (0, 1, -1))
    is_zero, is_minus = ctx.op("Equal", [b, zero]), ctx.op("Equal", [b, minus])
    safe = ctx.op("Where", [ctx.op("Or", [is_zero, is_minus]), one, b])
    rem = ctx.op("Mod", [a, safe], fmod=0)
    return a, rem, safe, is_zero, is_minus, zero


def _int_floordiv(ctx, node, a, rem, safe, is_zero, is_minus, zero):
    # ONNX's Div truncates: one less where the remainder is nonzero and the signs differ
    inexact = ctx.op("Not", [ctx.op("Equal", [rem, zero])])
    signs = ctx.op("Not", [ctx.op("Equal", [ctx.op("Less", [a, zero]),
                                            ctx.op("Less", [safe, zero])])])
    down = ctx.op("Cast", [ctx.op("And", [inexact, signs])], to=node.in_types[0].dtype)
    quot = ctx.op("Sub", [ctx.op("Div", [a, safe]), down])
    return ctx.op("Where", [is_zero, zero, ctx.op("Where", [is_minus, ctx.op("Neg", [a]),
                                                            quot])])


def _float_divmod(ctx, node, a, b):
    """numpy's npy_divmod: mod = fmod(a, b) moved to b's sign; div = (a - mod) / b
    rounded to the nearest integer from below; b == 0 gives a / b and fmod's nan."""
    npd = node.in_types[0].dtype.np
    zero = ctx.const(np.array(0, npd))
    mod = ctx.op("Mod", [a, b], fmod=1)
    fix = ctx.op("And", [ctx.op("Not", [ctx.op("Equal", [mod, zero])]),
                         ctx.op("Not", [ctx.op("Equal", [ctx.op("Less", [b, zero]),
                                                         ctx.op("Less", [mod, zero])])])])
    mod_fixed = ctx.op("Where", [fix, ctx.op("Add", [mod, b]), mod])
    div = ctx.op("Div", [ctx.op("Sub", [a, mod]), b])
    div = ctx.op("Where", [fix, ctx.op("Sub", [div, ctx.const(np.array(1, npd))]),
                           div])
    floor = ctx.op("Floor", [div])
    half = ctx.const(np.array(0.5, npd))
    up = ctx.op("Greater", [ctx.op("Sub", [div, floor]), half])
    floor = ctx.op("Where", [up, ctx.op("Add", [floor, ctx.const(np.array(1, npd))]),
                             floor])
    # div == 0: a zero with the sign of a / b; b == 0: a / b itself (inf or nan)
    signed_zero = ctx.op("Mul", [ctx.op("Div", [a, b]), zero])
    floor = ctx.op("Where", [ctx.op("Equal", [div, zero]), signed_zero, floor])
    # mod == 0: a zero with b's sign
    zero_mod = ctx.op("Where", [ctx.op("Less", [b, zero]), ctx.const(np.array(-0.0,
                                npd)), zero])
    mod_fixed = ctx.op("Where", [ctx.op("Equal", [mod, zero]), zero_mod, mod_fixed])
    by_zero = ctx.op("Equal", [b, zero])
    floor = ctx.op("Where", [by_zero, ctx.op("Div", [a, b]), floor])
    return floor, mod_fixed


def _floordiv(ctx, node, a, b):
    if node.in_types[0].dtype.is_float:
        return [_float_divmod(ctx, node, a, b)[0]]
    return [_int_floordiv(ctx, node, *_int_divmod(ctx, node, a, b))]


def _mod(ctx, node, a, b):
    if node.in_types[0].dtype.is_float:
        return [_float_divmod(ctx, node, a, b)[1]]
    _, rem, _, is_zero, is_minus, zero = _int_divmod(ctx, node, a, b)
    return [ctx.op("Where", [ctx.op("Or", [is_zero, is_minus]), zero, rem])]


def _where(ctx, node, c, x, y):
    if node.out_types[0].dtype.is_bool:  # onnxruntime has no bool Where: (c and x) or
        return [ctx.op("Or", [ctx.op("And", [c, x]),  # (not c and y)
                              ctx.op("And", [ctx.op("Not", [c]), y])])]
    return [ctx.op("Where", [c, x, y])]


register(el.where, _where)
register(el.not_equal, _not_equal)
register(el.log1p, _log1p)
register(el.divide, _divide)
register(el.floordiv, _floordiv)
register(el.mod, _mod)


# -- shape ---------------------------------------------------------------------------
def _reshape_to(ctx, x, out_shape):
    return ctx.op("Reshape", [x, ctx.ints(out_shape)], allowzero=1)


register(shape.reshape, lambda ctx, node, x: [_reshape_to(ctx, x, node.out_types[0].shape)])
register(shape.transpose, lambda ctx, node, x: [ctx.op(
    "Transpose", [x], perm=list(shape._perm(node.in_types[0].shape, node.params["perm"])))])
register(shape.concat, lambda ctx, node, *xs: [ctx.op(
    "Concat", list(xs), axis=norm_axis(node.params["axis"], node.in_types[0].ndim, "concat"))])
register(shape.broadcast_to, lambda ctx, node, x: [ctx.op(
    "Expand", [x, ctx.ints(node.out_types[0].shape)])])
register(shape.cast, lambda ctx, node, x: [ctx.op("Cast", [x], to=node.out_types[0].dtype)])
register(indexing.gather, lambda ctx, node, p, i: [ctx.op(
    "Gather", [p, i], axis=norm_axis(node.params["axis"], node.in_types[0].ndim, "gather"))])


def _slice_axes(index, shape_):
    """numpy basic index -> [(axis, start, stop, step)] over ``shape_``'s axes."""
    items = list(decode_index(index))
    if Ellipsis in items:
        at = items.index(Ellipsis)
        real = sum(1 for it in items if it is not None and it is not Ellipsis)
        items[at:at + 1] = [slice(None)] * (len(shape_) - real)
    items = [it for it in items if it is not None]
    items += [slice(None)] * (len(shape_) - len(items))
    out = []
    for axis, (it, dim) in enumerate(zip(items, shape_)):
        if isinstance(it, slice):
            start, stop, step = it.indices(dim)
            if step < 0 and stop < 0:
                stop = INT64_MIN  # "before element 0"; -1 would mean the last element
        else:
            start = it % dim
            stop, step = start + 1, 1
        if (start, stop, step) != (0, dim, 1):
            out.append((axis, start, stop, step))
    return out


def _strided_slice(ctx, node, x):
    axes = _slice_axes(node.params["index"], node.in_types[0].shape)
    if axes:
        cols = list(zip(*axes))
        x = ctx.op("Slice", [x, ctx.ints(cols[1]), ctx.ints(cols[2]), ctx.ints(cols[0]),
                             ctx.ints(cols[3])])
    return [_reshape_to(ctx, x, node.out_types[0].shape)]


register(indexing.strided_slice, _strided_slice)


# -- reductions ---------------------------------------------------------------------
def reduction(op_type, nan_wins=False):
    def rule(ctx, node, x):
        ndim = node.in_types[0].ndim
        if ndim == 0:
            return [ctx.op("Identity", [x])]
        axes = ctx.ints(norm_axes(node.params["axis"], ndim, op_type))
        keep = int(bool(node.params["keepdims"]))
        if node.in_types[0].dtype.is_bool:  # bool reductions come with opset 20: via int32
            found = ctx.op(op_type, [ctx.op("Cast", [x], to=dt.int32), axes], keepdims=keep)
            return [ctx.op("Cast", [found], to=dt.bool_)]
        out = ctx.op(op_type, [x, axes], keepdims=keep)
        if nan_wins and node.in_types[0].dtype.is_float:  # onnxruntime skips nan
            t = node.in_types[0].dtype
            nans = ctx.op("ReduceSum", [ctx.op("Cast", [ctx.op("IsNaN", [x])], to=t), axes],
                          keepdims=keep)
            zero = ctx.const(np.array(0, t.np))
            out = ctx.op("Where", [ctx.op("Greater", [nans, zero]),
                                   ctx.const(np.array(np.nan, t.np)), out])
        return [out]
    return rule


def arg_reduction(op_type):
    def rule(ctx, node, x):
        t, axis = node.in_types[0], node.params["axis"]
        if t.ndim == 0:
            return [ctx.const(np.array(0, np.int32))]
        if axis is None:
            x, axis = _reshape_to(ctx, x, (t.size,)), 0
        axis = norm_axis(axis, max(t.ndim, 1), op_type)
        found = ctx.op(op_type, [x], axis=axis, keepdims=0)
        if t.dtype.is_float:  # the first nan wins, as in numpy; onnxruntime skips nan
            nan = ctx.op("Cast", [ctx.op("IsNaN", [x])], to=dt.int32)
            first = ctx.op("ArgMax", [nan], axis=axis, keepdims=0)
            has = ctx.op("Cast", [ctx.op("ReduceMax", [nan, ctx.ints([axis])], keepdims=0)],
                         to=dt.bool_)
            found = ctx.op("Where", [has, first, found])
        if node.params.get("keepdims"):  # the reduced axis (all axes for None) kept as 1s
            found = _reshape_to(ctx, found, node.out_types[0].shape)
        return [ctx.op("Cast", [found], to=dt.int32)]
    return rule


register(reduce.reduce_sum, reduction("ReduceSum"))
register(reduce.reduce_prod, reduction("ReduceProd"))
register(reduce.reduce_max, reduction("ReduceMax", nan_wins=True))
register(reduce.reduce_min, reduction("ReduceMin", nan_wins=True))
register(reduce.argmax, arg_reduction("ArgMax"))
register(reduce.argmin, arg_reduction("ArgMin"))


# -- windows: ambi is NHWC, ONNX is NCHW ---------------------------------------------
def _windowed(ctx, node, x, ksize, op_type, extra_inputs=()):
    p = node.params
    k, s, _, pads = _window_geometry(node.in_types[0].shape, ksize, p["strides"],
                                     p["padding"], node.op.name)
    nchw = ctx.op("Transpose", [x], perm=[0, 3, 1, 2])
    attrs = {"kernel_shape": list(k)} if op_type == "MaxPool" else {}
    y = ctx.op(op_type, [nchw, *extra_inputs], strides=list(s),
               pads=[pads[0][0], pads[1][0], pads[0][1], pads[1][1]], **attrs)
    return ctx.op("Transpose", [y], perm=[0, 2, 3, 1])


def _conv2d(ctx, node, x, f):
    if node.in_types[0].dtype is dt.float64:  # onnxruntime's Conv is float32 only
        return [_conv2d_by_matmul(ctx, node, x, f)]
    oihw = ctx.op("Transpose", [f], perm=[3, 2, 0, 1])  # (KH, KW, I, O) -> (O, I, KH, KW)
    return [_windowed(ctx, node, x, node.in_types[1].shape[:2], "Conv", [oihw])]


def _max_pool2d(ctx, node, x):
    d = node.in_types[0].dtype
    if d.is_int:  # onnxruntime pools floats only; int32 is exact in float64
        x = ctx.op("Cast", [x], to=dt.float64)
    y = _windowed(ctx, node, x, node.params["ksize"], "MaxPool")
    return [ctx.op("Cast", [y], to=d) if d.is_int else y]


def _conv2d_by_matmul(ctx, node, x, f):
    """sum over the window's (i, j) of a strided NHWC slice of x @ f[i, j] (C_in x C_out)."""
    p, (n, h, w, c) = node.params, node.in_types[0].shape
    (kh, kw), (sh, sw), (oh, ow), pads = _window_geometry(
        (n, h, w, c), node.in_types[1].shape[:2], p["strides"], p["padding"], "conv2d")
    if any(pads[0] + pads[1]):
        x = ctx.op("Pad", [x, ctx.ints([0, pads[0][0], pads[1][0], 0,
                                        0, pads[0][1], pads[1][1], 0])])
    total = None
    for i in range(kh):
        for j in range(kw):
            win = ctx.op("Slice", [x, ctx.ints([i, j]), ctx.ints([i + (oh - 1) * sh + 1,
                                                                  j + (ow - 1) * sw + 1]),
                                   ctx.ints([1, 2]), ctx.ints([sh, sw])])
            tap = ctx.op("Gather", [ctx.op("Gather", [f, ctx.const(np.int64(i))], axis=0),
                                    ctx.const(np.int64(j))], axis=0)
            term = ctx.op("MatMul", [win, tap])
            total = term if total is None else ctx.op("Add", [total, term])
    return total


register(nn.conv2d, _conv2d)
register(nn.max_pool2d, _max_pool2d)


# -- values: graph inputs, literals, random draws, variables ---------------------------
def _random(op_type):
    """A seeded draw is a pure function of its seed: its values become an initializer.
    An unseeded one draws from ONNX's generator (same distribution, other numbers)."""
    def rule(ctx, node):
        p = node.params
        if p["seed"] is not None:
            return [ctx.const(node.op.kernel(**p))]
        lo, hi = ("low", "high") if op_type == "RandomUniform" else ("mean", "scale")
        a, b = ("minval", "maxval") if op_type == "RandomUniform" else ("mean", "stddev")
        return [ctx.op(op_type, [], shape=list(p["shape"]), dtype=p["dtype"],
                       **{lo: float(p[a]), hi: float(p[b])})]
    return rule


register(random.random_uniform, _random("RandomUniform"))
register(random.random_normal, _random("RandomNormal"))
register(CONST, lambda ctx, node: [ctx.const(np.asarray(node.params["value"]))])


def _print(ctx, node, *ins):
    ctx.effect(node, "am.print (ONNX has no output stream)")
    return []


register(effects.print_op, _print)
register(fused.fused, lambda ctx, node, *ins: ctx.inline(node.params["graph"], list(ins)))


def _var_write(ctx, node, value):
    ctx.effect(node, f"the write to variable {node.params['var'].name!r}",
               var=node.params["var"])
    return []


# Variables (declared in ambi/ops/variables.py): a read is an initializer holding the value at
# export time; a write is an effect ONNX cannot hold
register(var_read, lambda ctx, node: [ctx.variable(node.params["var"])])
register(var_write, _var_write)


# -- control flow --------------------------------------------------------------------
def _cond(ctx, node, pred, *ins):
    p = node.params
    n = p["n_true"]

    def branch(graph, names):
        return lambda sub, _: [sub.op("Identity", [v]) for v in sub.inline(graph, names)]
    then_g = ctx.subgraph([], node.out_types, branch(p["true_graph"], list(ins[:n])))
    else_g = ctx.subgraph([], node.out_types, branch(p["false_graph"], list(ins[n:])))
    if not node.out_types:  # only effects inside, each already raised or dropped
        return []
    return ctx.op("If", [pred], n_out=len(node.out_types), then_branch=then_g,
                  else_branch=else_g)


def _while(ctx, node, *ins):
    """ambi's while tests before each trip, ONNX's Loop takes the first test as an input:
    the condition graph runs once outside, then at the end of every body."""
    p = node.params
    n, nc = p["n_vars"], p["n_cond"]
    loop_vars, cond_in, body_in = list(ins[:n]), list(ins[n:n + nc]), list(ins[n + nc:])
    first = ctx.inline(p["cond_graph"], loop_vars + cond_in)[0]

    def body(sub, names):
        new = sub.inline(p["body_graph"], names[2:] + body_in)
        again = sub.inline(p["cond_graph"], new + cond_in)[0]
        return [sub.op("Identity", [v]) for v in [again] + new]
    types = [_BOOL] + list(node.out_types)
    graph = ctx.subgraph([_ITER] + types, types, body)
    return ctx.op("Loop", ["", first, *loop_vars], n_out=n, body=graph)


class _Scalar:
    def __init__(self, dtype):
        self.shape, self.dtype = (), dtype


_ITER, _BOOL = _Scalar(dt.int64), _Scalar(dt.bool_)
register(control.cond, _cond)
register(control.while_loop, _while)
NOT_EXPORTED = {ARG}  # graph inputs: the exporter names them itself
