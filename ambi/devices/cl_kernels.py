"""OpenCL sources for the non-elementwise kernel families: reductions, matmul, windows
(conv2d, max_pool2d), copies (views, concat, gather) and the counter-based random draws.

Shapes and strides are kernel arguments, not constants, so one build serves every
shape of a given rank and dtype (a PoCL build costs 0.1-1.5 s). Work-items loop over a
contiguous chunk (``chunk``), which a CPU device needs and a GPU runs with chunk 1.
Reductions and matmul come in two shapes (``CLDevice.params``, chosen by the
conformance probe): chunked vector loops and register blocks over packed panels, or
work-group trees in local memory and local-memory tiles.
"""
from .. import dtypes as dt
from .cl_codegen import Load, ctype, helpers, preamble

LOWEST = {"float": "-INFINITY", "double": "-INFINITY", "int": "INT_MIN", "long": "LONG_MIN"}
HIGHEST = {"float": "INFINITY", "double": "INFINITY", "int": "INT_MAX", "long": "LONG_MAX"}


def by_kind(spec, dtype):
    """A template given once, or per dtype kind ("f" float, "i" int, "b" bool)."""
    return spec[dtype.np.kind] if isinstance(spec, dict) else spec


def fill_value(spec, dtype):
    s = ctype(dtype)
    return by_kind(spec, dtype).format(LOWEST=LOWEST.get(s), HIGHEST=HIGHEST.get(s))


def _decode(var, dims, strides, out, indent="  "):
    """C lines: ``out`` = the offset of linear index ``var`` over dims with strides. The
    index is within the dims, so the outermost needs no ``%`` (a 1-d decode is one
    multiply: integer division is slow on GPUs)."""
    if not dims:
        return f"{indent}int {out} = 0;\n"
    lines = [f"int {out} = 0, {out}_q = {var};"]
    for d, s in reversed(list(zip(dims[1:], strides[1:]))):
        lines.append(f"{out} += ({out}_q % {d}) * {s}; {out}_q /= {d};")
    lines.append(f"{out} += {out}_q * {strides[0]};")
    return "".join(f"{indent}{ln}\n" for ln in lines)


def _names(prefix, n):
    return [f"{prefix}{a}" for a in range(n)]


