"""``am.nn`` layers and models; ``am.losses``, ``am.metrics`` and ``am.optimizers`` live
here too."""
from . import losses, metrics, optimizers  # noqa: F401
from .layers import (Activation, Conv2D, Dense, Dropout, Flatten,  # noqa: F401
                     GlobalAveragePooling2D, MaxPool2D)
from .module import Layer  # noqa: F401
from .sequential import Sequential  # noqa: F401
from .training import History, Model  # noqa: F401

MaxPooling2D = MaxPool2D  # Keras' other spelling
