"""The fast executor: a graph compiled once to straight-line Python.

Each node becomes one line ``v7 = k7(v3, v5)`` calling the same kernel the reference
interpreter calls, with parameters bound ahead of time; constants are globals and
values are deleted after their last use. Field notes measured generated code within
5% of hand-written numpy calls, where a dict-dispatch loop took 2.7x.
If a kernel raises, the failing line maps back to its node for the error message.
"""
import functools
import itertools

import numpy as np

from .. import config
from ..errors import AmbiError
from ..ir.ops_ir import ARG, CONST
from .interpreter import KERNEL_ERRORS, node_error

_counter = itertools.count()


class Compiled:
    """A graph compiled to a Python function: ``Compiled(g)(*arrays) -> list``."""

    def __init__(self, graph):
        self.graph = graph
        self._subs = {}
        self.source, env, self._line_nodes = _generate(graph, self._run_sub)
        filename = f"<ambi graph {graph.name} #{next(_counter)}>"
        exec(compile(self.source, filename, "exec"), env)
        self._fn = env["run"]
        if config.DEBUG >= 4:
            print(self.source)

    def __call__(self, *inputs):
        try:
            return self._fn(*inputs)
        except AmbiError:
            raise
        except KERNEL_ERRORS as e:
            raise self._locate(e) from e

    def _run_sub(self, graph, inputs):
        sub = self._subs.get(graph)
        if sub is None:
            sub = self._subs[graph] = Compiled(graph)
        return sub(*inputs)

    def _locate(self, exc):
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code is not self._fn.__code__:
            tb = tb.tb_next
        n = self._line_nodes.get(tb.tb_lineno) if tb else None
        return node_error(self.graph, n, exc) if n is not None else exc


def _generate(graph, run_sub):
    """Source of ``def run(<inputs>): ...`` and the globals it needs."""
    env = {"__name__": "ambi.interp.generated"}
    names = {}
    for i, n in enumerate(graph.inputs):
        names[(n, 0)] = f"a{i}"
    # graph.operands builds a networkx edge view per call: ask once per node, not twice
    # (18% of generating and compiling a 1000-node graph).
    operands = {n: graph.operands(n) for n in graph.order()}
    last_use = graph.last_uses(operands)
    lines, line_nodes = [f"def run({', '.join(names.values())}):"], {}
    for n in graph.order():
        node = graph[n]
        op = node["op"]
        if op is ARG:
            continue
        if op is CONST:
            env[f"c{n}"] = _read_only(node["params"]["value"])
            names[(n, 0)] = f"c{n}"
            continue
        env[f"k{n}"] = _bound_kernel(op, node["params"], run_sub)
        args = ", ".join(names[v] for v in operands[n])
        outs = [f"v{n}_{i}" for i in range(len(node["types"]))]
        names.update({(n, i): o for i, o in enumerate(outs)})
        target = (outs[0] + " = " if op.nout == 1 else
                  ", ".join(outs) + ", = " if outs else "")
        lines.append(f"    {target}k{n}({args})")
        line_nodes[len(lines)] = n
        dead = [names[v] for v in last_use.get(n, ()) if names[v].startswith("v")]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    lines.append(f"    return [{', '.join(names[v] for v in graph.outputs)}]")
    return "\n".join(lines) + "\n", env, line_nodes


def _bound_kernel(op, params, run_sub):
    extra = {"run": run_sub} if op.subgraphs else {}
    if not params and not extra:
        return op.kernel
    return functools.partial(op.kernel, **params, **extra)


def _read_only(value):
    """A constant's array as a read-only view: a caller who gets it back as an output
    and writes to it must not change what later calls compute."""
    view = np.asarray(value).view()
    view.setflags(write=False)
    return view