def reduce_source(dtype, init, combine, nk, nr, vector, load=None, local=0):
    """out[o*P + p] = combine over reduced index r in chunk p of output o.

    Kept dims (kd, ks) locate an output's base; reduced dims (rd, rs) its terms. With
    ``vector`` (a width) the terms are contiguous (one reduced dim of stride 1) and loaded
    that many at a time, the few-work-items-each-a-chunk scheme that beat numpy on PoCL. With
    ``local`` (a power of two) a work-group of that many items shares chunk p, item l
    taking terms l, l+local... (adjacent items read adjacent terms: coalesced on a GPU),
    then combines its partials as a tree in local memory. ``load`` (a ``cl_codegen.Load``)
    reduces a fused elementwise chain computed on the fly instead of reading ``in``.
    """
    w = vector
    t, tv = ctype(dtype), ctype(dtype, w)
    load = load or Load([f"__global const {t}* in"], [], f"{t} x = in[i];", [dtype], {})
    inputs, extra, code, dtypes = load.inputs, load.ints, load.code, load.dtypes
    kd, ks, rd, rs = _names("kd", nk), _names("ks", nk), _names("rd", nr), _names("rs", nr)
    args = inputs + [f"__global {t}* out", "int nout", "int R", "int rc", "int P"]
    args += [f"int {a}" for a in kd + ks + rd + rs] + extra
    comb = lambda a, b: combine.format(a, b)  # noqa: E731
    if local:  # every item of the group reaches the barriers: no early return
        body = ["  int g = get_group_id(0), l = get_local_id(0);\n"]
        first, step = "r0 + l", local
    else:
        body = ["  int g = get_global_id(0);\n  if (g >= nout * P) return;\n"]
        first, step = "r0", 1
    body += ["  int o = g / P, p = g % P, r0 = p * rc, r1 = min(r0 + rc, R);\n",
             _decode("o", kd, ks, "base"), f"  {t} acc = {init};\n"]
    if vector:
        lanes = "".join(f"  acc = {comb('acc', f'va.s{i:x}')};\n" for i in range(w))
        # terms up to an aligned one alone, then vectors through an aligned vector pointer
        # (PoCL calls vload out of line, spilling the accumulators), two accumulators (the
        # adds of one wait on each other, 4 cycles each)
        body.append(f"  int r = r0;\n  for (; r < r1 && ((base + r) & {w - 1}); r++) {{\n"
                    f"    {t} x = in[base + r];\n    acc = {comb('acc', 'x')};\n  }}\n"
                    f"  {tv} va = ({tv})({init}), vb = va;\n"
                    f"  for (; r + {2 * w} <= r1; r += {2 * w}) {{\n"
                    f"    __global const {tv}* pv = (__global const {tv}*)(in + base + r);\n"
                    f"    {tv} x = pv[0];\n    {tv} y = pv[1];\n"
                    f"    va = {comb('va', 'x')};\n    vb = {comb('vb', 'y')};\n  }}\n"
                    f"  va = {comb('va', 'vb')};\n{lanes}"
                    f"  for (; r < r1; r++) {{\n    {t} x = in[base + r];\n"
                    f"    acc = {comb('acc', 'x')};\n  }}\n")
    else:
        body.append(f"  for (int r = {first}; r < r1; r += {step}) {{\n"
                    f"{_decode('r', rd, rs, 'off', '    ')}"
                    f"    int i = base + off;\n{code}\n    acc = {comb('acc', 'x')};\n  }}\n")
    if local:
        body.append(f"  __local {t} part[{local}];\n  part[l] = acc;\n"
                    f"  barrier(CLK_LOCAL_MEM_FENCE);\n"
                    f"  for (int s = {local // 2}; s > 0; s >>= 1) {{\n"
                    f"    if (l < s) {{\n      {t} a = part[l], x = part[l + s];\n"
                    f"      part[l] = {comb('a', 'x')};\n    }}\n"
                    f"    barrier(CLK_LOCAL_MEM_FENCE);\n  }}\n"
                    f"  if (l == 0) out[g] = part[0];\n")
    else:
        body.append("  out[g] = acc;\n")
    src = f"__kernel void reduce({', '.join(args)}) {{\n{''.join(body)}}}\n"
    kinds = ["buf"] * (len(inputs) + 1) + ["int"] * (4 + 2 * nk + 2 * nr + len(extra))
    return preamble(dtypes) + helpers([src], load.helpers) + src, kinds


def argreduce_source(dtype, better, nk):
    """Index (int32) of the first best element along one axis (R terms of stride rs)."""
    t = ctype(dtype)
    kd, ks = _names("kd", nk), _names("ks", nk)
    args = [f"__global const {t}* in", "__global int* out", "int nout", "int R", "int rs"]
    args += [f"int {a}" for a in kd + ks]
    src = (f"__kernel void argreduce({', '.join(args)}) {{\n  int o = get_global_id(0);\n"
           f"  if (o >= nout) return;\n{_decode('o', kd, ks, 'base')}"
           f"  {t} best = in[base]; int bi = 0;\n"
           f"  for (int r = 1; r < R; r++) {{\n    {t} x = in[base + r * rs];\n"
           f"    if ({better.format('x', 'best')}) {{ best = x; bi = r; }}\n  }}\n"
           f"  out[o] = bi;\n}}\n")
    return preamble([dtype]) + src, ["buf", "buf", "int", "int", "int"] + ["int"] * 2 * nk


def pack_source(dtype, side):
    """Copy one operand of a matmul into panels (zero-padded to the block), so the
    matmul's inner loop reads both operands contiguously: B's rows are 4 KiB apart for
    N=1024, which made every load of an unpacked B miss the cache (5 GFLOP/s). The
    block is an argument, so one build serves every register block the probe tries."""
    t = ctype(dtype)
    # A [M, K] -> P[(ib*K + k)*block + r] = A[ib*block + r, k]; B [K, N] -> P[(jb*K + k)*block
    # + l] = B[k, jb*block + l]
    src_index = "(long)q * rows * cols + (long)i * cols + k" if side == "a" else \
        "(long)q * rows * cols + (long)k * cols + i"
    lim = "rows" if side == "a" else "cols"
    # a unit is one run of {block} elements of P: its (matrix, panel, k) is decoded once
    return preamble([dtype]) + f"""__kernel void pack(__global const {t}* X, __global {t}* P,
    int units, int chunk, int rows, int cols, int inner, int padded, int block) {{
  int u0 = get_global_id(0) * chunk, u1 = min(u0 + chunk, units);
  for (int u = u0; u < u1; u++) {{
    int k = u % inner, q = u / inner;
    int blk = q % (padded / block); q /= padded / block;
    int i0 = blk * block, live = min(block, {lim} - i0);
    __global {t}* dst = P + (long)u * block;
    for (int r = 0; r < block; r++) {{
      int i = i0 + r;
      dst[r] = r < live ? X[{src_index}] : ({t})0;
    }}
  }}
}}
""", ["buf", "buf"] + ["int"] * 7


