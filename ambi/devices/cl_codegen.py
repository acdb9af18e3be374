"""OpenCL source from the op records' ``cl`` templates.

An elementwise template is a ``str.format`` pattern over the operands ``{0} {1} {2}``
and type names: ``{T}`` the result type (``float`` or ``float16`` when vectorized),
``{S}`` its scalar type, ``{I}`` the first operand's type. A record's ``cl`` is that
string, a dict of them by the first operand's dtype kind (``"f"``, ``"i"``), or
a callable ``(in_dtypes, out_dtype) -> string`` when the dtypes decide.
Templates that call a scalar helper (``am_floordiv_{S}``) only render in scalar code.

On a CPU device (PoCL) one work-item per element is slow; kernels here give each
work-item a contiguous chunk and, where every operand is a full tensor or a scalar of
a non-bool dtype, load and compute vectors of the device's width (``cl_params``; at
16 wide a 10-op chain ran 9x faster on PoCL). Broadcast operands are read through index
arithmetic on the output coordinates, since pyopencl.array does not broadcast.
"""
import re
import weakref

from .. import dtypes as dt
from ..errors import DeviceError
from ..ir.ops_ir import ARG

MAXDIM = 6  # kernels take this many dims (fewer are padded with 1s), so one build fits all
CTYPES = {"float32": "float", "float64": "double", "int32": "int", "int64": "long",
          "bool": "uchar"}
_HELPER = re.compile(r"am_(\w+?)_(float|double|int|long)(\d*)\b")


def ctype(dtype, width=0):
    return CTYPES[dtype.name] + (str(width) if width else "")


def preamble(dtypes, contract=False):
    """The pragmas a kernel needs: fp64 only where a float64 appears."""
    lines = []
    if any(d is dt.float64 for d in dtypes):
        lines.append("#pragma OPENCL EXTENSION cl_khr_fp64 : enable")
    if not contract:  # numpy never fuses a*b+c; keep results identical
        lines.append("#pragma OPENCL FP_CONTRACT OFF")
    return "\n".join(lines) + "\n"


def template(op, in_dtypes, out_dtype):
    """The op's elementwise template for these dtypes, or a DeviceError naming the op."""
    cl = op.cl
    if callable(cl):
        cl = cl(in_dtypes, out_dtype)
    elif isinstance(cl, dict):  # per kind of the first operand: "f" float, "i" int
        cl = cl.get(in_dtypes[0].np.kind) if in_dtypes else None
    if not isinstance(cl, str):
        raise DeviceError(f"op {op.name!r} has no OpenCL kernel for "
                          f"{', '.join(d.name for d in in_dtypes)}")
    return cl


def render(tpl, args, out_dtype, in_dtypes, width):
    return tpl.format(*args, T=ctype(out_dtype, width), S=ctype(out_dtype),
                      I=ctype(in_dtypes[0], width) if in_dtypes else "")


# -- scalar helpers, emitted only when a rendered expression calls them ---------------------
def _float_divmod(t):
    # numpy's npy_divmod: Python's sign rules, and a floor that survives rounding of a/b
    return f"""{t} am_divmod_{t}({t} a, {t} b, {t}* m) {{
  {t} mod = fmod(a, b);
  if (b == 0) {{ *m = mod; return a / b; }}
  {t} div = (a - mod) / b;
  if (mod != 0) {{ if ((b < 0) != (mod < 0)) {{ mod += b; div -= 1; }} }}
  else {{ mod = copysign(({t})0, b); }}
  {t} fd;
  if (div != 0) {{ fd = floor(div); if (div - fd > ({t})0.5) fd += 1; }}
  else {{ fd = copysign(({t})0, a / b); }}
  *m = mod; return fd;
}}
{t} am_floordiv_{t}({t} a, {t} b) {{ {t} m; return am_divmod_{t}(a, b, &m); }}
{t} am_mod_{t}({t} a, {t} b) {{ {t} m; am_divmod_{t}(a, b, &m); return m; }}
"""


def _int_helpers(t):
    # numpy: x // 0 == x % 0 == 0; MIN // -1 wraps; negative powers of ints give 0 here
    # (numpy raises; a kernel cannot)
    u = "u" + t
    return f"""{t} am_floordiv_{t}({t} a, {t} b) {{
  if (b == 0) return 0;
  if (b == -1) return ({t})(({u})0 - ({u})a);
  {t} q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) q -= 1;
  return q;
}}
{t} am_mod_{t}({t} a, {t} b) {{
  if (b == 0 || b == -1) return 0;
  {t} r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}}
{t} am_ipow_{t}({t} a, {t} b) {{
  if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
  {u} r = 1, x = ({u})a;
  while (b) {{ if (b & 1) r *= x; x *= x; b >>= 1; }}
  return ({t})r;
}}
"""


