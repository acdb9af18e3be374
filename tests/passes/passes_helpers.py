"""Helpers for the pass tests: fresh traces, a structural fingerprint, and random programs.

``canon(graph)`` numbers nodes by a depth-first walk from the outputs and effects, so
two graphs get equal fingerprints exactly when they compute the same DAG (same ops,
params, operand order and sharing), whatever their node ids.
"""
import contextlib
import io

import numpy as np
from hypothesis import strategies as st

import ambi as am
from ambi.interp import interpret
from ambi.ir.graph import Graph
from ambi.passes.cse import param_key

FLOAT_SHAPES = [(), (3,), (2, 3), (2, 1)]


def trace(fn, *args):
    """A fresh, unoptimized graph of ``fn`` for these arguments."""
    return am.function(fn, optimize=0).get_concrete_function(*args).graph


def canon(graph):
    """A fingerprint of the graph's structure that ignores node ids and names."""
    index, keys = {}, []

    def visit(n):
        if n in index:
            return index[n]
        node = graph[n]
        operands = tuple((visit(u), out) for u, out in graph.operands(n))
        params = tuple((k, canon(v) if isinstance(v, Graph) else param_key(v))
                       for k, v in node["params"].items() if k != "type")
        keys.append((node["op"].name, params, operands, node["types"]))
        index[n] = len(keys) - 1
        return index[n]

    roots = [v for v in graph.outputs]
    outs = [(visit(n), i) for n, i in roots]
    effects = [visit(n) for n in graph.effects()]
    inputs = [visit(n) for n in graph.inputs]
    return tuple(keys), tuple(outs), tuple(effects), tuple(inputs)


def ops(graph):
    """The op names of the graph's nodes in topological order (args and consts too)."""
    return [graph[n]["op"].name for n in graph.order()]


def compute_nodes(graph):
    """Nodes that compute something: not graph inputs, not constants."""
    return [n for n in ops(graph) if n not in ("arg", "const")]


def effect_signature(graph):
    """The effects in program order, nested into subgraphs: what must never change."""
    sig = []
    for n in graph.effects():
        node = graph[n]
        subs = tuple(effect_signature(g) for g in graph.subgraphs(n))
        sig.append((node["op"].name, param_key(node["params"].get("template")),
                    id(node["params"].get("var")), subs))
    return sig


def effects_kept(before, after):
    """``after`` is the effect signature ``before`` with some ``cond`` entries replaced,
    in place, by the effects of one of their branches (a cond on a constant, inlined)."""
    if not before:
        return not after
    head, rest = before[0], before[1:]
    if after and after[0][:3] == head[:3] and len(after[0][3]) == len(head[3]) \
            and all(effects_kept(b, a) for b, a in zip(head[3], after[0][3])) \
            and effects_kept(rest, after[1:]):
        return True
    return head[0] == "cond" and any(effects_kept(list(b) + rest, after) for b in head[3])


def run_graph(graph, args, variables=()):
    """Interpret ``graph`` from the variables' starting values: (outputs, stdout, vars)."""
    for v, start in variables:
        v._value = start
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        values = interpret(graph, [np.asarray(a) for a in args])
    return values, out.getvalue(), [np.array(v._value) for v, _ in variables]


def assert_same_run(a, b, k_terms=1):
    """Two run_graph results agree within SPEC tolerances: values, prints, variables."""
    (va, sa, wa), (vb, sb, wb) = a, b
    assert sa == sb
    assert len(va) == len(vb)
    for x, y in zip(list(va) + wa, list(vb) + wb):
        verdict = am.testing.compare(x, y, k_terms=k_terms)
        assert verdict, str(verdict)


class Case:
    """What the property tests need of a random program, whoever generated it."""

    def __init__(self, fn, args, variables, k_terms=1, source=None):
        self.fn, self.args, self.variables = fn, args, variables
        self.k_terms, self.source = k_terms, source

    def __repr__(self):
        return self.source


def cases():
    """Random programs from ambi.testing.strategies (with prints and Variables) and from
    this file's generator, which aims at the passes (identities, constants, repeats)."""
    from ambi.testing.strategies import programs as shared

    def from_shared(p):
        fn = p.build()
        return Case(fn, p.inputs, list(zip(fn.variables, p.variable_inits)), p.k_terms,
                    repr(p))

    def from_ours(p):
        return Case(p.fn, p.args, p.variables, 1, repr(p))
    return st.one_of(programs().map(from_ours),
                     shared(allow_effects=True, allow_variables=True).map(from_shared))


