"""Elementwise ops: unary, binary and ``where``. Broadcasting follows numpy.

Each record is the whole truth about its op. Composite ops (``rsqrt``, ``square``,
``sigmoid``, ``relu``) are written with primitives, so no device or pass needs to
know them.
"""
import numpy as np

from .. import dtypes as dt
from ..errors import DTypeError
from ..ir.opdef import check_same, defop
from ..ir.types import broadcast_shapes
from . import grads
from .cl_helpers import division, trig

__all__ = ["negative", "abs", "sign", "exp", "log", "log1p", "sqrt", "sin", "cos", "tanh",
           "floor", "ceil", "round", "logical_not", "add", "subtract", "multiply", "divide",
           "floordiv", "mod", "pow", "maximum", "minimum", "equal", "not_equal", "less",
           "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "where",
           "square", "rsqrt", "sigmoid", "relu"]

F, N, A, B = dt.FLOATS, dt.NUMERIC, dt.ALL, (dt.bool_,)


def _same_shape(shape, **_):
    return shape


def unary(name, kernel, accepts=F, out="same", doc="", **flags):
    return defop(name, arity=1, kernel=kernel, shape=_same_shape, accepts=accepts,
                 out_dtype=out, elementwise=True, doc=doc, **flags)


def _broadcast(name):
    return lambda *shapes: _fold_broadcast(name, shapes)


def _fold_broadcast(name, shapes):
    out = shapes[0]
    for s in shapes[1:]:
        out = broadcast_shapes(out, s, name)
    return out


def binary(name, kernel, accepts=N, out="same", doc="", **flags):
    return defop(name, arity=2, kernel=kernel, shape=_broadcast(name), accepts=accepts,
                 out_dtype=out, elementwise=True, doc=doc, **flags)


def _float_of(d):
    """int32 / int32 -> float32, int64 / int64 -> float64 (as PyTorch and JAX do)."""
    return d if d.is_float else (dt.float64 if d is dt.int64 else dt.float32)


def _divide(a, b):
    if a.dtype.kind == "f":
        return np.true_divide(a, b)
    return np.true_divide(a, b, dtype=np.float64 if a.dtype == np.int64 else np.float32)


def _own_float32(name):
    """A template using ambi's own float32 ``name`` (``am_<name>_{T}``, from ``trig``),
    and OpenCL's builtin for other dtypes."""
    return {"expr": lambda ds, d: f"am_{name}_{{T}}({{0}})" if d is dt.float32 else
            f"{name}({{0}})", "helpers": {name: trig}}


# -- unary ------------------------------------------------------------------------
negative = unary("negative", np.negative, N, vjp=lambda g, x, out: (negative(g),),
                 cl="(-{0})",
                 doc="-x. ``am.negative([1, -2])`` -> [-1 2]")
abs = unary("abs", np.absolute, N, vjp=lambda g, x, out: (multiply(g, sign(x)),),
            cl={"f": "fabs({0})", "i": "({0} < 0 ? -{0} : {0})"},
            doc="|x|. ``am.abs([-1.5])`` -> [1.5]")
sign = unary("sign", np.sign, N, vjp=grads.zero_grads,
             # + 0: OpenCL's sign(-0.0) is -0.0, numpy's is 0.0
             cl={"f": "(isnan({0}) ? {0} : sign({0}) + ({T})0)",
                 "i": "({0} > 0 ? ({T})1 : ({0} < 0 ? ({T})-1 : ({T})0))"},
             doc="-1, 0 or 1 (nan stays nan). ``am.sign([-3])`` -> [-1]")
exp = unary("exp", np.exp, vjp=lambda g, x, out: (multiply(g, out),),
            cl="exp({0})",
            doc="e**x. ``am.exp([0.0])`` -> [1.]")
log = unary("log", np.log, vjp=lambda g, x, out: (divide(g, x),),
            cl="log({0})",
            doc="Natural log. ``am.log([1.0])`` -> [0.]")
log1p = unary("log1p", np.log1p, vjp=lambda g, x, out: (divide(g, add(1, x)),),
              cl="log1p({0})",
              doc="log(1 + x), exact for small x.")
