"""TensorFlow-1 style graphs for old code: Graph, placeholder, Session.

    g = am.compat.Graph()
    with g.as_default():
        x = am.compat.placeholder(am.float32, [3], name="x")
        y = x * 2.0
    with am.compat.Session(g) as sess:
        sess.run(y, feed_dict={x: [1.0, 2.0, 3.0]})   # array([2., 4., 6.], dtype=float32)

Inside ``g.as_default()`` ops record into ``g`` (a ``GraphTrace``), exactly as inside
``am.function``. ``Session.run`` makes a graph whose outputs are the fetches, prunes
what neither they nor an effect need (dead-code elimination), compiles it once per
fetch set with the fast executor, and runs it with the placeholders fed.

Choices where TensorFlow 1 differs or ambi cannot follow it:

- Effects: **every** effect recorded in the graph so far (``am.print``, variable
  assignments) that can run does run on each ``Session.run``, in program order,
  whatever is fetched. TF1 runs only the effects the fetches depend on; ambi keeps one
  rule for effects in every mode (they always run), which is simpler to reason about
  (``am.print`` returns None, so it could not be fetched anyway).
- Placeholders: a run demands exactly the placeholders its fetches need, as in TF1. An
  effect that needs a placeholder the run does not feed (``am.print(x)``,
  ``v.assign(x)``, directly or through other ops) cannot run and is skipped on that
  run, as TF1 would not run it for fetches that do not need ``x``; the other effects
  still run, in order. A fetch that needs an unfed placeholder is an error naming it.
- Shapes are static: a placeholder's shape must be fully known (no ``None``
  dimensions), because every node's type is fixed when it is recorded.
- Feeds keep ambi's dtype rule: a numpy array or tensor must have the placeholder's
  dtype (no silent casts); Python numbers and lists adopt it.
- Variables hold their initial value from the moment they are made, so no
  initializer needs to run. Fetching a Variable gives its value after the run.
- Results are numpy arrays (0-d arrays for scalars), in the structure of the fetches;
  a fetch of ``None`` (what ``am.print`` returns) gives ``None``.
"""
import contextlib

from .ir.lazy import nx
import numpy as np

from . import core, tree
from .core import SymbolicTensor
from .dtypes import as_dtype
from .errors import AmbiError, ArgumentError, TracingError, user_loc
from .interp import Compiled
from .ir.graph import SEQ, Graph as _IRGraph
from .ir.types import TensorType
from .tracing import GraphTrace

_default = []  # compat Graphs made current by as_default(), innermost last


class Graph:
    """A TF1-style graph that ops record into while it is the default.

    >>> g = am.compat.Graph()
    >>> with g.as_default():
    ...     x = am.compat.placeholder(am.float32, [2])
    ...     y = x + 1.0
    """

    def __init__(self, name="graph"):
        self._trace = GraphTrace(name)

    @property
    def ir(self):
        """The recorded ``am.ir.Graph`` (placeholders are its inputs)."""
        return self._trace.graph

    @contextlib.contextmanager
    def as_default(self):
        """Record the ops of the ``with`` block into this graph."""
        _default.append(self)
        try:
            with core.tracing_into(self._trace):
                yield self
        finally:
            _default.pop()

    def get_tensor_by_name(self, name):
        """The tensor called ``"name:0"`` (or ``"name"``, meaning output 0)."""
        base, _, out = name.rpartition(":") if ":" in name else (name, "", "0")
        for n in self.ir.nx:
            node = self.ir[n]
            if node["name"] == base and out.isdigit() and int(out) < len(node["types"]):
                return SymbolicTensor(self._trace, n, int(out), node["types"][int(out)])
        raise ArgumentError(f"graph {self.ir.name!r} has no tensor named {name!r}")

    def __repr__(self):
        return f"<ambi.compat.Graph {self.ir.name!r}: {len(self.ir)} nodes>"


