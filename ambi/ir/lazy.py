"""networkx, imported on first use: ``import ambi`` stays quick (networkx took 90-140 ms
of it, and an eager-only program never builds a graph)."""
import importlib


class LazyModule:
    """A module imported the first time one of its attributes is read."""

    def __init__(self, name):
        self._name, self._module = name, None

    def __getattr__(self, attr):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


nx = LazyModule("networkx")