sqrt = unary("sqrt", np.sqrt, vjp=lambda g, x, out: (divide(multiply(g, 0.5), out),),
             cl="sqrt({0})",
             doc="Square root. ``am.sqrt([4.0])`` -> [2.]")
sin = unary("sin", np.sin, vjp=lambda g, x, out: (multiply(g, cos(x)),),
            cl=_own_float32("sin"),
            doc="Sine, radians.")
cos = unary("cos", np.cos, vjp=lambda g, x, out: (negative(multiply(g, sin(x))),),
            cl=_own_float32("cos"),
            doc="Cosine, radians.")
def _tanh_cl(in_dtypes, out_dtype):
    """numpy's tanh is exactly ±1 from |x| >= 10 (float32) or 19 (float64); OpenCL's
    stops at 0.99999994, also for ±inf. Between, both are within a unit in the last
    place of the true value."""
    limit = "10.0f" if out_dtype is dt.float32 else "19.0"
    return f"(fabs({{0}}) >= {limit} ? copysign(({{T}})1, {{0}}) : tanh({{0}}))"


tanh = unary("tanh", np.tanh, vjp=lambda g, x, out: (multiply(g, subtract(1, multiply(out, out))),),
             cl=_tanh_cl,
             doc="Hyperbolic tangent.")
floor = unary("floor", np.floor, vjp=grads.zero_grads,
              cl="floor({0})",
              doc="Round down. ``am.floor([1.5])`` -> [1.]")
ceil = unary("ceil", np.ceil, vjp=grads.zero_grads,
             cl="ceil({0})",
             doc="Round up. ``am.ceil([1.5])`` -> [2.]")
round = unary("round", np.round, vjp=grads.zero_grads,
              cl="rint({0})",
              doc="Round half to even, as numpy and TensorFlow do.")
logical_not = unary("logical_not", np.logical_not, B, cl="(!{0})", differentiable=False,
                    doc="not x, elementwise, on bools.")

# -- binary -----------------------------------------------------------------------
add = binary("add", np.add, commutative=True, vjp=lambda g, x, y, out: grads.binary(x, y, g, g),
             cl="({0} + {1})",
             doc="x + y. ``am.add([1], [2])`` -> [3]")
subtract = binary("subtract", np.subtract,
                  cl="({0} - {1})",
                  vjp=lambda g, x, y, out: grads.binary(x, y, g, lambda: negative(g)),
                  doc="x - y.")
multiply = binary("multiply", np.multiply, commutative=True,
                  cl="({0} * {1})",
                  vjp=grads.multiply_vjp,
                  doc="x * y.")
divide = binary("divide", _divide, out=_float_of,
                cl={"f": "({0} / {1})", "i": "(convert_{T}({0}) / convert_{T}({1}))"},
                vjp=grads.divide_vjp,
                doc="x / y; integers divide to float32 (int64 to float64).")
floordiv = binary("floordiv", np.floor_divide, vjp=grads.zero_grads,
                  cl={"expr": "am_floordiv_{S}({0}, {1})", "helpers": {"floordiv": division}},
                  doc="x // y, rounding toward -inf.")
mod = binary("mod", np.remainder, vjp=grads.mod_vjp,
             cl={"expr": "am_mod_{S}({0}, {1})", "helpers": {"mod": division}},
             doc="x % y with the sign of y, as in Python.")
def _power(x, y):
    """x ** y; a scalar exponent 2 squares (x * x, as numpy's own ``a ** 2`` does and as
    simplify rewrites it in graphs, so every mode computes the same bits)."""
    # a numpy scalar (eager) compares fastest as it is, a 0-d array (graph) by item()
    if not y.shape and (y.item() if type(y) is np.ndarray else y) == 2:
        return np.square(x)
    return np.power(x, y)


pow = binary("pow", _power, vjp=grads.pow_vjp,
             cl={"expr": {"f": "pow({0}, {1})", "i": "am_ipow_{S}({0}, {1})"},
                 "helpers": {"ipow": division}},
             doc="x ** y. ``am.pow([2.0], [3.0])`` -> [8.]")
maximum = binary("maximum", np.maximum, commutative=True, vjp=grads.maximum_vjp,
                 cl={"f": "(({0} > {1}) || isnan({0}) ? {0} : {1})",
                     "i": "({0} > {1} ? {0} : {1})"},
                 doc="Elementwise max; nan wins.")
