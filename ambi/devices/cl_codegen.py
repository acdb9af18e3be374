"""OpenCL source from the op records' ``cl`` templates.

An elementwise template is a ``str.format`` pattern over the operands ``{0} {1} {2}``
and type names: ``{T}`` the result type (``float`` or ``float16`` when vectorized),
``{S}`` its scalar type, ``{I}`` the first operand's type. A record's ``cl`` is that
string, a dict of them by the first operand's dtype kind (``"f"``, ``"i"``), or
a callable ``(in_dtypes, out_dtype) -> string`` when the dtypes decide. A template that
calls helper functions comes with them: ``{"expr": template, "helpers": {name: source
function}}``, ``am_<name>_<type>`` being defined by ``source_function(<type>)`` (the
library is ``ambi/ops/cl_helpers.py``); each helper a kernel calls is emitted once.
Templates that call a scalar helper (``am_floordiv_{S}``) only render in scalar code.

On a CPU device (PoCL) one work-item per element is slow; kernels here give each
work-item a contiguous chunk and, where every operand is a full tensor or a scalar of
a non-bool dtype, load and compute vectors of the device's width (``cl_params``; at
16 wide a 10-op chain ran 9x faster on PoCL). Vectors are read and written through
vector pointers, aligned since a buffer starts at CL_DEVICE_MEM_BASE_ADDR_ALIGN (at
least 128 bytes) and vector v at element v * width: PoCL calls ``vload``/``vstore``
out of line, spilling every live vector register around each call. Broadcast operands
are read through index arithmetic on the output coordinates, since pyopencl.array does
not broadcast.
"""
import re
import weakref
from typing import NamedTuple

from .. import dtypes as dt
from ..errors import DeviceError

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
    if isinstance(cl, dict) and "expr" in cl:  # a template with its helpers
        cl = cl["expr"]
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


def helpers(exprs, library):
    """Definitions of the ``am_<name>_<type>`` helpers that ``exprs`` call, each once:
    ``library`` maps a helper's name to its record's source function (``helper_library``)."""
    found = {(m.group(1), m.group(2) + m.group(3)) for e in exprs for m in _HELPER.finditer(e)}
    made = {(library[name], t) for name, t in found if name in library}
    return "".join(make(t) for make, t in sorted(made, key=lambda h: (h[0].__name__, h[1])))


def helper_library(body):
    """Helper name -> source function, from the ``cl`` records of a body's ops."""
    return {name: make for op, *_ in body if isinstance(op.cl, dict)
            for name, make in op.cl.get("helpers", {}).items()}


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
    return preamble(dtypes) + helpers([src], helper_library(body)) + src, kinds


def _element(body, dtypes, nin, outs, modes, width, ndim=0):
    """Loads, one line per instruction, stores: the code for one element (or vector)."""
    lines = [_load(k, modes[k] if modes else None, dtypes[k], width, ndim) for k in range(nin)]
    for j, (op, refs, ds, d) in enumerate(body):
        expr = render(template(op, ds, d), [f"x{v}" for v in refs], d, ds, width)
        lines.append(f"{ctype(d, width)} x{nin + j} = {expr};")
    for j, v in enumerate(outs):
        lines.append(f"((__global {ctype(dtypes[v], width)}*)out{j})[v] = x{v};" if width
                     else f"out{j}[i] = x{v};")
    return "".join(f"    {ln}\n" for ln in lines)


def _load(k, mode, dtype, width, ndim):
    t = ctype(dtype, width)
    if mode == "scalar":
        return f"{t} x{k} = ({t})(in{k}[0]);"
    if mode == "full":
        return f"{t} x{k} = ((__global const {t}*)in{k})[v];" if width else f"{t} x{k} = in{k}[i];"
    index = " + ".join(f"c{a} * s{k}_{a}" for a in range(ndim)) or "0"
    return f"{t} x{k} = in{k}[f{k} ? i : {index}];"


class Load(NamedTuple):
    """What a reduction reads per term instead of ``in[i]``: a fused chain's value."""
    inputs: list   # the chain's input parameters
    ints: list     # its int parameters (shapes and strides of the inputs)
    code: str      # C code setting ``x`` to the value at element ``i``
    dtypes: list   # the dtypes it computes with (for the fp64 pragma)
    helpers: dict  # helper name -> source function (``helper_library``)


def element_value(body, in_dtypes, value, ndim=MAXDIM):
    """What a reduction of a fused chain reads per term: a ``Load`` setting ``x`` to
    ``value`` of ``body`` at element ``i``, in scalar code."""
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
    return Load(inputs, ints, code, dtypes, helper_library(body))


# -- fused subgraphs as instruction bodies ------------------------------------------------
_bodies = weakref.WeakKeyDictionary()  # fused subgraph -> its instructions


def body_of(graph):
    """A fused subgraph's (body, outs), converted once per subgraph."""
    if graph not in _bodies:
        _bodies[graph] = fused_body(graph)
    return _bodies[graph]


def fused_body(graph):
    """The subgraph as instructions: inputs are values 0.., each node the next value."""
    body = []

    def step(n, refs):
        node = graph[n]
        in_dtypes = tuple(graph.out_type(v).dtype for v in graph.operands(n))
        body.append((node["op"], tuple(refs), in_dtypes, node["types"][0].dtype))
        return (len(graph.inputs) + len(body) - 1,)

    outs = graph.walk([graph[n]["params"]["index"] for n in graph.inputs], step)
    return tuple(body), tuple(outs)
