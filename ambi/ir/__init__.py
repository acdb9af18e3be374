"""The symbolic IR: types, the op registry, Graph, verify, printing and serialization."""
from .graph import Graph  # noqa: F401
from .opdef import REGISTRY, OpDef, defop  # noqa: F401
from .types import TensorType  # noqa: F401
from .verify import verify  # noqa: F401
from .deserialize import load_graph  # noqa: F401,E402