def matmul_source(dtype, nb, rows, width):
    """C = A @ B over packed panels; each work-item keeps a rows x width block of C in
    vector registers (local-memory tiles measured under 1 GFLOP/s on PoCL, which
    emulates local memory). Batch dims broadcast through per-operand panel strides.
    B's panel rows are read as aligned vectors (a panel starts at a multiple of
    ``width`` elements, and buffers at CL_DEVICE_MEM_BASE_ADDR_ALIGN, at least 128
    bytes), not with ``vload``: PoCL calls ``vload`` out of line, which made every
    accumulator spill to memory around the call (48 -> 100-140 GFLOP/s at 1024²)."""
    t, tv = ctype(dtype), ctype(dtype, width)
    bd, sa, sb = _names("bd", nb), _names("sa", nb), _names("sb", nb)
    args = [f"__global const {t}* A", f"__global const {t}* B", f"__global {t}* C",
            "int M", "int N", "int K", "int MP", "int NP"] + [f"int {a}" for a in bd + sa + sb]
    acc = "".join(f"  {tv} c{r} = ({tv})(0);\n" for r in range(rows))
    fma = "".join(f"    c{r} += ap[k * {rows} + {r}] * bv;\n" for r in range(rows))
    store = "".join(f"  if (i0 + {r} < M) am_store(c{r}, C + oc + (long)(i0 + {r}) * N + j0, "
                    f"N - j0);\n" for r in range(rows))
    src = f"""void am_store({tv} v, __global {t}* out, int room) {{
  if (room >= {width}) {{ vstore{width}(v, 0, out); return; }}
  {t} tmp[{width}];
  vstore{width}(v, 0, tmp);
  for (int l = 0; l < room; l++) out[l] = tmp[l];
}}
__kernel void matmul({', '.join(args)}) {{
  int jb = get_global_id(0), ib = get_global_id(1), b = get_global_id(2);
  int j0 = jb * {width}, i0 = ib * {rows};
{_decode('b', bd, sa, 'oa')}{_decode('b', bd, sb, 'ob')}  long oc = (long)b * M * N;
  __global const {t}* ap = A + (long)oa * MP * K + (long)ib * K * {rows};
  __global const {t}* bp = B + (long)ob * K * NP + (long)jb * K * {width};
{acc}  for (int k = 0; k < K; k++) {{
    {tv} bv = ((__global const {tv}*)bp)[k];
{fma}  }}
{store}}}
"""
    return preamble([dtype], contract=True) + src, ["buf"] * 3 + ["int"] * (5 + 3 * nb)


TILE, TILE_K, PER_ITEM = 64, 16, 4  # C tile per work-group, k step, C rows/cols per item


