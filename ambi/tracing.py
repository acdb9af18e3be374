"""GraphTrace: records ops as nodes of an ir.Graph instead of running them.

A trace may have a parent (a cond branch or loop body traced inside a function). A
symbolic tensor of an enclosing trace used inside is *captured*: it becomes an extra
``arg`` of the inner graph, and the control-flow node passes it in (closure conversion).
"""

import numpy as np

from . import core, tree
from .convert import to_numpy
from .core import EagerTensor, SymbolicTensor, _Readable, convert_operands
from .errors import AmbiError, TracingError, user_loc
from .ir.graph import Graph
from .ir.ops_ir import ARG, CONST
from .ir.types import TensorType


class GraphTrace:
    """Builds one Graph. ``process`` is what ``bind`` calls while this trace is active."""

    def __init__(self, name="graph", parent=None, device=None):
        self.graph, self.parent = Graph(name), parent
        self.device = device
        self.captures = []   # outer SymbolicTensors captured, in order
        self._captured = {}  # id(outer tensor) -> inner SymbolicTensor

    # -- recording ------------------------------------------------------------------
    def process(self, op, operands, params):
        syms = operands  # usually: tensors of this very trace, nothing to convert
        for x in operands:
            if type(x) is not SymbolicTensor or x.trace is not self:
                syms = convert_operands(op, operands, self.to_symbolic)
                break
        loc = user_loc()
        try:
            types = op.infer([s.type for s in syms], params)
        except AmbiError as e:
            raise e.with_loc(loc) from None
        return self.add(op, [(s.node, s.out) for s in syms], params, types, loc)

    def add(self, op, operands, params, types, loc=None, name=None):
        n = self.graph.add_node(op, operands, params, types, (loc,) if loc else (), name)
        if op.nout == 1:
            return SymbolicTensor(self, n, 0, types[0])
        return tuple(SymbolicTensor(self, n, i, t) for i, t in enumerate(types)) or None

    def new_arg(self, type_, name=None):
        """A graph input of the given TensorType."""
        params = {"index": len(self.graph.inputs), "name": name, "type": type_}
        node_name = name if name and name.isidentifier() else None
        return self.add(ARG, [], params, (type_,), name=node_name)

    # -- converting operands --------------------------------------------------------
    def to_symbolic(self, x, dtype=None):
        """Any operand -> a SymbolicTensor of this trace (constants, captures, reads)."""
        if isinstance(x, SymbolicTensor):
            return x if x.trace is self else self._capture(x)
        if isinstance(x, _Readable):
            return x.read_value()
        if isinstance(x, EagerTensor):
            return self.constant(x.numpy(), x.dtype)
        value, dtype = to_numpy(x, dtype)
        return self.constant(value, dtype)

    def constant(self, value, dtype):
        value = np.asarray(value)  # a const node always holds an array (numpy scalars too)
        return self.add(CONST, [], {"value": value}, (TensorType(value.shape, dtype),),
                        user_loc())

    def _capture(self, x):
        if not self._is_ancestor(x.trace):
            raise TracingError(f"{x.name} belongs to a trace that has finished; a symbolic "
                               "tensor cannot be kept and used after its function returns",
                               loc=user_loc())
        key = (id(x.trace), x.node, x.out)
        if key not in self._captured:
            self.captures.append(self.parent.to_symbolic(x))
            self._captured[key] = self.new_arg(x.type, name=f"capture:{x.name}")
        return self._captured[key]

    def _is_ancestor(self, trace):
        t = self.parent
        while t is not None and t is not trace:
            t = t.parent
        return t is not None


def trace_subgraph(fn, args, name):
    """Trace ``fn(*args)`` into a subgraph of the current trace.

    ``args`` are TensorTypes for the subgraph's explicit inputs. Returns ``(sub,
    inputs, result)``: the subgraph's ``GraphTrace`` (``sub.graph``; ``sub.captures``
    lists the outer values it used, each also an extra input of ``sub.graph``), the
    symbolic inputs ``fn`` was called with, and ``fn``'s raw Python result.
    """
    parent = core.current_trace()
    sub = GraphTrace(name, parent=parent, device=parent.device)
    with core.tracing_into(sub):
        inputs = [sub.new_arg(t) for t in args]
        result = fn(*inputs)
    return sub, inputs, result


def finish_branch(sub, result):
    """Flatten a branch's result, convert leaves to tensors of the subgraph, set outputs."""
    leaves, treedef = tree.flatten(() if result is None else result)
    with core.tracing_into(sub):
        leaves = [sub.to_symbolic(x) for x in leaves]
    sub.graph.outputs = [(x.node, x.out) for x in leaves]
    return leaves, treedef
