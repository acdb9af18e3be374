"""Graphs on an OpenCL device: a linear plan whose values stay on the device.

The plan is built once per (device, graph) by walking the graph (``Graph.walk``) over
slot numbers instead of values: constants are uploaded then, each node becomes a
``Step`` (its kernel family's operand and output slots), and each value's slot is
cleared right after its last use (the walk's ``free``). Clearing drops the last
reference to the buffer, which goes back to the device's pool and is handed to the next
allocation of its size: that is the liveness-based buffer reuse, with no copy ever made
to the host.
"""
from typing import NamedTuple

from ..errors import AmbiError, RunError
from ..ir.ops_ir import CONST
from . import cl_ops
from .cl_reduce import fused_reduce, merges_into_reduction, reduce_op


def plan_for(dev, graph):
    plan = graph.memo.get(dev)
    if plan is None:
        plan = graph.memo[dev] = Plan(dev, graph)
    return plan


class Step(NamedTuple):
    """One kernel launch (or a few) of a plan, reading and writing slots of its env."""
    node: int       # the graph node, for errors
    op: object      # its OpDef
    params: dict
    types: list     # the output TensorTypes
    ins: list       # operand slots
    outs: list      # output slots
    free: list      # slots cleared after it: values whose last use it is
    chain: object   # a fused chain's subgraph computed inside this reduction, or None


class Plan:
    """``Plan(dev, graph)(inputs) -> [CLTensor]``: run a graph with values on ``dev``."""

    def __init__(self, dev, graph):
        self.dev, self.graph = dev, graph
        self.n_inputs, self.consts, self.steps = len(graph.inputs), {}, []
        self.n_slots = self.n_inputs
        self.outputs = graph.walk(range(self.n_inputs), self._step, self._free)
        self.steps = _merge_reductions(dev, self.steps, set(self.outputs))

    def _step(self, n, ins):
        """The walk's step over slots: the node's output slots, its step recorded."""
        node = self.graph[n]
        outs = list(range(self.n_slots, self.n_slots + len(node["types"])))
        self.n_slots += len(outs)
        if node["op"] is CONST:
            self.consts[outs[0]] = self.dev.place(node["params"]["value"],
                                                  node["types"][0].dtype)
        else:
            self.steps.append(Step(n, node["op"], node["params"], list(node["types"]), ins,
                                   outs, [], None))
        return outs

    def _free(self, value, slot):
        """A slot past its last use is cleared after the step just recorded (the
        caller's inputs are its own to keep)."""
        if slot >= self.n_inputs:
            self.steps[-1].free.append(slot)

    def __call__(self, inputs):
        env = [None] * self.n_slots
        for i, x in enumerate(inputs):
            env[i] = self.dev.to_here(x)
        for s, t in self.consts.items():
            env[s] = t
        for step in self.steps:
            try:
                results = self._run(step, [env[i] for i in step.ins])
            except AmbiError:
                raise
            except (ValueError, IndexError, TypeError, ArithmeticError) as e:
                locs = self.graph[step.node]["locs"]
                raise RunError(f"{step.op.name} on {self.dev}: {e}",
                               loc=locs[0] if locs else None) from e
            for s, r in zip(step.outs, results):
                env[s] = r
            for s in step.free:
                env[s] = None
        return [env[s] for s in self.outputs]

    def _run(self, step, args):
        if step.chain is None:
            return cl_ops.run(self.dev, step.op, args, step.params, step.types)
        return fused_reduce(self.dev, step.chain, step.op, args, step.params, step.types)


def _merge_reductions(dev, steps, outputs):
    """A fused chain whose one result only a reduction reads runs inside that reduction:
    one kernel, and the chain's result is never written (issue 6: fusion feeding a
    reduction). The reduction step takes over the chain's inputs and frees."""
    readers = {}
    for i, step in enumerate(steps):
        for s in step.ins:
            readers.setdefault(s, []).append(i)
    merged, out = {}, []
    for i, step in enumerate(steps):
        reader = _only_reader(step, readers, outputs)
        if reader is not None and cl_ops.family(steps[reader].op) is reduce_op and \
                merges_into_reduction(dev, step.types[0].shape, steps[reader].params["axis"]):
            merged[reader] = step
            continue
        chain = merged.get(i)
        out.append(step if chain is None else step._replace(
            ins=chain.ins, free=chain.free + step.free, chain=cl_ops.fused_graph(chain.op,
                                                                                 chain.params)))
    return out


def _only_reader(step, readers, outputs):
    """The one step reading a fused chain's one result (not a graph output), or None."""
    if cl_ops.family(step.op) is not cl_ops.fused_op or len(step.outs) != 1 or \
            step.outs[0] in outputs:
        return None
    users = readers.get(step.outs[0], [])
    return users[0] if len(users) == 1 else None
