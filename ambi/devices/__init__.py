"""Devices: ``am.devices()``, ``am.device(name)`` scopes, the numpy ``cpu`` device, and the
OpenCL devices found through pyopencl (``opencl:N``, ``opencl:cpu``, ``opencl:gpu``)."""
import contextlib

from ..errors import DeviceError
from ..threadstate import ThreadStack


class Device:
    """Where tensors live and ops run; ``str(device)`` is its name, e.g. ``"cpu"``."""

    rewrites = ()  # the -O2 passes (names in am.passes.PASSES) that pay off on this device

    def __init__(self, name, kind):
        self.name, self.kind = name, kind

    def eager_process(self, op, operands, params):
        """Run one op now on this device, copying operands that live elsewhere to it."""
        from ..core import eager_process
        here = [x.to(self) if getattr(x, "device", self) is not self else x for x in operands]
        with device(self):
            return eager_process(op, here, params)

    def place(self, value, dtype):
        """A tensor on this device holding a numpy value."""
        import numpy as np

        from ..core import EagerTensor
        return EagerTensor(np.asarray(value, dtype.np), dtype)

    def describe(self):
        return f"{self.name}: numpy reference device"

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"<ambi.Device {self.name}>"


CPU = Device("cpu", "cpu")  # the numpy reference device; the interpreter defines its semantics
_scope = ThreadStack(CPU)  # per thread: a `with am.device()` in one thread is its own


def devices():
    """Every device ambi can use: ``[str(d) for d in am.devices()]`` -> ``['cpu', 'opencl:0']``."""
    from . import opencl
    return [CPU, *opencl.found()]


def get_device(name):
    """A Device by name (``"cpu"``, ``"opencl:0"``, ``"opencl:cpu"``), or a DeviceError."""
    if isinstance(name, Device):
        return name
    if name == "cpu":
        return CPU
    if isinstance(name, str) and name.startswith("opencl:"):
        from . import opencl
        return opencl.lookup(name)
    raise DeviceError(f"no device named {name!r}; available: "
                      + ", ".join(str(d) for d in devices()))


def current_device():
    return _scope[-1]


@contextlib.contextmanager
def device(name):
    """Place new tensors and ops on a device: ``with am.device("opencl:cpu"): ...``."""
    _scope.append(get_device(name))
    try:
        yield _scope[-1]
    finally:
        _scope.pop()