def tiled_matmul_source(dtype, nb):
    """C = A @ B on a GPU: each work-group of 16x16 items computes a 64x64 tile of C,
    staging 64x16 of A and 16x64 of B in local memory per step of k, each item keeping
    a 4x4 block of C in registers (rows ty + 16r, columns tx + 16c: adjacent items touch
    adjacent addresses). Out-of-range rows and columns load as zeros. Batch dims
    broadcast through per-operand matrix strides, as in the CPU kernel."""
    t = ctype(dtype)
    items = TILE // PER_ITEM
    bd, sa, sb = _names("bd", nb), _names("sa", nb), _names("sb", nb)
    args = [f"__global const {t}* A", f"__global const {t}* B", f"__global {t}* C",
            "int M", "int N", "int K"] + [f"int {a}" for a in bd + sa + sb]
    src = f"""__kernel void matmul({', '.join(args)}) {{
  int tx = get_local_id(0), ty = get_local_id(1), lid = ty * {items} + tx;
  int j0 = get_group_id(0) * {TILE}, i0 = get_group_id(1) * {TILE}, b = get_global_id(2);
{_decode('b', bd, sa, 'oa')}{_decode('b', bd, sb, 'ob')}  A += (long)oa * M * K;
  B += (long)ob * K * N;
  C += (long)b * M * N;
  __local {t} As[{TILE_K}][{TILE + 1}], Bs[{TILE_K}][{TILE}];  /* +1: no bank conflicts */
  {t} acc[{PER_ITEM}][{PER_ITEM}], a[{PER_ITEM}], bv[{PER_ITEM}];
  for (int r = 0; r < {PER_ITEM}; r++)
    for (int c = 0; c < {PER_ITEM}; c++) acc[r][c] = 0;
  for (int k0 = 0; k0 < K; k0 += {TILE_K}) {{
    for (int e = lid; e < {TILE * TILE_K}; e += {items * items}) {{
      int row = e / {TILE_K}, kk = e % {TILE_K};
      As[kk][row] = (i0 + row < M && k0 + kk < K) ? A[(long)(i0 + row) * K + k0 + kk] : 0;
      int kr = e / {TILE}, col = e % {TILE};
      Bs[kr][col] = (k0 + kr < K && j0 + col < N) ? B[(long)(k0 + kr) * N + j0 + col] : 0;
    }}
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int kk = 0; kk < {TILE_K}; kk++) {{
      for (int r = 0; r < {PER_ITEM}; r++) a[r] = As[kk][ty + {items} * r];
      for (int c = 0; c < {PER_ITEM}; c++) bv[c] = Bs[kk][tx + {items} * c];
      for (int r = 0; r < {PER_ITEM}; r++)
        for (int c = 0; c < {PER_ITEM}; c++) acc[r][c] += a[r] * bv[c];
    }}
    barrier(CLK_LOCAL_MEM_FENCE);
  }}
  for (int r = 0; r < {PER_ITEM}; r++) {{
    int i = i0 + ty + {items} * r;
    for (int c = 0; c < {PER_ITEM}; c++) {{
      int j = j0 + tx + {items} * c;
      if (i < M && j < N) C[(long)i * N + j] = acc[r][c];
    }}
  }}
}}
"""
    return preamble([dtype], contract=True) + src, ["buf"] * 3 + ["int"] * (3 + 3 * nb)


_WINDOW_ARGS = ["int n", "int chunk", "int H", "int W", "int C", "int OH", "int OW",
                "int KH", "int KW", "int SH", "int SW", "int PH", "int PW"]


def _window_loop(acc, tap):
    """For each NHWC output element: ``acc`` (declares the accumulator), then ``tap`` at
    every in-bounds tap (filter row i, column j; input row y, column x), then store."""
    return f"""  int i0 = get_global_id(0) * chunk, i1 = min(i0 + chunk, n);
  for (int g = i0; g < i1; g++) {{
    int ch = g % OC, q = g / OC, ow = q % OW; q /= OW;
    int oh = q % OH, nb = q / OH;
    {acc}
    for (int i = 0; i < KH; i++) {{
      int y = oh * SH + i - PH;
      if (y < 0 || y >= H) continue;
      for (int j = 0; j < KW; j++) {{
        int x = ow * SW + j - PW;
        if (x < 0 || x >= W) continue;
{tap}
      }}
    }}
    out[g] = acc;
  }}"""


def conv2d_source(dtype):
    """Direct NHWC convolution: one output element per loop step, taps skipped at edges."""
    t = ctype(dtype)
    tap = f"""        __global const {t}* px = X + ((nb * H + y) * W + x) * C;
        __global const {t}* pf = F + (i * KW + j) * C * OC + ch;
        for (int c = 0; c < C; c++) acc += px[c] * pf[c * OC];"""
    args = [f"__global const {t}* X", f"__global const {t}* F", f"__global {t}* out"]
    args += _WINDOW_ARGS + ["int OC"]
    src = (f"__kernel void conv2d({', '.join(args)}) {{\n"
           f"{_window_loop(f'{t} acc = 0;', tap)}\n}}\n")
    return preamble([dtype], contract=True) + src, ["buf"] * 3 + ["int"] * 14


