"""Hypothesis strategies for random well-formed .ambi programs.

``programs()`` draws a whole script: float32 tensors of broadcastable shapes, `let`s,
functions (plain, with an `if` that returns in both branches, with an early return, and
`@graph`), rebinding, `if`/`elif`/`else` on tensor conditions, `while` loops on tensor
counters, `for` loops over literal and tensor ranges, and prints. Every name keeps its
shape and dtype when rebound and values are squashed with ``tanh``, so a program runs
without error in every mode and its output must be the same line for line
(``tests/lang/test_lang_programs.py``). ``token_soup()`` and ``mutated_programs()`` draw
broken text, and ``loose_programs()`` well-formed text that calls builtins with random
arguments, for robustness tests.

>>> from hypothesis import given
>>> @given(programs())
... def test(text): ...
"""
from hypothesis import strategies as st

SHAPES = {"a": (2, 3), "b": (3,), "c": (), "d": (2, 1)}
INIT = {"a": "[[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]", "b": "[0.1, -0.2, 0.3]",
        "c": "mean([0.25, 0.75])", "d": "[[1.0], [-2.0]]"}
PRELUDE = """fn h(u) { return tanh(u) * 0.5 + u }
fn flip(u) { if sum(u) > 0.0 { return u } else { return -u } }
fn clip(u) {
  if sum(u) > 3.0 { return u * 0.5 }
  return tanh(u)
}
@graph fn g(u, v) { return tanh(u * v) + v }
"""
UNARY = ("tanh", "sin", "cos", "abs", "sigmoid", "h", "flip", "clip", "-")


def _fits(shape, target):
    """Does ``shape`` broadcast to exactly ``target`` (all of its dims)?"""
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


class _Gen:
    """Draws text with a scope of (name -> shape), a depth budget and a name counter."""

    def __init__(self, draw):
        self.draw, self.fresh, self.lines = draw, 0, []
        self.scope = dict(SHAPES)
        self.frozen = set()  # loop counters: never rebound by random statements

    def name(self, prefix):
        self.fresh += 1
        return f"{prefix}{self.fresh}"

    def expr(self, shape, depth=2):
        d = self.draw
        same = [n for n, s in self.scope.items() if s == shape]
        if depth == 0 or d(st.integers(0, 3)) == 0:
            if shape == () and (not same or d(st.booleans())):
                return repr(d(st.sampled_from([0.5, -1.5, 2.0, 0.25])))
            return d(st.sampled_from(same)) if same else f"zeros({list(shape)})"
        kind = d(st.integers(0, 4))
        if kind == 0:
            return f"sum({self.expr(d(st.sampled_from(list(SHAPES.values()))), depth - 1)})" \
                if shape == () else self._binary(shape, depth)
        if kind == 1:
            fn = d(st.sampled_from(UNARY))
            inner = self.expr(shape, depth - 1)
            return f"-({inner})" if fn == "-" else f"{fn}({inner})"
        if kind == 2:
            return f"g({self.expr(shape, depth - 1)}, {self._sub(shape, depth - 1)})"
        return self._binary(shape, depth)

    def _sub(self, shape, depth):
        subs = [s for s in set(SHAPES.values()) | {()} if _fits(s, shape)]
        return self.expr(self.draw(st.sampled_from(sorted(subs))), depth)

    def _binary(self, shape, depth):
        op = self.draw(st.sampled_from(["+", "-", "*"]))
        left, right = self.expr(shape, depth - 1), self._sub(shape, depth - 1)
        if self.draw(st.booleans()):
            left, right = right, left
        return f"({left} {op} {right})"

    # -- statements -----------------------------------------------------------------
    def block(self, depth, indent):
        saved = dict(self.scope)
        n = self.draw(st.integers(1, 3))
        body = [self.stmt(depth, indent + "  ") for _ in range(n)]
        self.scope = saved
        return "{\n" + "".join(body) + indent + "}"

    def stmt(self, depth, indent):
        kinds = ["print", "let", "rebind"] + (["if", "while", "for"] if depth > 0 else [])
        kind = self.draw(st.sampled_from(kinds))
        return indent + getattr(self, "_" + kind)(depth, indent) + "\n"

    def _print(self, depth, indent):
        shape = self.draw(st.sampled_from(list(SHAPES.values())))
        label = self.draw(st.sampled_from(['"x"', '"value:"', None]))
        value = self.expr(shape)
        return f"print({label}, {value})" if label else f"print({value})"

    def _let(self, depth, indent):
        shape = self.draw(st.sampled_from(list(SHAPES.values())))
        name = self.name("t")
        text = f"let {name} = {self.expr(shape)}"
        self.scope[name] = shape
        return text

    def _rebind(self, depth, indent):
        names = sorted(n for n in self.scope if n not in self.frozen)
        name = self.draw(st.sampled_from(names))
        return f"{name} = tanh({self.expr(self.scope[name])})"

    def _if(self, depth, indent):
        text = f"if {self._cond()} {self.block(depth - 1, indent)}"
        if self.draw(st.booleans()):
            text += f" elif {self._cond()} {self.block(depth - 1, indent)}"
        if self.draw(st.booleans()):
            text += f" else {self.block(depth - 1, indent)}"
        return text

    def _cond(self):
        op = self.draw(st.sampled_from([">", "<", ">=", "<="]))
        return f"sum({self.expr(self.draw(st.sampled_from(list(SHAPES.values()))), 1)}) {op} 0.0"

    def _while(self, depth, indent):
        k = self.name("k")
        limit = self.draw(st.integers(0, 3))
        self.frozen.add(k)
        self.scope[k] = ()
        body = self.block(depth - 1, indent)[:-1]  # reopen it to count
        del self.scope[k]
        return (f"let {k} = sum([0.0])\n{indent}while {k} < {limit}.0 {body}"
                f"  {k} = {k} + 1.0\n{indent}}}")

    def _for(self, depth, indent):
        i = self.name("i")
        bound = self.draw(st.sampled_from(["2", "3", "sum([1, 1])", "0"]))
        self.frozen.add(i)
        text = f"for {i} in range(0, {bound}) {{\n{indent}  print(\"i\", {i})\n"
        body = self.block(depth - 1, indent)
        return text + body[2:]


