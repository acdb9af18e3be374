"""Devices: ``am.devices()``, ``am.device(name)`` scopes, the numpy ``cpu`` device, and the
OpenCL devices found through pyopencl (``opencl:N``, ``opencl:cpu``, ``opencl:gpu``).

A device implements three things: ``eager_process`` (run one op now), ``run_graph``
(run a traced graph) and ``rewrites`` (the -O2 passes that pay off on it). ``Device``
itself is the numpy reference device: its ops run the records' numpy kernels, and its
graphs the fast executor (``ambi.interp.Compiled``); ``CLDevice`` overrides all three.
The scope stack is part of the mode, so it lives in ``core``; this module registers the
cpu device there as the reference device.
"""
import contextlib

import numpy as np

from .. import core
from ..core import EagerTensor
from ..errors import DeviceError
from ..interp import Compiled
from ..passes import CPU_REWRITES


class Device:
    """Where tensors live and ops run; ``str(device)`` is its name, e.g. ``"cpu"``."""

    rewrites = CPU_REWRITES  # the -O2 passes (names in am.passes.PASSES) that pay off here

    def __init__(self, name, kind):
        self.name, self.kind = name, kind

    def eager_process(self, op, operands, params):
        """Run one op now on this device, copying operands that live elsewhere to it."""
        here = [x.to(self) if getattr(x, "device", self) is not self else x for x in operands]
        with core.device_scope(self):
            return core.eager_process(op, here, params, CPU)  # CPU: numpy, here

    def executor(self, graph):
        """The graph compiled to straight-line numpy calls, once per graph."""
        run = graph.memo.get(self)
        if run is None:
            run = graph.memo[self] = Compiled(graph)
        return run

    def run_graph(self, graph, inputs):
        """Run a graph with numpy; tensors from other devices come here first."""
        outs = self.executor(graph)(*map(_host, inputs))
        return [EagerTensor(v, graph.out_type(o).dtype) for v, o in zip(outs, graph.outputs)]

    def place(self, value, dtype):
        """A tensor on this device holding a numpy value."""
        return EagerTensor(np.asarray(value, dtype.np), dtype)

    def describe(self):
        return f"{self.name}: numpy reference device"

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"<ambi.Device {self.name}>"


def _host(x):
    """A graph input as a host value: cpu tensors' own, other devices' copied here."""
    if type(x) is EagerTensor:
        return x._value
    return x.numpy() if isinstance(x, EagerTensor) else x


CPU = Device("cpu", "cpu")  # the numpy reference device; the interpreter defines its semantics
core.set_reference_device(CPU)


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


current_device = core.current_device


@contextlib.contextmanager
def device(name):
    """Place new tensors and ops on a device: ``with am.device("opencl:cpu"): ...``."""
    with core.device_scope(get_device(name)) as d:
        yield d


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
