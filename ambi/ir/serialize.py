"""Save and load graphs as versioned JSON: no pickle, no eval, every field validated.

A file is ``{"format": "ambi-graph", "version": 3, "variables": [...], "graph": {...}}``.
A graph is ``{"name", "nodes", "inputs", "outputs"}``; nodes are listed in creation
order and refer to each other by their index in that list::

    {"op": "add", "name": "add", "operands": [[0, 0], [3, 0]], "after": [],
     "types": [{"shape": [3], "dtype": "float32"}], "locs": [["f.py", 7, 9, "y = a + b"]],
     "params": {}}

A location is ``[file, line, col, source line]``: the line's text is saved with it, so
errors from a loaded graph quote the user's line, and loading never opens a file that a
graph names (version 2 files, whose locations have no text, quote nothing).

``operands`` are (node, output) pairs in operand order; ``after`` lists the effect-chain
predecessors (the ``"seq"`` edges). Param values are JSON scalars, lists for tuples (JSON
has no tuples; every list comes back as a tuple, since params are frozen) and one-key
objects for everything else: ``{"float": hex}`` (exact, nan/inf/-0.0 included),
``{"dtype": name}``, ``{"tensor_type": ...}``, ``{"array": ...}``, ``{"scalar": ...}``,
``{"variable": index}`` into the top-level variables table, and ``{"graph": ...}`` for
subgraphs. An array is ``{"dtype", "shape", "data"}`` with ``data`` flat (floats as
``float.hex`` strings) when it is small, or ``{"dtype", "shape", "bytes"}`` with its raw
little-endian bytes in base64 from ``BYTES_MIN`` elements on (version 2: a million
float32s take 5.3 MB, not 24 MB of hex strings). Version 1 files, all ``data``, still
load. A variable is ``{"name", "array"}``.

Loading rebuilds the graph, checks every param by its op's declared kind
(``ambi.ir.params``), re-infers every node's types, holds them to the allocation
``Budget`` (``ambi.limits``) and runs ``verify``; any problem is a ``LoadError`` that
says what is wrong and where in the file. Only regular files are read.
"""

import base64
import json

import numpy as np

from .. import dtypes as dt
from ..errors import ArgumentError
from .types import TensorType
from .values import State

FORMAT, VERSION = "ambi-graph", 3
READS = (1, 2, 3)  # the versions this ambi loads (3: locations carry their line's text)
BYTES_MIN = 64  # arrays of this many elements or more are stored as base64 bytes
MAX_DEPTH = 64              # nesting of subgraphs (and of tuples in params)


# -- saving ---------------------------------------------------------------------------
def save(graph, path):
    """Write ``graph`` to ``path`` as JSON. ``f.get_concrete_function(x).graph.save("f.json")``"""
    text = dumps(graph)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def dumps(graph):
    """The JSON text of a graph (what ``save`` writes)."""
    return json.dumps(to_json(graph), allow_nan=False)


def to_json(graph):
    """The file's content as plain JSON-ready Python objects."""
    enc = _Encoder()
    body = enc.graph(graph)
    return {"format": FORMAT, "version": VERSION, "variables": enc.variables, "graph": body}


class _Encoder:
    def __init__(self):
        self.variables, self._var_index = [], {}

    def graph(self, g):
        nodes = sorted(g.nx.nodes)  # creation order: keeps pretty() and order() stable
        index = {n: i for i, n in enumerate(nodes)}
        return {"name": g.name, "nodes": [self.node(g, n, index) for n in nodes],
                "inputs": [index[n] for n in g.inputs],
                "outputs": [[index[n], out] for n, out in g.outputs]}

    def node(self, g, n, index):
        node = g[n]
        after = sorted(index[u] for u in g.after(n))
        return {"op": node["op"].name, "name": node["name"],
                "operands": [[index[u], out] for u, out in g.operands(n)], "after": after,
                "types": [_type_json(t) for t in node["types"]],
                "locs": [[*loc.to_json(), loc.text or ""] for loc in node["locs"]
                         if loc is not None],
                "params": {k: self.param(v, node["name"], k, node["op"].kinds.get(k))
                           for k, v in node["params"].items()}}

    def param(self, v, node, key, kind):
        """Subgraphs and Variables are known by their param's declared kind."""
        if kind == "graph" and v is not None:
            return {"graph": self.graph(v)}
        return self.value(v, node, key)

    def value(self, v, node, key):
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, float):
            return {"float": v.hex()}
        if isinstance(v, (tuple, list)):
            return [self.value(x, node, key) for x in v]
        if isinstance(v, dt.DType):
            return {"dtype": v.name}
        if isinstance(v, TensorType):
            return {"tensor_type": _type_json(v)}
        if isinstance(v, np.ndarray):
            return {"array": _array_json(v)}
        if isinstance(v, np.generic):
            return {"scalar": _array_json(np.asarray(v))}
        if isinstance(v, State):
            return {"variable": self.variable(v)}
        raise ArgumentError(f"cannot save node {node!r}: its param {key!r} holds a "
                            f"{type(v).__name__}, which has no JSON form")

    def variable(self, var):
        if id(var) not in self._var_index:
            self._var_index[id(var)] = len(self.variables)
            self.variables.append({"name": var.name, "array": _array_json(var.numpy())})
        return self._var_index[id(var)]


def _type_json(t):
    return {"shape": list(t.shape), "dtype": t.dtype.name}


def _array_json(a):
    kind = dt.of_numpy(a.dtype)
    if kind is None:
        raise ArgumentError(f"cannot save an array of numpy dtype {a.dtype}")
    if a.size >= BYTES_MIN:
        raw = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()
        return {"dtype": kind.name, "shape": list(a.shape),
                "bytes": base64.b64encode(raw).decode("ascii")}
    flat = a.ravel().tolist()
    data = list(map(float.hex, flat)) if kind.is_float else flat
    return {"dtype": kind.name, "shape": list(a.shape), "data": data}


