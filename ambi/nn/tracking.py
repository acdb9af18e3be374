"""Attribute tracking: Variables, trackable objects (layers, models, metrics) and lists
of them set as public attributes are remembered in assignment order, as Keras tracks
them. Checkpoints walk the same structure, naming each variable by its attribute path."""
from ..variables import Variable


class Trackable:
    """Remembers public attributes holding Variables, trackables or lists of them."""

    def __setattr__(self, name, value):
        tracked = self.__dict__.setdefault("_tracked", {})
        if not name.startswith("_") and is_trackable(value):
            tracked[name] = value
            object.__setattr__(self, name, value)
            self._on_track(name, value)
            return
        tracked.pop(name, None)
        object.__setattr__(self, name, value)

    def _on_track(self, name, value):
        """Called after a tracked attribute is set (layers restore deferred values)."""


def is_trackable(value):
    """Variables, layers, and lists or tuples holding at least one of them."""
    if isinstance(value, (Variable, Trackable)):
        return True
    return isinstance(value, (list, tuple)) and any(map(is_trackable, value))


def children(obj):
    """(path component, object) pairs of a tracked object, in order."""
    if isinstance(obj, (list, tuple)):
        return [(str(i), v) for i, v in enumerate(obj) if is_trackable(v)]
    return list(getattr(obj, "_tracked", {}).items())


def walk_variables(obj, prefix=""):
    """(attribute path, Variable) pairs, depth first, each variable once."""
    seen, out = set(), []

    def visit(o, path):
        if isinstance(o, Variable):
            if id(o) not in seen:
                seen.add(id(o))
                out.append((path, o))
            return
        for name, child in children(o):
            visit(child, f"{path}/{name}" if path else name)
    visit(obj, prefix)
    return out
