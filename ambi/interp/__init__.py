"""Running graphs: the reference interpreter (the semantics) and the fast executor."""
from .executor import Compiled  # noqa: F401
from .interpreter import interpret  # noqa: F401
