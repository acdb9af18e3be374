"""ambi: one program, run eagerly or as an optimized graph, with the same answer.

>>> import ambi as am
>>> am.constant([1.0, 2.0]) + am.constant([3.0, 4.0])
ambi.Tensor([4. 6.], shape=(2,), dtype=float32)
"""
import importlib as _importlib
import warnings as _warnings

from . import config, dtypes, errors, ir, passes, random  # noqa: F401
from .constructors import (constant, convert_to_tensor, eye, fill, ones, ones_like,  # noqa
                           range, zeros, zeros_like)
from .control import cond, while_loop  # noqa: F401
from .core import Tensor, executing_eagerly  # noqa: F401
from .devices import Device, device, devices  # noqa: F401
from .dtypes import bool_ as bool, float32, float64, int32, int64  # noqa: F401
from .errors import AmbiError  # noqa: F401
from .function import TensorSpec, function  # noqa: F401
from .ops import *  # noqa: F401,F403
from .ops import print  # noqa: F401
from .tensor import OPERATORS as _OPERATORS  # noqa: F401  (installs Tensor operators)
from .variables import Variable  # noqa: F401
from .autodiff import GradientTape, custom_gradient, grad, value_and_grad  # noqa: F401
from . import data, datasets, summary  # noqa: F401,E402
from .saved import load  # noqa: F401
from .limits import Budget  # noqa: F401
from . import compat  # noqa: F401,E402

# Imported when first used, so `import ambi` stays quick (the Keras layer alone took a
# sixth of it): am.nn, am.losses, am.metrics, am.optimizers, am.train, am.testing,
# am.bench, am.onnx.
_LAZY = {"nn": "ambi.nn", "losses": "ambi.nn.losses", "metrics": "ambi.nn.metrics",
         "optimizers": "ambi.nn.optimizers", "train": "ambi.train",
         "testing": "ambi.testing", "bench": "ambi.bench", "onnx": "ambi.onnx"}


def __getattr__(name):
    if name in _LAZY:
        module = _importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ambi' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

# numpy warns on IEEE events (x/0, log(0), overflow) that ambi defines as results.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ambi\.")
