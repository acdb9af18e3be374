"""Graphs on an OpenCL device: a linear plan whose values stay on the device.

The plan is built once per (device, graph): constants are uploaded then, each node
becomes a step (kernel family, operand slots, output slots), and each value's slot is
cleared right after its last use. Clearing drops the last reference to the buffer,
which goes back to the device's pool and is handed to the next allocation of its size:
that is the liveness-based buffer reuse, with no copy ever made to the host.
"""
from ..errors import AmbiError, RunError
from ..ir.ops_ir import ARG, CONST
from . import cl_ops
from .cl_reduce import fused_reduce, merges_into_reduction


def plan_for(dev, graph):
    plan = dev._plans.get(graph)
    if plan is None:
        plan = dev._plans[graph] = Plan(dev, graph)
    return plan


class Plan:
    """``Plan(dev, graph)(inputs) -> [CLTensor]``: run a graph with values on ``dev``."""

    def __init__(self, dev, graph):
        self.dev, self.graph = dev, graph
        slot = {}
        for i, n in enumerate(graph.inputs):
            slot[(n, 0)] = i
        self.n_inputs, self.consts, self.steps = len(graph.inputs), {}, []
        last = graph.last_uses()
        for n in graph.order():
            node = graph[n]
            op = node["op"]
            if op is ARG:
                continue
            outs = [len(slot) + i for i in range(len(node["types"]))]
            slot.update({(n, i): s for i, s in enumerate(outs)})
            if op is CONST:
                self.consts[outs[0]] = dev.place(node["params"]["value"], node["types"][0].dtype)
                continue
            ins = [slot[v] for v in graph.operands(n)]
            free = [slot[v] for v in last.get(n, ()) if slot[v] >= self.n_inputs]
            self.steps.append((n, op, node["params"], list(node["types"]), ins, outs, free,
                               None))
        self.n_slots = len(slot)
        self.outputs = [slot[v] for v in graph.outputs]
        self.steps = _merge_reductions(dev, graph, self.steps, set(self.outputs))

    def __call__(self, inputs):
        env = [None] * self.n_slots
        for i, x in enumerate(inputs):
            env[i] = self.dev.to_here(x)
        for s, t in self.consts.items():
            env[s] = t
        for n, op, params, types, ins, outs, free, chain in self.steps:
            try:
                args = [env[i] for i in ins]
                results = (cl_ops.run(self.dev, op, args, params, types) if chain is None else
                           fused_reduce(self.dev, chain, op, args, params, types))
            except AmbiError:
                raise
            except (ValueError, IndexError, TypeError, ArithmeticError) as e:
                node = self.graph[n]
                raise RunError(f"{op.name} on {self.dev}: {e}",
                               loc=node["locs"][0] if node["locs"] else None) from e
            for s, r in zip(outs, results):
                env[s] = r
            for s in free:
                env[s] = None
        return [env[s] for s in self.outputs]


def _family(op):
    return op.cl.get("kernel") if isinstance(op.cl, dict) else None


def _merge_reductions(dev, graph, steps, outputs):
    """A fused chain whose one result only a reduction reads runs inside that reduction:
    one kernel, and the chain's result is never written (issue 6: fusion feeding a
    reduction). The reduction step takes over the chain's inputs and frees."""
    readers = {}
    for i, step in enumerate(steps):
        for s in step[4]:
            readers.setdefault(s, []).append(i)
    merged, out = {}, []
    for i, (n, op, params, types, ins, outs, free, _) in enumerate(steps):
        if _family(op) == "fused" and len(outs) == 1 and outs[0] not in outputs:
            users = readers.get(outs[0], [])
            j = users[0] if len(users) == 1 else None
            if j is not None and _family(steps[j][1]) == "reduce" and merges_into_reduction(
                    dev, types[0].shape, steps[j][2]["axis"]):
                merged[j] = (ins, free, params[op.cl["graph"]])
                continue
        if i in merged:
            ins_c, free_c, chain = merged[i]
            out.append((n, op, params, types, ins_c, outs, free_c + free, chain))
        else:
            out.append((n, op, params, types, ins, outs, free, None))
    return out