@st.composite
def programs(draw, max_statements=6, max_depth=2):
    """A random well-formed script (a string) whose output is the same in every mode."""
    gen = _Gen(draw)
    lines = [PRELUDE] + [f"let {n} = {INIT[n]}\n" for n in SHAPES]
    n = draw(st.integers(1, max_statements))
    lines += [gen.stmt(max_depth, "") for _ in range(n)]
    return "".join(lines)


TOKENS = ["let", "var", "fn", "@graph", "if", "elif", "else", "while", "for", "in", "return",
          "range", "print", "true", "false", "and", "or", "not", "x", "y", "f", "sum",
          "matmul", "(", ")", "[", "]", "{", "}", ",", ";", "\n", "=", "+=", "-=", "+", "-",
          "*", "/", "//", "%", "@", "**", "==", "<", ">=", "!=", ":", "...", "1", "2.5", "0",
          '"s"', "#c\n", "x[0]", "[1.0, 2.0]"]


def token_soup(max_size=40):
    """Random sequences of the language's tokens, joined by spaces."""
    return st.lists(st.sampled_from(TOKENS), max_size=max_size).map(" ".join)


@st.composite
def mutated_programs(draw):
    """A valid program, then truncated, or with tokens deleted, duplicated or swapped."""
    text = draw(programs(max_statements=3, max_depth=1))
    words = text.replace("(", " ( ").replace(")", " ) ").split(" ")
    how = draw(st.sampled_from(["truncate", "delete", "duplicate", "swap"]))
    i = draw(st.integers(0, len(words) - 1))
    j = draw(st.integers(0, len(words) - 1))
    if how == "truncate":
        return text[:draw(st.integers(0, len(text)))]
    if how == "delete":
        del words[i]
    elif how == "duplicate":
        words.insert(i, words[j])
    else:
        words[i], words[j] = words[j], words[i]
    return " ".join(words)


_ATOMS = ["1", "2.5", "-1", "0", "[1, 2]", "[1.0, 2.0]", "[[1.0, 2.0], [3.0, 4.0]]", "true",
          "x", "y", '"s"', "[]", "float64", "int32"]
_KEYWORDS = ["axis", "keepdims", "seed", "dtype", "shape"]


def _call(names, inner):
    args = st.lists(inner, max_size=3)
    kwargs = st.lists(st.tuples(st.sampled_from(_KEYWORDS), inner), max_size=1)
    return st.tuples(st.sampled_from(names), args, kwargs).map(
        lambda t: f"{t[0]}({', '.join(t[1] + [f'{k}={v}' for k, v in t[2]])})")


def loose_programs(names):
    """Syntactically valid scripts calling ``names`` (builtins) with random arguments,
    eagerly and inside a `@graph fn`: most fail, and each must fail with a located
    message."""
    expr = st.recursive(st.sampled_from(_ATOMS), lambda inner: st.one_of(
        _call(names, inner),
        st.tuples(inner, st.sampled_from(["+", "*", "@", "<", "**", "//"]), inner)
        .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"{e}[0]")), max_leaves=6)
    return st.lists(expr, min_size=1, max_size=3).map(
        lambda es: "let x = [[1.0, 2.0], [3.0, 4.0]]\nlet y = [1, 2]\n@graph fn g(x) {\n"
        + "".join(f"  print({e})\n" for e in es) + "  return x\n}\n"
        + "".join(f"print({e})\n" for e in es) + "g(x)\n")
