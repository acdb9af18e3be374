"""OpenCL helper functions that elementwise ops' templates call, by C type.

A record's ``cl`` names the ones its template calls: ``{"expr": "am_mod_{S}({0}, {1})",
"helpers": {"mod": division}}`` says that ``am_mod_<type>`` is defined by
``division(<type>)``. The OpenCL code generator emits each helper a kernel calls once,
before the kernel (ambi/devices/cl_codegen.py).
"""


def division(t):
    """numpy's floor division, modulo and integer power for scalar C type ``t``."""
    return float_division(t) if t in ("float", "double") else int_division(t)


def float_division(t):
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


def int_division(t):
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


def trig(t):
    """sin and cos of float32 (``t``: ``float`` or ``floatN``), SLEEF's 3.5-ulp method: a
    3-part Cody-Waite reduction by pi (each product exact for |x| < 125), then an odd
    polynomial: within 2.5 ulp of the true value, and in vector code 1.6x faster than
    PoCL's builtins. A vector with a lane of |x| >= 125, inf or NaN takes the builtins,
    lane by lane and out of line (so the fast path keeps its registers). The multiple q
    is rounded by adding 1.5 * 2**23 and read from the bits (exactly ``rint``, round half
    to even, for |q| < 2**22): PoCL's ``rint`` is a 25-instruction emulation out of line,
    and this took the 10-op chain from 37-45 to 27 ms there."""
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
    check, bad, w = f"  {it} bad = (as_{it}(x) & 0x7fffffff) >= 0x42fa0000;\n", "bad", int(n or 1)
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
  {it} q = as_{it}(x * M_1_PI_F + 0x1.8p23f) - 0x4b400000;  /* rint, as an integer */
{reduce}  {t} r = am_sincos_poly_{t}(d, -(q & 1) & INT_MIN);
  return as_{t}(as_{it}(r) | ({zero}));
}}
{t} am_cos_{t}({t} x) {{
{check}  if ({bad}) return am_cos_slow_{t}(x);
  const float h = 0.5f;
  {it} q = 1 + 2 * (as_{it}(x * M_1_PI_F - 0.5f + 0x1.8p23f) - 0x4b400000);
{reduce}  return am_sincos_poly_{t}(d, -((~q >> 1) & 1) & INT_MIN);
}}
"""
