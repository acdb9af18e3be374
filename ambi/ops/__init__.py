"""Every op family, imported so the registry is complete; re-exports the op functions."""
from ..ir.opdef import REGISTRY  # noqa: F401
from . import elementwise as _elementwise
from .clip import clip_by_norm, clip_by_value, identity  # noqa: F401
from .effects import print, print_op  # noqa: F401
from .elementwise import *  # noqa: F401,F403
from .indexing import gather, one_hot, slice, strided_slice  # noqa: F401
from .linalg import matmul  # noqa: F401
from .nn import conv2d, log_softmax, max_pool2d, softmax, stop_gradient  # noqa: F401
from .random import random_normal, random_uniform  # noqa: F401
from .reduce import (argmax, argmin, reduce_max, reduce_mean, reduce_min,  # noqa: F401
                     reduce_prod, reduce_sum)
from .shape import (broadcast_to, cast, concat, expand_dims, reshape, squeeze,  # noqa: F401
                    stack, transpose)
from .control import cond as cond_op, while_loop as while_op  # noqa: F401
from .fused import fused as fused_op  # noqa: F401
from . import rewrites as _rewrites  # noqa: F401,E402  (joins each op's rewrite rules to its record)
from .variables import var_read, var_write  # noqa: F401

__all__ = [*_elementwise.__all__, "print", "gather", "one_hot", "slice", "matmul", "conv2d",
           "log_softmax", "max_pool2d", "softmax", "stop_gradient", "argmax", "argmin",
           "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum",
           "broadcast_to", "cast", "concat", "expand_dims", "reshape", "squeeze", "stack",
           "transpose", "identity", "clip_by_value", "clip_by_norm"]
