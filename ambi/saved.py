"""am.load: run a saved graph without the Python source that made it."""
import numpy as np

from . import core
from .core import EagerTensor
from .errors import AmbiError, ArgumentError, user_loc
from .interp import Compiled
from .ir.deserialize import load_graph
from .variables import Variable


def load(path, budget=None):
    """Load a graph saved with ``graph.save(path)``; returns a callable.

    >>> f = am.function(lambda x: x * 2).get_concrete_function(am.constant([1.0]))
    >>> f.graph.save("double.json")
    >>> am.load("double.json")(am.constant([3.0]))
    ambi.Tensor([6.], shape=(1,), dtype=float32)

    A malformed file raises ``ambi.errors.LoadError``, and so does one whose values
    would exceed ``budget`` (an ``am.Budget``; docs/errors.md lists the default).
    Variables the graph reads or writes are created fresh with the saved values
    (``.variables``).
    """
    return SavedGraph(load_graph(path, budget, Variable))


class SavedGraph:
    """A loaded graph, run by the fast executor: one argument per graph input.

    Returns one tensor when the graph has one output, else a tuple of tensors.
    """

    def __init__(self, graph):
        self.graph = graph
        self.variables = list(graph.variables)
        self.input_types = [graph[n]["types"][0] for n in graph.inputs]
        self.input_names = [graph[n]["params"]["name"] or graph[n]["name"]
                            for n in graph.inputs]
        self.output_types = [graph.out_type(v) for v in graph.outputs]
        self._compiled = Compiled(graph)

    def __call__(self, *args):
        if len(args) != len(self.input_types):
            raise ArgumentError(f"{self.graph.name} takes {len(self.input_types)} "
                                f"argument(s) ({self._signature()}), got {len(args)}",
                                loc=user_loc())
        vals = [self._convert(x, i) for i, x in enumerate(args)]
        outs = [EagerTensor(v, t.dtype) for v, t in
                zip(self._compiled(*vals), self.output_types)]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _convert(self, x, i):
        want, name = self.input_types[i], self.input_names[i]
        try:
            value = core.to_eager(x, want.dtype if _is_literal(x) else None)
        except (AmbiError, ValueError, TypeError, OverflowError) as e:
            raise ArgumentError(f"argument {name!r} of {self.graph.name} must be "
                                f"{want}: {getattr(e, 'message', e)}", loc=user_loc()) from None
        if value.dtype is not want.dtype or value.shape != want.shape:
            raise ArgumentError(f"argument {name!r} of {self.graph.name} must be {want}, "
                                f"got {value.dtype.name}{list(value.shape)}", loc=user_loc())
        return value.numpy()

    def _signature(self):
        return ", ".join(f"{n}: {t}" for n, t in zip(self.input_names, self.input_types))

    def __repr__(self):
        outs = ", ".join(str(t) for t in self.output_types)
        return f"<ambi saved graph {self.graph.name!r} ({self._signature()}) -> ({outs})>"


def _is_literal(x):
    """Python numbers and lists adopt the input's dtype; arrays and tensors keep theirs."""
    return not isinstance(x, (core.Tensor, core._Readable, np.ndarray, np.generic))