def _trig(t):
    """sin and cos of float32 (``t``: ``float`` or ``floatN``), SLEEF's 3.5-ulp method: a
    3-part Cody-Waite reduction by pi (each product exact for |x| < 125), then an odd
    polynomial: within 2.5 ulp of the true value, and in vector code 1.6x faster than
    PoCL's builtins. A vector with a lane of |x| >= 125, inf or NaN takes the builtins,
    lane by lane and out of line (so the fast path keeps its registers)."""
    n = t[len("float"):]
    it = f"int{n}"
    # PoCL 3.0's vector sin/cos are wrong in lanes next to a huge one (float16 sin of
    # [1e-30, 1e30, ...] gave 0.0099 for 1e-30): the slow path goes lane by lane
    def slow(f):
        body = (f"float v[{n}];\n  vstore{n}(x, 0, v);\n  for (int i = 0; i < {n}; i++) "
                f"v[i] = {f}(v[i]);\n  return vload{n}(0, v);") if n else f"return {f}(x);"
        return f"__attribute__((noinline)) {t} am_{f}_slow_{t}({t} x) {{\n  {body}\n}}\n"
    # |x| >= 125, inf or NaN, read from the bits (0x42fa0000 is 125.0f); vector lanes are
    # OR-ed in halves, since PoCL's any() cost a third of the fast path
    check, bad, w = f"  {it} bad = as_{it}(fabs(x)) >= 0x42fa0000;\n", "bad", int(n or 1)
    while w > 1:
        w //= 2
        check += f"  int{w if w > 1 else ''} bad{w} = {bad}.lo | {bad}.hi;\n"
        bad = f"bad{w}"
    # x - q * (pi * h), h = 1 for sin (q: multiples of pi), 0.5 for cos (odd multiples of pi/2)
    reduce = (f"  {t} u = convert_{t}(q);\n  {t} d = u * (-3.1414794921875f * h) + x;\n"
              f"  d = u * (-0.00011315941810607910156f * h) + d;\n"
              f"  d = u * (-1.9841872589410058936e-09f * h) + d;\n")
    # sin(-0) is -0: the polynomial gives +0, so a zero lane takes x's sign bit
    zero = (f"as_{it}(x) & (x == 0.0f) & INT_MIN" if n else
            "x == 0.0f ? as_int(x) : 0")
    return slow("sin") + slow("cos") + f"""{t} am_sincos_poly_{t}({t} d, {it} sign) {{
  {t} s = d * d;
  d = as_{t}(as_{it}(d) ^ sign);  /* sign: 0, or INT_MIN to flip d */
  {t} u = 2.6083159809786593541503e-06f;
  u = u * s + -0.0001981069071916863322258f;
  u = u * s + 0.00833307858556509017944336f;
  u = u * s + -0.166666597127914428710938f;
  return s * (u * d) + d;
}}
{t} am_sin_{t}({t} x) {{
{check}  if ({bad}) return am_sin_slow_{t}(x);
  const float h = 1.0f;
  {it} q = convert_{it}(rint(x * M_1_PI_F));
{reduce}  {t} r = am_sincos_poly_{t}(d, -(q & 1) & INT_MIN);
  return as_{t}(as_{it}(r) | ({zero}));
}}
{t} am_cos_{t}({t} x) {{
{check}  if ({bad}) return am_cos_slow_{t}(x);
  const float h = 0.5f;
  {it} q = 1 + 2 * convert_{it}(rint(x * M_1_PI_F - 0.5f));
{reduce}  return am_sincos_poly_{t}(d, -((~q >> 1) & 1) & INT_MIN);
}}
"""


def helpers(exprs):
    """Definitions of the ``am_*_<type>`` helpers that ``exprs`` call: numpy's floor
    division, modulo and integer power rules (scalar only), and float32 sin and cos."""
    found = {(m.group(1), m.group(2) + m.group(3)) for e in exprs for m in _HELPER.finditer(e)}
    out = []
    for t in sorted({t for name, t in found if name in ("sin", "cos")}):
        out.append(_trig(t))
    for t in sorted({t for name, t in found if name not in ("sin", "cos")}):
        out.append(_float_divmod(t) if t in ("float", "double") else _int_helpers(t))
    return "".join(out)


# -- elementwise (one op eagerly, or a fused chain) ----------------------------------------
def vectorizable(body, in_dtypes):
    """Vector code needs no bool anywhere and no scalar-only template (``{S}``)."""
    if any(d.is_bool for d in in_dtypes):
        return False
    return all(not d.is_bool and "{S}" not in template(op, ds, d) for op, _, ds, d in body)