def placeholder(dtype, shape, name=None):
    """A graph input fed at ``Session.run`` time through ``feed_dict``.

    >>> with g.as_default():
    ...     x = am.compat.placeholder(am.float32, [2, 3], name="x")
    """
    trace = core.current_trace()
    if not _default or trace is not _default[-1]._trace:
        raise TracingError("am.compat.placeholder() needs a graph: call it inside "
                           "`with g.as_default():` where g = am.compat.Graph()",
                           loc=user_loc())
    if not isinstance(shape, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise ArgumentError(f"am.compat.placeholder: shape must be a list of non-negative "
                            f"ints, got {shape!r}; ambi's shapes are static, so None "
                            "(unknown) dimensions are not supported", loc=user_loc())
    if name is not None and not isinstance(name, str):
        raise ArgumentError(f"am.compat.placeholder: name must be a string, got {name!r}")
    return trace.new_arg(TensorType(shape, as_dtype(dtype)), name=name)


class Session:
    """Runs fetches of a compat Graph: ``Session(g).run(fetches, feed_dict)``.

    >>> with am.compat.Session(g) as sess:
    ...     sess.run(y, feed_dict={x: [1.0, 2.0]})
    array([2., 3.], dtype=float32)
    """

    def __init__(self, graph=None):
        graph = graph if graph is not None else (_default[-1] if _default else None)
        if not isinstance(graph, Graph):
            raise ArgumentError("am.compat.Session needs an am.compat.Graph: pass one, or "
                                "create the Session inside `with g.as_default():`",
                                loc=user_loc())
        self.graph, self._plans, self._closed = graph, {}, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Free the compiled plans; a closed Session cannot run."""
        self._closed, self._plans = True, {}

    def run(self, fetches, feed_dict=None):
        """Run the graph; returns the fetches' values as numpy arrays, same structure."""
        if self._closed:
            raise AmbiError("this Session is closed; create a new one", loc=user_loc())
        leaves, treedef = tree.flatten(fetches)
        leaves = [self._resolve(x) for x in leaves]
        values = [(x.node, x.out) for x in leaves if isinstance(x, SymbolicTensor)]
        fed = self._feeds(feed_dict or {})
        compiled = self._plan(tuple(values), frozenset(fed))
        outs = iter(compiled(*[fed.get(n) for n in self.graph.ir.inputs]))
        results = [np.asarray(next(outs)) if isinstance(x, SymbolicTensor) else x
                   for x in leaves]
        results = [x.numpy() if isinstance(x, core._Readable) else x for x in results]
        return tree.unflatten(treedef, results)

    def _resolve(self, x):
        """A fetch -> a SymbolicTensor of this graph, a Variable, or None."""
        if isinstance(x, str):
            x = self.graph.get_tensor_by_name(x)
        if x is None or isinstance(x, core._Readable):
            return x
        if not isinstance(x, SymbolicTensor):
            raise ArgumentError(f"Session.run: cannot fetch {type(x).__name__} {x!r}; "
                                "fetch tensors of the session's graph", loc=user_loc())
        if x.trace is not self.graph._trace:
            raise ArgumentError(f"Session.run: {x.name} belongs to another graph",
                                loc=user_loc())
        return x

    def _plan(self, values, fed):
        """The compiled graph, cached per fetches, fed placeholders and graph size."""
        key = (values, fed, len(self.graph.ir))
        if key not in self._plans:
            self._plans[key] = _compile(self.graph.ir, list(values), fed)
        return self._plans[key]

    def _feeds(self, feed_dict):
        """placeholder node -> its fed value (a numpy array of its type)."""
        if not isinstance(feed_dict, dict):
            raise ArgumentError(f"Session.run: feed_dict must be a dict from placeholders to "
                                f"values, not {type(feed_dict).__name__}", loc=user_loc())
        fed = {}
        for key, value in feed_dict.items():
            n = self._placeholder_node(key)
            fed[n] = _feed_value(self.graph.ir[n], value)
        return fed

    def _placeholder_node(self, key):
        x = self.graph.get_tensor_by_name(key) if isinstance(key, str) else key
        if not isinstance(x, SymbolicTensor) or x.trace is not self.graph._trace:
            raise ArgumentError(f"Session.run: feed_dict key {key!r} is not a tensor of "
                                "the session's graph", loc=user_loc())
        if x.node not in self.graph.ir.inputs:
            raise ArgumentError(f"Session.run: only placeholders can be fed, and {x.name} "
                                "is not one", loc=user_loc())
        return x.node


def _compile(source, outputs, fed):
    """A copy of ``source`` returning ``outputs``, keeping only what they, the effects
    that can run without the unfed placeholders, and the inputs need. Subgraphs are
    shared with ``source``, never changed."""
    unfed = [n for n in source.inputs if n not in fed]
    blocked = _readers(source, unfed)
    for n, _ in outputs:
        if n in blocked or n in unfed:
            _not_fed(source, [u for u in unfed if u == n or n in _readers(source, [u])])
    g = _IRGraph(source.name)
    g.nx = source.nx.copy()
    g.inputs, g.outputs, g.last_effect = list(source.inputs), outputs, source.last_effect
    for n in source.effects():
        if n in blocked:
            g.remove_node(n)  # skipped on this run; the effect chain is spliced around it
    keep = set(g.inputs) | {n for n, _ in outputs} | set(g.effects())
    for n in list(keep):
        keep |= nx.ancestors(g.nx, n)
    g.nx = g.nx.subgraph(keep).copy()
    g.touch()
    return Compiled(g)


def _readers(graph, sources):
    """Nodes that read any of ``sources`` as operands, directly or through other nodes."""
    seen, todo = set(), list(sources)
    while todo:
        for _, v, k in graph.nx.out_edges(todo.pop(), keys=True):
            if k != SEQ and v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def _not_fed(graph, placeholders):
    node = graph[placeholders[0]]
    raise ArgumentError(f"Session.run: placeholder {node['name']!r} ({node['types'][0]}) is "
                        f"needed by the fetches but not fed; pass "
                        f"feed_dict={{{node['name']}: value}}", loc=user_loc())


def _feed_value(node, value):
    """A feed converted to the placeholder's type, or an error naming both."""
    want = node["types"][0]
    literal = not isinstance(value, (core.Tensor, core._Readable, np.ndarray, np.generic))
    try:
        t = core.to_eager(value, want.dtype if literal else None)
    except (AmbiError, ValueError, TypeError, OverflowError) as e:
        raise ArgumentError(f"Session.run: the feed for {node['name']!r} ({want}) is not "
                            f"usable: {getattr(e, 'message', e)}", loc=user_loc()) from None
    if t.dtype is not want.dtype or t.shape != want.shape:
        hint = f"; convert it with .astype(np.{want.dtype.np})" \
            if t.dtype is not want.dtype else ""
        raise ArgumentError(f"Session.run: placeholder {node['name']!r} is {want}, the feed "
                            f"is {t.dtype.name}{list(t.shape)}{hint}", loc=user_loc())
    return t.numpy()
