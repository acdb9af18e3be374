"""networkx, imported on first use: ``import ambi`` stays quick (networkx took 90-140 ms
of it, and an eager-only program never builds a graph)."""
import importlib


class LazyModule:
    """A module imported the first time one of its attributes is read."""

    def __init__(self, name):
        self._name, self._module = name, None

    def __getattr__(self, attr):
        """Only called for a name not yet read: each is kept as this object's attribute,
        so the next read is a plain lookup (a miss here costs a caught AttributeError)."""
        if self._module is None:
            self._module = importlib.import_module(self._name)
        value = getattr(self._module, attr)
        setattr(self, attr, value)
        return value


nx = LazyModule("networkx")
