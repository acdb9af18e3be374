"""Reverse-mode autodiff: the tape, the sweep, custom gradients and ``am.grad``.

The gradient rules themselves live in the op records (``vjp=``); this package owns
only the recording and the reverse sweep. See docs/autodiff.md.
"""
from .custom import custom_gradient  # noqa: F401
from .functional import grad, value_and_grad  # noqa: F401
from .tape import GradientTape, stop_recording  # noqa: F401
