"""Random programs for property tests: small DAGs of ambi ops, with control flow.

``programs(spec)`` draws a ``Program``: Python source that calls the public API (5-30
ops by default over broadcastable float32 and int32 tensors: elementwise ops, reductions,
matmul, reshape/transpose, ``where``, ``am.cond``, ``am.while_loop`` nested up to depth 2,
and optionally ``am.print`` and Variables), plus its inputs. ``repr(program)`` is a
script that reproduces a failure on its own::

    @given(programs(ProgramSpec(allow_effects=True, allow_variables=True)))
    def test_modes_agree(program):
        am.testing.assert_equivalent(program.fn, *program.inputs, k_terms=program.k_terms)

Ops come from the registry (an op missing from it is never drawn) and are filtered by a
table of numerical care below, so that results agree on every device, not just bit for
bit on numpy: a float value that could grow past ``SQUASH`` goes through ``tanh``; ints
that could grow past ``INT_WRAP`` are reduced ``mod 1009``; ``sqrt``/``log1p`` see
``abs(x)``, divisors are ``1 + abs(y)``; comparisons (``where``, ``cond`` predicates),
``sign`` and rounding only ever see *exact* values (inputs, ints, and what max, min, abs,
negation and reshaping make of them), never a float computed by a chain of rounding ops.
"""
import dataclasses
import functools
import itertools
import linecache
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..ir.opdef import REGISTRY
from .program_ops import BINARY, Value, array_source, broadcast_or_none
from .program_steps import STEPS

SQUASH = 8.0         # floats that may exceed this in magnitude go through tanh
INT_WRAP = 1 << 20   # ints that may exceed this are reduced mod 1009
FLOAT_INPUT_RANGE, INT_INPUT_RANGE = 3.0, 20
LITERALS = {"float32": ("0.5", "2.0", "-1.5"), "int32": ("2", "3", "-4")}


@dataclasses.dataclass(frozen=True)
class ProgramSpec:
    """Knobs for ``programs()``: sizes, dtypes, and which features may appear."""

    min_ops: int = 5
    max_ops: int = 30
    max_inputs: int = 3
    max_rank: int = 3
    max_side: int = 4
    allow_int: bool = True            # int32 inputs and integer arithmetic
    allow_control_flow: bool = True   # am.cond and am.while_loop
    max_depth: int = 2                # nesting of control flow
    max_trips: int = 3                # while loops run 0..max_trips times
    allow_effects: bool = False       # am.print
    allow_variables: bool = False     # am.Variable read_value / assign_add
    allow_matmul: bool = True
    allow_reductions: bool = True
    allow_shape_ops: bool = True      # reshape and transpose
    min_control_flow: int = 0         # the program opens with this many cond/while steps
    allow_redundancy: bool = True     # constants, repeated expressions, exact identities


class Program:
    """A random program: ``.fn`` (a fresh callable), ``.inputs`` (numpy arrays),
    ``.k_terms`` (the longest sum it computes), ``.features`` and ``repr`` (a script)."""

    _ids = itertools.count()

    def __init__(self, body, inputs, variables, k_terms=1, n_ops=0, features=()):
        self.body, self.inputs, self.variable_inits = body, list(inputs), list(variables)
        self.k_terms, self.n_ops, self.features = k_terms, n_ops, frozenset(features)

    @property
    def source(self):
        """The whole script: imports, variables, ``def program(...)`` and ``inputs``."""
        vars_ = [f"var{i} = am.Variable({array_source(a)}, name='var{i}')"
                 for i, a in enumerate(self.variable_inits)]
        ins = ",\n          ".join(array_source(a) for a in self.inputs)
        return "\n".join(["import numpy as np", "import ambi as am", "", *vars_, "",
                          self.body, f"inputs = [{ins}]", ""])

    def build(self):
        """A new callable (with new Variables) made by running ``source``."""
        filename = f"<ambi program {next(self._ids)}>"
        text = self.source
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        ns = {}
        exec(compile(text, filename, "exec"), ns)
        fn = ns["program"]
        fn.variables = [ns[f"var{i}"] for i in range(len(self.variable_inits))]
        return fn

    @functools.cached_property
    def fn(self):
        return self.build()

    def __repr__(self):
        feats = ", ".join(sorted(self.features)) or "plain ops"
        return (f"# ambi random program: {self.n_ops} ops; {feats}; k_terms={self.k_terms}\n"
                + self.source + "am.testing.assert_equivalent(program, *inputs)\n")


@st.composite
def programs(draw, spec=None, **knobs):
    """A random ``Program``; ``programs(max_ops=10, allow_effects=True)`` or pass a
    ``ProgramSpec``. Shrinks toward fewer, simpler ops on recent values."""
    spec = dataclasses.replace(spec or ProgramSpec(), **knobs)
    return _Builder(draw, spec).build()