minimum = binary("minimum", np.minimum, commutative=True, vjp=grads.minimum_vjp,
                 cl={"f": "(({0} < {1}) || isnan({0}) ? {0} : {1})",
                     "i": "({0} < {1} ? {0} : {1})"},
                 doc="Elementwise min; nan wins.")
equal = binary("equal", np.equal, A, dt.bool_, commutative=True, differentiable=False,
               cl="({0} == {1})",
               doc="x == y, elementwise, as bools.")
not_equal = binary("not_equal", np.not_equal, A, dt.bool_, commutative=True,
                   cl="({0} != {1})",
                   differentiable=False, doc="x != y, elementwise, as bools.")
less = binary("less", np.less, N, dt.bool_, differentiable=False, cl="({0} < {1})",
              doc="x < y.")
less_equal = binary("less_equal", np.less_equal, N, dt.bool_, differentiable=False,
                    cl="({0} <= {1})",
                    doc="x <= y.")
greater = binary("greater", np.greater, N, dt.bool_, differentiable=False, cl="({0} > {1})",
                 doc="x > y.")
greater_equal = binary("greater_equal", np.greater_equal, N, dt.bool_, differentiable=False,
                       cl="({0} >= {1})",
                       doc="x >= y.")
logical_and = binary("logical_and", np.logical_and, B, commutative=True,
                     cl="({0} && {1})",
                     differentiable=False, doc="x and y, elementwise, on bools.")
logical_or = binary("logical_or", np.logical_or, B, commutative=True, differentiable=False,
                    cl="({0} || {1})",
                    doc="x or y, elementwise, on bools.")


def _where_dtype(dtypes):
    if dtypes[0] is not dt.bool_:
        raise DTypeError(f"where: the condition must be bool, not {dtypes[0].name}")
    check_same("where", dtypes[1:])
    return dtypes[1]


_BITS = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}


def _where(c, x, y):
    """np.where; a float branch that is a scalar +0.0 (the gradients of relu, maximum,
    minimum and where) as a bitwise AND of the other branch with the mask, the same bits
    at 2-3x np.where's speed."""
    if np.ndim(y) == 0 and np.ndim(x) and _is_plus_zero(y, x):
        return _and_mask(x, c, 0)
    if np.ndim(x) == 0 and np.ndim(y) and _is_plus_zero(x, y):
        return _and_mask(y, c, 1)
    return np.where(c, x, y)


def _is_plus_zero(z, other):
    # z: a 0-d array (a graph's constant) or a numpy scalar (an eager literal)
    return (isinstance(z, (np.ndarray, np.floating)) and type(other) is np.ndarray
            and z.dtype == other.dtype and z.dtype in _BITS and z.view(_BITS[z.dtype]) == 0)


def _and_mask(v, c, off):
    """v's bits where c is (1 - off): the mask is all ones there, zero elsewhere."""
    ints = _BITS[v.dtype]
    mask = np.array(c, dtype=ints)  # an array even where c is a numpy bool scalar
    np.subtract(mask, 1, out=mask) if off else np.negative(mask, out=mask)
    out = np.bitwise_and(v.view(ints), mask)
    return out.view(v.dtype)


where = defop("where", arity=3, kernel=_where, shape=_broadcast("where"),
              cl="({0} ? {1} : {2})",
              dtype=lambda dtypes: _where_dtype(dtypes), same_dtype=(1, 2),
              elementwise=True, vjp=grads.where_vjp,
              doc="x where cond else y. ``am.where([True], [1], [2])`` -> [1]")

# -- composites -------------------------------------------------------------------
square = defop("square", decompose=lambda x: multiply(x, x), accepts=N, doc="x * x.")
rsqrt = defop("rsqrt", decompose=lambda x: divide(1, sqrt(x)), accepts=F, doc="1 / sqrt(x).")
sigmoid = defop("sigmoid", decompose=lambda x: divide(1, add(1, exp(negative(x)))), accepts=F,
                doc="1 / (1 + exp(-x)).")
# maximum(0, x), not (x, 0): a tie sends the gradient to the first operand, so relu'(0) = 0
# as in TensorFlow's relu
relu = defop("relu", decompose=lambda x: maximum(0, x), accepts=N, doc="max(x, 0).")