# -- random programs ------------------------------------------------------------------
UNARY = [am.negative, am.abs, am.tanh, am.sin, am.floor]
BINARY = [am.add, am.subtract, am.multiply, am.maximum, am.minimum, am.divide]
IDENTITIES = [
    lambda x: x * 1.0, lambda x: 1.0 * x, lambda x: x / 1.0, lambda x: am.negative(-x),
    lambda x: x ** 1.0, lambda x: x ** 2.0, lambda x: x - 0.0,
    lambda x: am.transpose(am.transpose(x)), lambda x: am.cast(x, am.float32),
    lambda x: am.reshape(am.reshape(x, (-1,)), x.shape),
    lambda x: am.cast(am.cast(x, am.float64), am.float32),
    lambda x: am.abs(am.abs(x)), lambda x: am.maximum(x, x),
]


class Program:
    """A random straight-line program over two inputs, replayable in any mode.

    Each step is a tuple of small ints; ``build`` turns them into ambi calls, so the
    same steps run eagerly, traced, and with any pass pipeline.
    """

    def __init__(self, steps, seed):
        self.steps, self.seed = steps, seed
        rng = np.random.default_rng(seed)
        self.args = [np.round(rng.uniform(-3, 3, (2, 3)), 2).astype(np.float32),
                     np.round(rng.uniform(-3, 3, (3,)), 2).astype(np.float32)]
        self.variable = am.Variable(0.0, name="acc")
        self.start = self.variable._value

    def __repr__(self):
        return f"Program(steps={self.steps!r}, seed={self.seed})"

    @property
    def variables(self):
        return [(self.variable, self.start)]

    def fn(self, x, y):
        vals = [x, y]
        for step in self.steps:
            vals.append(_STEPS[step[0] % len(_STEPS)](self, vals, *step[1:]))
        return vals[-1], vals[len(vals) // 2]


def _pick(vals, i):
    return vals[i % len(vals)]


def _unary(p, vals, k, i, *_):
    return UNARY[k % len(UNARY)](_pick(vals, i))


def _binary(p, vals, k, i, j):
    return BINARY[k % len(BINARY)](_pick(vals, i), _pick(vals, j))


def _const(p, vals, k, i, j):
    shape = FLOAT_SHAPES[k % len(FLOAT_SHAPES)]
    values = np.random.default_rng(i * 31 + j).uniform(-2, 2, shape)
    return am.constant(np.round(values, 1).astype(np.float32))


def _identity(p, vals, k, i, *_):
    return IDENTITIES[k % len(IDENTITIES)](_pick(vals, i))


def _repeat(p, vals, k, i, j):
    """The same op on the same operands again: work for CSE."""
    return _binary(p, vals, k, i, j) + _binary(p, vals, k, i, j)


def _reduce(p, vals, k, i, j):
    x = _pick(vals, i)
    op = [am.reduce_sum, am.reduce_max, am.reduce_min][k % 3]
    return op(x, axis=-1 if x.ndim else None, keepdims=x.ndim == 2)  # shapes stay broadcastable


def _cond(p, vals, k, i, j):
    a, b = _pick(vals, i), _pick(vals, j)

    def true_fn():
        if k % 2:
            am.print("then", a)
        return a * 2.0 + b
    pred = am.reduce_sum(_pick(vals, k)) > 0.0 if k % 3 else am.constant(float(k % 4 == 0)) > 0.5
    return am.cond(pred, true_fn, lambda: a - b)


def _while(p, vals, k, i, j):
    x, c = _pick(vals, i), am.reduce_sum(_pick(vals, j))

    def body(n, v):
        if k % 2:
            am.print("loop", n)
        return n + 1, v * 0.5 + c
    return am.while_loop(lambda n, v: n < k % 3 + 1, body, [am.constant(0), x])[1]


def _print(p, vals, k, i, *_):
    am.print("value", _pick(vals, i))
    return _pick(vals, i)


def _variable(p, vals, k, i, *_):
    p.variable.assign_add(am.reduce_sum(_pick(vals, i)))
    return p.variable.read_value() * _pick(vals, k)


def _random(p, vals, k, i, *_):
    return am.random.uniform(FLOAT_SHAPES[k % len(FLOAT_SHAPES)], seed=i % 5)


_STEPS = [_unary, _binary, _const, _identity, _repeat, _reduce, _cond, _while, _print,
          _variable, _random, _binary, _const, _identity]


def programs(max_steps=12):
    """A hypothesis strategy of random Programs (control flow, prints, a Variable)."""
    step = st.tuples(*[st.integers(0, 40)] * 4)
    return st.builds(Program, st.lists(step, min_size=1, max_size=max_steps),
                     st.integers(0, 2 ** 16))