def elementwise_source(body, in_dtypes, outs, modes=None, width=0, ndim=MAXDIM):
    """A kernel computing ``body`` per element.

    body: (op, operand value ids, operand dtypes, out dtype) per instruction; values
    0..len(in)-1 are the inputs, then one per instruction. outs: value ids to store.
    Scalar code (``width`` 0) serves every shape of up to ``ndim`` dims with one build:
    input k is read at the element's own index when its flag ``f<k>`` is set, else
    through its strides over the output coordinates (decoded only when ``gen`` is set).
    Vector code needs ``modes``, per input "full" (the output's shape) or "scalar".
    Returns (source, argument kinds).
    """
    nin = len(in_dtypes)
    dtypes = list(in_dtypes) + [d for *_, d in body]
    params = [f"__global const {ctype(d)}* in{k}" for k, d in enumerate(in_dtypes)]
    params += [f"__global {ctype(dtypes[v])}* out{j}" for j, v in enumerate(outs)]
    params += ["int n", "int chunk"]
    if width:
        vec = _element(body, dtypes, nin, outs, modes, width)
        tail = _element(body, dtypes, nin, outs, modes, 0)
        loop = f"""  int nv = n / {width}, v0 = g * chunk, v1 = min(v0 + chunk, nv);
  for (int v = v0; v < v1; v++) {{
{vec}  }}
  if (g == 0) for (int i = nv * {width}; i < n; i++) {{
{tail}  }}"""
    else:
        params += ["int gen"] + [f"int d{a}" for a in range(ndim)]
        params += [p for k in range(nin) for p in [f"int f{k}"] + [f"int s{k}_{a}"
                                                                  for a in range(ndim)]]
        coords = "".join(f"      c{a} = q % d{a}; q /= d{a};\n" for a in reversed(range(ndim)))
        loop = f"""  int i0 = g * chunk, i1 = min(i0 + chunk, n);
  for (int i = i0; i < i1; i++) {{
    int {', '.join(f'c{a} = 0' for a in range(ndim))};
    if (gen) {{
      int q = i;
{coords}    }}
{_element(body, dtypes, nin, outs, None, 0, ndim)}  }}"""
    src = (f"__kernel void elementwise({', '.join(params)}) {{\n"
           f"  int g = get_global_id(0);\n{loop}\n}}\n")
    kinds = ["buf"] * (nin + len(outs)) + ["int"] * (len(params) - nin - len(outs))
    return preamble(dtypes) + helpers([src]) + src, kinds


def _element(body, dtypes, nin, outs, modes, width, ndim=0):
    """Loads, one line per instruction, stores: the code for one element (or vector)."""
    lines = [_load(k, modes[k] if modes else None, dtypes[k], width, ndim) for k in range(nin)]
    for j, (op, refs, ds, d) in enumerate(body):
        expr = render(template(op, ds, d), [f"x{v}" for v in refs], d, ds, width)
        lines.append(f"{ctype(d, width)} x{nin + j} = {expr};")
    for j, v in enumerate(outs):
        lines.append(f"vstore{width}(x{v}, v, out{j});" if width else f"out{j}[i] = x{v};")
    return "".join(f"    {ln}\n" for ln in lines)


def _load(k, mode, dtype, width, ndim):
    t = ctype(dtype, width)
    if mode == "scalar":
        return f"{t} x{k} = ({t})(in{k}[0]);"
    if mode == "full":
        return f"{t} x{k} = vload{width}(v, in{k});" if width else f"{t} x{k} = in{k}[i];"
    index = " + ".join(f"c{a} * s{k}_{a}" for a in range(ndim)) or "0"
    return f"{t} x{k} = in{k}[f{k} ? i : {index}];"


def element_value(body, in_dtypes, value, ndim=MAXDIM):
    """What a reduction of a fused chain reads per term: (input params, int params, C code
    setting ``x`` to ``value`` of ``body`` at element ``i``, dtypes), scalar code."""
    nin = len(in_dtypes)
    dtypes = list(in_dtypes) + [d for *_, d in body]
    inputs = [f"__global const {ctype(d)}* in{k}" for k, d in enumerate(in_dtypes)]
    ints = ["int gen"] + [f"int d{a}" for a in range(ndim)]
    ints += [p for k in range(nin) for p in [f"int f{k}"] + [f"int s{k}_{a}" for a in range(ndim)]]
    coords = "".join(f"      c{a} = q % d{a}; q /= d{a};\n" for a in reversed(range(ndim)))
    code = (f"    int {', '.join(f'c{a} = 0' for a in range(ndim))};\n"
            f"    if (gen) {{\n      int q = i;\n{coords}    }}\n"
            + _element(body, dtypes, nin, (), None, 0, ndim)
            + f"    {ctype(dtypes[value])} x = x{value};")
    return inputs, ints, code, dtypes


# -- fused subgraphs as instruction bodies ------------------------------------------------
_bodies = weakref.WeakKeyDictionary()  # fused subgraph -> its instructions


def body_of(graph):
    """A fused subgraph's (body, outs), converted once per subgraph."""
    if graph not in _bodies:
        _bodies[graph] = fused_body(graph)
    return _bodies[graph]


def fused_body(graph):
    """The subgraph as instructions: inputs are values 0.., each node the next value."""
    ids = {(n, 0): graph[n]["params"]["index"] for n in graph.inputs}
    body = []
    for n in graph.order():
        node = graph[n]
        if node["op"] is ARG:
            continue
        refs = tuple(ids[v] for v in graph.operands(n))
        in_dtypes = tuple(graph.out_type(v).dtype for v in graph.operands(n))
        ids[(n, 0)] = len(graph.inputs) + len(body)
        body.append((node["op"], refs, in_dtypes, node["types"][0].dtype))
    return tuple(body), tuple(ids[v] for v in graph.outputs)