class _Builder:
    """Draws a program step by step, writing source lines as it goes."""

    def __init__(self, draw, spec):
        self.draw, self.spec = draw, spec
        self.lines, self.ops, self.k_terms, self.features = [], 0, 1, set()
        self._ids = itertools.count()
        self.variables, self.var_sites = [], {}
        self.var_cap = 3.0 + 3 * max(1, spec.max_trips) ** spec.max_depth
        self.forced_flow = spec.min_control_flow if spec.allow_control_flow else 0

    # -- the whole program ------------------------------------------------------------
    def build(self):
        spec = self.spec
        base = self.draw(hnp.array_shapes(min_dims=0, max_dims=spec.max_rank, min_side=1,
                                          max_side=spec.max_side))
        inputs = self._inputs(base)
        if spec.allow_variables:
            self._variables(base)
        budget = self.draw(st.integers(spec.min_ops, spec.max_ops))
        scope = [v for v, _ in inputs]
        made = self.block(scope, budget, indent=1, depth=0)
        self._return(scope + made)
        params = ", ".join(v.name for v, _ in inputs)
        body = "\n".join([f"def program({params}):"] + self.lines) + "\n"
        return Program(body, [a for _, a in inputs], [a for _, a in self.variables],
                       self.k_terms, self.ops, self.features)

    def _inputs(self, base):
        n = self.draw(st.integers(1, self.spec.max_inputs))
        out = []
        for i in range(n):
            dtype = "float32"
            if i and self.spec.allow_int:
                dtype = self.draw(st.sampled_from(["float32", "int32"]))
            arr = self._array(self._sub_shape(base), dtype)
            bound = FLOAT_INPUT_RANGE if dtype == "float32" else INT_INPUT_RANGE
            out.append((Value(f"x{i}", arr.shape, dtype, bound, exact=True), arr))
        return out

    def _variables(self, base):
        for i in range(self.draw(st.integers(1, 2))):
            arr = self._array(self._sub_shape(base), "float32", 1.0)
            self.variables.append((Value(f"var{i}", arr.shape, "float32", self.var_cap), arr))

    def _sub_shape(self, base):
        """A shape that broadcasts with ``base``: leading axes dropped, some set to 1."""
        drop = self.draw(st.integers(0, len(base)))
        return tuple(1 if self.draw(st.booleans()) else d for d in base[drop:])

    def _array(self, shape, dtype, scale=None):
        if dtype == "int32":
            elems = st.integers(-INT_INPUT_RANGE, INT_INPUT_RANGE)
        else:
            r = scale or FLOAT_INPUT_RANGE
            elems = st.floats(-r, r, width=32, allow_subnormal=False)
        return self.draw(hnp.arrays(np.dtype(dtype), shape, elements=elems))

    def _return(self, scope):
        picks = [scope[-1]] + [self.pick(scope) for _ in range(self.draw(st.integers(0, 2)))]
        names = [v.name for v in picks]
        if len(names) == 1:
            self.emit(1, f"return {names[0]}")
        elif self.draw(st.booleans()):
            self.emit(1, f"return ({', '.join(names)},)")
        else:
            self.emit(1, f"return {{'first': {names[0]}, 'rest': [{', '.join(names[1:])}]}}")

    # -- blocks and steps ---------------------------------------------------------------
    def block(self, scope, budget, indent, depth, trips=1):
        """Emit about ``budget`` ops; returns the values they define."""
        made, tries = [], 0
        while budget > 0 and tries < 100:  # a step that cannot apply emits nothing: retry
            kind = self.draw(st.sampled_from(self._kinds(depth, budget)))
            before, tries = self.ops, tries + 1
            made += STEPS[kind](self, scope + made, budget, indent, depth, trips)
            budget -= self.ops - before
        return made

    def _kinds(self, depth, budget):
        spec, kinds = self.spec, ["unary", "binary", "unary", "binary", "where"]
        kinds += ["reduce"] * spec.allow_reductions + ["matmul"] * spec.allow_matmul
        kinds += ["reshape", "transpose"] if spec.allow_shape_ops else []
        kinds += ["constant", "repeat", "identity"] if spec.allow_redundancy else []
        if spec.allow_control_flow and depth < spec.max_depth and budget >= 3:
            if depth == 0 and self.forced_flow > 0:
                self.forced_flow -= 1
                return ["cond", "while"]
            kinds += ["cond", "while"]
        kinds += ["print"] * spec.allow_effects
        kinds += ["var_read", "var_add"] if self.variables else []
        return kinds

    # -- helpers the steps share -----------------------------------------------------------
    def fresh(self, prefix="v"):
        return f"{prefix}{next(self._ids)}"

    def emit(self, indent, text):
        self.lines.append("    " * indent + text)

    def pick(self, values):
        """One of ``values``, favouring the most recent (shrinks toward the last one)."""
        return values[-1 - self.draw(st.integers(0, len(values) - 1))]

    def assign(self, expr, shape, dtype, bound, exact, indent, ops=1, force=False):
        """Emit ``name = expr``, keeping magnitudes bounded; returns the new Value."""
        self.ops += ops
        if dtype == "float32" and (bound > SQUASH or force) and not math.isnan(bound):
            expr, bound, exact = f"am.tanh({expr})", 1.0, False
            self.ops += 1
        elif dtype == "int32" and (bound > INT_WRAP or force):
            expr, bound = f"am.mod({expr}, 1009)", 1008.0
            self.ops += 1
        value = Value(self.fresh(), tuple(shape), dtype, bound, exact, expr)
        self.emit(indent, f"{value.name} = {expr}")
        return value

    def literal(self, dtype):
        text = self.draw(st.sampled_from(LITERALS[dtype]))
        return Value(text, (), dtype, abs(float(text)), exact=True)

    def fold_into(self, target, scope, indent, force=False):
        """A value of exactly ``target``'s shape and dtype made from ``target`` and a value
        of ``scope`` (a branch's or loop body's result)."""
        fits = [v for v in scope if v.dtype == target.dtype
                and broadcast_or_none(target.shape, v.shape) == target.shape]
        w = self.pick(fits)
        names = [n for n in ("add", "multiply", "maximum", "minimum", "subtract")
                 if n in REGISTRY]
        name = self.draw(st.sampled_from(names))
        bound = BINARY[name].bound(target.bound, w.bound)
        return self.assign(f"am.{name}({target.name}, {w.name})", target.shape, target.dtype,
                           bound, False, indent, force=force)
