"""OpenCL devices: platform discovery, buffers and their pool, and device-resident tensors.

Devices are found through pyopencl in ambi's own code (never ``create_some_context``):
every device of every platform, in platform order, is ``opencl:N``; ``opencl:cpu`` and
``opencl:gpu`` name the first of that type. With no platform, ``cpu`` keeps working and
asking for an OpenCL device raises a DeviceError that says what to install.
"""
import os

from .. import config
from ..core import convert_operands, explicit_device
from ..errors import DeviceError, RunError
from ..ir.types import TensorType
from ..memo import remember
from . import CPU, Device, cl_graph, cl_ops, icd, probe
from .cl_memory import SMALL_KEEP, CLMemory, CLTensor  # noqa: F401  (CLTensor: re-exported)

INSTALL_HINT = ("install an OpenCL driver: `pip install pocl-binary-distribution` gives an "
                "OpenCL CPU device with no system packages (GPU vendors ship their own "
                "OpenCL drivers); `ambi devices` lists what ambi finds")

_found = None    # the discovered CLDevices, once looked for
_missing = None  # why there are none, when there are none


def found():
    """The OpenCL devices of this machine (discovered once); [] when there is no platform."""
    global _found, _missing
    if _found is None:
        _found, _missing = _discover()
    return _found


def _discover():
    # before any OpenCL driver loads: ambi's own PoCL cache (a crash can leave broken
    # builds there, which the probe then removes) and the runtimes ambi installs itself
    os.environ["POCL_CACHE_DIR"] = str(probe.cache_dir() / "pocl")
    icd.register_runtimes()
    try:
        import pyopencl as cl
    except ImportError as e:
        return [], f"the Python package pyopencl is not installed ({e})"
    try:
        platforms = cl.get_platforms()
    except cl.Error as e:
        return [], f"no OpenCL platform is installed ({e})"
    devs = []
    for p in platforms:
        try:
            cl_devs = p.get_devices()
        except cl.Error:
            continue  # a platform with no usable device
        devs += [CLDevice(len(devs) + i, d) for i, d in enumerate(cl_devs)]
    return devs, None if devs else "the OpenCL platforms found have no devices"


def lookup(name):
    """``"opencl:N"``, ``"opencl:cpu"`` or ``"opencl:gpu"`` -> the validated CLDevice, or a
    DeviceError (``opencl:cpu`` is the first CPU device that passes the probe)."""
    devs = found()
    if not devs:
        raise DeviceError(f"device {name!r} needs OpenCL, but {_missing}; {INSTALL_HINT}")
    which = name.split(":", 1)[1]
    named = [d for d in devs if d.name == name]
    typed = [d for d in devs if d.type == which]
    if not named and not typed:
        raise DeviceError(f"no OpenCL device {name!r}; found: "
                          + ", ".join(f"{d.name} ({d.type})" for d in devs))
    for d in named or [d for d in typed if d.usable()] or typed[:1]:
        d.validate()  # a refused device raises its refusal here
        return d


def usable():
    """The OpenCL devices that passed ambi's conformance probe."""
    return [d for d in found() if d.usable()]


class CLDevice(CLMemory, Device):
    """One OpenCL device: its probe's verdict, eager ops and graphs; its context, queue
    and memory (``CLMemory``, made on first use) are what the layers below it use."""

    rewrites = ("fuse",)  # one kernel per elementwise chain: intermediates stay in registers

    def __init__(self, index, cl_device):
        import pyopencl as cl
        Device.__init__(self, f"opencl:{index}", "opencl")
        CLMemory.__init__(self, cl_device)
        self.index = index
        self.type = "gpu" if cl_device.type & cl.device_type.GPU else (
            "cpu" if cl_device.type & cl.device_type.CPU else "other")
        self._verdict = None
        self._types = {}  # (op, operand shapes and dtypes) -> output types, for eager ops

    def describe(self):
        d = self.cl_device
        return f"{self.name}: {d.name.strip()} ({self.type}, {d.platform.name.strip()})"

    # -- the conformance probe ------------------------------------------------------------
    def validate(self, force=False):
        """This device's probe verdict (cached per driver); a DeviceError if refused."""
        if self._verdict is None or force:
            self._verdict = probe.verdict(self, self.index, force)
            self._params = self._verdict.params
            if config.DEBUG >= 1:
                print(f"[ambi] {self.name} kernel parameters: "
                      f"{self._params or 'refused'} ({self._verdict.driver})")
        if not self._verdict.ok:
            raise DeviceError(self.refusal())
        return self._verdict

    def refusal(self):
        v = self._verdict
        return (f"{self.describe()} failed ambi's conformance probe ({v.driver}): {v.reason}; "
                f"{probe.ADVICE}. `ambi devices --check` runs the probe again")

    def usable(self):
        try:
            self.validate()
            return True
        except DeviceError:
            return False

    # -- running ops ----------------------------------------------------------------
    def eager_process(self, op, operands, params):
        """Run one op now with one kernel launch (or a few, for reductions and concat)."""
        if explicit_device() is CPU:
            return CPU.eager_process(op, operands, params)  # an explicit cpu scope
        args = convert_operands(op, operands, self.to_here)
        sig = None if params else (op, *[(a.shape, a.dtype) for a in args])
        types = self._types.get(sig) if sig else None
        if types is None:  # shape and dtype rules, once per param-less op and signature
            types = op.infer([TensorType(a.shape, a.dtype) for a in args], params)
            if sig:
                remember(self._types, sig, types, SMALL_KEEP)
        try:
            outs = cl_ops.run(self, op, args, params, types)
        except (ValueError, IndexError, TypeError) as e:  # as the cpu's eager path reports
            raise RunError(f"{op.name}: {e}") from e
        if op.nout == 1:
            return outs[0]
        return None if op.nout == 0 else tuple(outs)

    def run_graph(self, graph, inputs):
        """Run a graph on this device; inputs and outputs stay here (``cl_graph``)."""
        return cl_graph.plan_for(self, graph)(inputs)