def max_pool_source(dtype, better):
    """Max over each window; padding never wins, as numpy's -inf padding never does."""
    t = ctype(dtype)
    tap = f"""        {t} v = X[((nb * H + y) * W + x) * C + ch];
        acc = {better.format('acc', 'v')};"""
    args = [f"__global const {t}* X", f"__global {t}* out"] + _WINDOW_ARGS + ["int OC"]
    src = (f"__kernel void max_pool2d({', '.join(args)}) {{\n"
           f"{_window_loop(f'{t} acc = {LOWEST[t]};', tap)}\n}}\n")
    return preamble([dtype]) + src, ["buf"] * 2 + ["int"] * 14


def strided_copy_source(dtype, ndim):
    """out[i] = in[offset + sum(coord_a * stride_a)]: transpose, broadcast_to, slicing."""
    t = ctype(dtype)
    d, s = _names("d", ndim), _names("s", ndim)
    args = [f"__global const {t}* in", f"__global {t}* out", "int n", "int chunk", "int off"]
    args += [f"int {a}" for a in d + s]
    src = (f"__kernel void strided_copy({', '.join(args)}) {{\n"
           f"  int i0 = get_global_id(0) * chunk, i1 = min(i0 + chunk, n);\n"
           f"  for (int i = i0; i < i1; i++) {{\n{_decode('i', d, s, 'k', '    ')}"
           f"    out[i] = in[off + k];\n  }}\n}}\n")
    return preamble([dtype]) + src, ["buf", "buf"] + ["int"] * (3 + 2 * ndim)


def concat_source(dtype):
    """Copy one input [outer, a, inner] into the output [outer, total, inner] at ``off``."""
    t = ctype(dtype)
    src = f"""__kernel void concat_part(__global const {t}* in, __global {t}* out, int n,
    int chunk, int inner, int a, int total, int off) {{
  int i0 = get_global_id(0) * chunk, i1 = min(i0 + chunk, n);
  for (int i = i0; i < i1; i++) {{
    int e = i % inner, q = i / inner, k = q % a, o = q / a;
    out[(o * total + off + k) * inner + e] = in[i];
  }}
}}
"""
    return preamble([dtype]) + src, ["buf", "buf"] + ["int"] * 6


def gather_source(dtype, index_dtype):
    """out[o, q, e] = params[o, idx[q], e]; negative indices count from the end."""
    t, ti = ctype(dtype), ctype(index_dtype)
    src = f"""__kernel void gather(__global const {t}* P, __global const {ti}* idx,
    __global {t}* out, int n, int chunk, int inner, int nidx, int A) {{
  int i0 = get_global_id(0) * chunk, i1 = min(i0 + chunk, n);
  for (int i = i0; i < i1; i++) {{
    int e = i % inner, q = i / inner, k = q % nidx, o = q / nidx;
    long j = idx[k];
    if (j < 0) j += A;
    j = clamp(j, 0L, (long)(A - 1));  /* the host checked the range; stay in bounds anyway */
    out[i] = P[(o * A + j) * inner + e];
  }}
}}
"""
    return preamble([dtype, index_dtype]) + src, ["buf"] * 3 + ["int"] * 5


_MIX = """ulong am_mix(ulong x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
  return x ^ (x >> 31);
}
double am_unit(ulong key, ulong i) {
  return (double)(am_mix(i * 0x9E3779B97F4A7C15UL + key) >> 11) * 0x1.0p-53;
}
"""


def random_source(dtype, dist):
    """SplitMix64 over the element counter, exactly as ``ambi/ops/random.py`` on the host."""
    t = ctype(dtype)
    if dist == "uniform":
        value = "a + (b - a) * am_unit(k1, i)"
    else:  # Box-Muller, u1 in (0, 1]
        value = ("a + b * (sqrt(-2.0 * log(1.0 - am_unit(k1, i))) * "
                 "cos(2.0 * M_PI * am_unit(k2, i)))")
    src = (f"__kernel void draw(__global {t}* out, int n, int chunk, ulong k1, ulong k2, "
           f"double a, double b) {{\n  int i0 = get_global_id(0) * chunk, "
           f"i1 = min(i0 + chunk, n);\n  for (int i = i0; i < i1; i++) "
           f"out[i] = ({t})({value});\n}}\n")
    return preamble([dt.float64]) + _MIX + src, ["buf", "int", "int", "ulong", "ulong",
                                                  "double", "double"]
