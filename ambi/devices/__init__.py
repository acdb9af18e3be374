"""Devices: ``am.devices()``, ``am.device(name)`` scopes, and the numpy ``cpu`` device."""
import contextlib

from ..errors import DeviceError


class Device:
    """Where tensors live and ops run; ``str(device)`` is its name, e.g. ``"cpu"``."""

    def __init__(self, name, kind):
        self.name, self.kind = name, kind

    def eager_process(self, op, operands, params):
        """Run one op now on this device, copying operands that live elsewhere to it."""
        from ..core import eager_process
        here = [x.to(self) if getattr(x, "device", self) is not self else x for x in operands]
        with device(self):
            return eager_process(op, here, params)

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"<ambi.Device {self.name}>"


CPU = Device("cpu", "cpu")  # the numpy reference device; the interpreter defines its semantics
_scope = [CPU]


def devices():
    """Every device ambi can use: ``[str(d) for d in am.devices()]`` -> ``['cpu', ...]``."""
    return [CPU]


def get_device(name):
    """A Device by name (``"cpu"``), or a DeviceError listing the ones that exist."""
    if isinstance(name, Device):
        return name
    for d in devices():
        if d.name == name:
            return d
    raise DeviceError(f"no device named {name!r}; available: "
                      + ", ".join(str(d) for d in devices()))


def current_device():
    return _scope[-1]


@contextlib.contextmanager
def device(name):
    """Place new tensors and ops on a device: ``with am.device("cpu"): ...``."""
    _scope.append(get_device(name))
    try:
        yield _scope[-1]
    finally:
        _scope.pop()
