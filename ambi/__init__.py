"""ambi: one program, run eagerly or as an optimized graph, with the same answer.

>>> import ambi as am
>>> am.constant([1.0, 2.0]) + am.constant([3.0, 4.0])
ambi.Tensor([4. 6.], shape=(2,), dtype=float32)
"""
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
from . import nn  # noqa: F401
from .nn import losses, metrics, optimizers  # noqa: F401
from . import data, datasets, summary, train  # noqa: F401,E402
from .saved import load  # noqa: F401
from . import compat  # noqa: F401,E402
from . import testing  # noqa: F401,E402
from . import bench  # noqa: F401,E402

# numpy warns on IEEE events (x/0, log(0), overflow) that ambi defines as results.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ambi\.")
