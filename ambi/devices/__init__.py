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
    """Every device ambi can use: ``[str(d) for d in am.devices()]`` -> ``['cpu', 'opencl:0']``.

    OpenCL devices are listed once they pass ambi's conformance probe (``ambi devices``
    shows the refused ones and why)."""
    from . import opencl
    return [CPU, *opencl.usable()]


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


def report(check=False):
    """``ambi devices``: each device found, its driver, the probe's verdict and the kernel
    parameters it chose; with ``check``, the probe runs again and lists every check.
    Returns (lines, every OpenCL device passed)."""
    from . import opencl, probe
    lines, ok = [CPU.describe()], True
    for d in opencl.found():
        try:
            v = d.validate(force=check)
        except DeviceError:
            v, ok = d._verdict, False
        lines += [d.describe(), f"    driver: {v.driver}",
                  f"    probe: {'passed' if v.ok else 'refused'} in {v.seconds:.1f} s"
                  f"{'' if d.name in probe.RAN else ' (cached; --check runs it again)'}",
                  f"    kernel parameters: {v.params}" if v.ok else f"    why: {d.refusal()}"]
        lines += [f"    timed  {label}: {t * 1e3:.2f} ms" for label, t in v.timings.items()]
        if check:
            lines += [f"    {'ok    ' if why is None else 'FAILED'} {label}"
                      f" ({probe.SECONDS.get(label, 0):.1f} s){'' if why is None else ': ' + why}"
                      for label, why in v.results.items()]
    if not opencl.found():
        lines.append(f"no OpenCL device: {opencl._missing}")
    return lines, ok
