"""``am.onnx.export``: write a traced ambi graph as an ONNX model.

The per-op rules live with the ops (``ambi/ops/onnx_export.py``); this module is the
builder they write through (``_Builder``) and the model around it.
"""
import re

import numpy as np

from .. import dtypes as dt
from ..errors import ArgumentError
from ..function import ConcreteFunction, Function, function
from ..ir.graph import Graph
from ..ops.onnx_export import EXPORT, OPSET
from . import require

PRODUCER = "ambi"


def export(fn, *args, path=None, drop_effects=False, optimize=1, **kwargs):
    """Trace ``fn`` on ``args`` and write it as ONNX to ``path``; returns the ModelProto.

    >>> am.onnx.export(lambda x: am.tanh(x) * 2, am.constant([1.0, 2.0]), path="f.onnx")

    ``fn`` may be a Python function (traced with ``optimize``), an ``am.function``, a
    concrete function or an ``am.ir.Graph``. Variables the program reads become
    initializers holding their values now. ``am.print`` and variable writes have no
    ONNX form: they raise an ``ArgumentError`` unless ``drop_effects=True`` leaves them
    out (a variable read after a dropped write still raises: its value would be wrong).
    """
    graph = fn if isinstance(fn, Graph) else concrete(fn, args, kwargs, optimize).graph
    model = to_model(graph, drop_effects)
    if path is not None:
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
    return model


def concrete(fn, args, kwargs, optimize):
    if isinstance(fn, ConcreteFunction):
        return fn
    if not isinstance(fn, Function):
        if not callable(fn):
            raise ArgumentError(f"am.onnx.export: expected a function, got {type(fn).__name__}")
        fn = function(fn, optimize=optimize)
    return fn.get_concrete_function(*args, **kwargs)


def to_model(graph, drop_effects=False):
    """An ambi ``Graph`` -> onnx ModelProto (checked by ``onnx.checker``)."""
    onnx = require()
    top = _Model(onnx, drop_effects)
    main = _Builder(top)
    names = [top.fresh(_input_name(graph, n)) for n in graph.inputs]
    outs = main.inline(graph, names)
    outs = _distinct_outputs(main, outs, set(names) | top.init_names)
    types = [graph[n]["types"][0] for n in graph.inputs]
    g = onnx.helper.make_graph(
        main.nodes, _safe(graph.name), [top.value_info(n, t) for n, t in zip(names, types)],
        [top.value_info(n, graph.out_type(v)) for n, v in zip(outs, graph.outputs)],
        initializer=top.initializers)
    model = onnx.helper.make_model(g, producer_name=PRODUCER,
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)])
    model.ir_version = min(model.ir_version, 10)  # onnxruntime 1.17+ reads IR 10
    onnx.checker.check_model(model)
    return model


def _distinct_outputs(main, outs, taken):
    """ONNX outputs are distinct names made by nodes: an input, an initializer or a value
    returned twice goes out through an Identity."""
    seen, out = set(taken), []
    for o in outs:
        out.append(main.op("Identity", [o]) if o in seen else o)
        seen.add(o)
    return out


def _input_name(graph, n):
    return _safe(graph[n]["params"]["name"] or graph[n]["name"])


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", str(name)) or "value"


class _Model:
    """What the whole model shares: fresh names, initializers, dropped writes."""

    def __init__(self, onnx, drop_effects):
        self.onnx, self.drop_effects = onnx, drop_effects
        self.initializers, self.init_names = [], set()
        self._names, self._consts, self._vars = set(), {}, {}
        self.written = set()

    def fresh(self, base):
        base, k = _safe(base), 0
        name = base
        while name in self._names:
            k += 1
            name = f"{base}_{k}"
        self._names.add(name)
        return name

    def const(self, array, base="const"):
        array = np.asarray(array)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._consts:
            name = self.fresh(base)
            self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
            self.init_names.add(name)
            self._consts[key] = name
        return self._consts[key]

    def variable(self, var, node):
        if var in self.written:
            raise ArgumentError(f"am.onnx.export: variable {var.name!r} is read after a "
                                "write that was dropped; ONNX cannot hold its new value",
                                loc=_loc(node))
        if id(var) not in self._vars:
            name = self.fresh(var.name)
            self.initializers.append(self.onnx.numpy_helper.from_array(var.numpy(), name))
            self.init_names.add(name)
            self._vars[id(var)] = name
        return self._vars[id(var)]

    def value_info(self, name, t):
        return self.onnx.helper.make_tensor_value_info(name, elem_type(self.onnx, t.dtype),
                                                       list(t.shape))


def elem_type(onnx, dtype):
    return onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype.np))


class _Node:
    """What a rule sees of one ambi node."""

    def __init__(self, graph, n):
        node = graph[n]
        self.op, self.params, self.out_types = node["op"], node["params"], node["types"]
        self.in_types = [graph.out_type(v) for v in graph.operands(n)]
        self.locs = node["locs"]


def _loc(node):
    return node.locs[0] if node.locs else None


class _Builder:
    """The ``ctx`` of the rules: builds one ONNX graph (the main one or a subgraph)."""

    def __init__(self, model):
        self.model, self.nodes = model, []
        self._current = None  # the node whose rule is running (for error locations)

    def op(self, op_type, inputs, n_out=None, **attrs):
        outs = [self.model.fresh(op_type.lower()) for _ in range(n_out or 1)]
        attrs = {k: elem_type(self.model.onnx, v) if isinstance(v, dt.DType) else v
                 for k, v in attrs.items()}
        self.nodes.append(self.model.onnx.helper.make_node(
            op_type, list(inputs), outs, name=self.model.fresh("n_" + op_type), **attrs))
        return outs if n_out is not None else outs[0]

    def const(self, array):
        return self.model.const(array)

    def ints(self, values):
        return self.model.const(np.asarray(list(values), np.int64).reshape(-1))

    def variable(self, var):
        return self.model.variable(var, self._current)

    def effect(self, node, what, var=None):
        if not self.model.drop_effects:
            raise ArgumentError(f"am.onnx.export: {what} has no ONNX form; pass "
                                "drop_effects=True to leave it out", loc=_loc(node))
        if var is not None:
            self.model.written.add(var)

    def inline(self, graph, inputs):
        """Emit ``graph``'s nodes here, its inputs bound to ``inputs``; its output names."""
        return graph.walk(inputs, lambda n, names: self._emit(graph, n, names))

    def _emit(self, graph, n, names):
        """One node's ONNX nodes, by its op's export rule; the names of its outputs."""
        node = graph[n]
        rule = EXPORT.get(node["op"])
        view = _Node(graph, n)
        if rule is None:
            raise ArgumentError(f"am.onnx.export: op {node['op'].name!r} has no ONNX "
                                "mapping", loc=_loc(view))
        self._current = view
        return rule(self, view, *names)

    def subgraph(self, in_types, out_types, build):
        sub = _Builder(self.model)
        names = [self.model.fresh("in") for _ in in_types]
        outs = build(sub, names)
        info = self.model.value_info
        return self.model.onnx.helper.make_graph(
            sub.nodes, self.model.fresh("body"),
            [info(n, t) for n, t in zip(names, in_types)],
            [info(n, t) for n, t in zip(outs, out_types)])

