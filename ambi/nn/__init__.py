"""``am.nn`` layers; ``am.losses`` and ``am.optimizers`` live here too."""
from . import losses, optimizers  # noqa: F401
from .layers import Dense, Sequential  # noqa: F401
