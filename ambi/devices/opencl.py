"""OpenCL devices: platform discovery, buffers and their pool, and device-resident tensors.

Devices are found through pyopencl in ambi's own code (never ``create_some_context``):
every device of every platform, in platform order, is ``opencl:N``; ``opencl:cpu`` and
``opencl:gpu`` name the first of that type. With no platform, ``cpu`` keeps working and
asking for an OpenCL device raises a DeviceError that says what to install.
"""
import math
import os
import weakref

import numpy as np

from .. import config, dtypes as dt
from ..core import EagerTensor, _Readable, convert_operands, explicit_device, to_numpy
from ..errors import DeviceError, RunError
from ..ir.types import TensorType
from . import CPU, Device, cl_ops, icd, probe

INSTALL_HINT = ("install an OpenCL driver: `pip install pocl-binary-distribution` gives an "
                "OpenCL CPU device with no system packages (GPU vendors ship their own "
                "OpenCL drivers); `ambi devices` lists what ambi finds")
POOL_KEEP_BYTES = 1 << 30  # freed buffers kept for reuse, at most this much per device
SMALL, SMALL_KEEP = 16, 4096  # uploads of at most SMALL elements are cached, this many

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


class CLDevice(Device):
    """One OpenCL device; its context and queue are made on first use."""

    rewrites = ("fuse",)  # one kernel per elementwise chain: intermediates stay in registers

    def __init__(self, index, cl_device):
        import pyopencl as cl
        super().__init__(f"opencl:{index}", "opencl")
        self.index = index
        self.cl_device = cl_device
        self.type = "gpu" if cl_device.type & cl.device_type.GPU else (
            "cpu" if cl_device.type & cl.device_type.CPU else "other")
        # How its kernels are shaped (cl_params), chosen by the conformance probe
        self._params = self._verdict = None
        self.max_local = cl_device.max_work_group_size
        self.fp64 = "cl_khr_fp64" in cl_device.extensions
        self.compute_units = cl_device.max_compute_units
        self._ctx = self._queue = None
        self._pool, self._pooled_bytes = {}, 0
        self._plans = weakref.WeakKeyDictionary()  # graph -> its device plan (cl_graph)
        self._small = {}  # (dtype, shape, bytes) -> CLTensor: small uploads, shared
        self._meta = {}   # kernel int arguments -> their uploaded buffer
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

    @property
    def params(self):
        """The kernel parameters the probe chose (``cl_params.KernelParams``)."""
        if self._params is None:
            self.validate()
        return self._params

    @params.setter
    def params(self, value):  # the tests run other validated variants this way
        self._params = value

    @property
    def ctx(self):
        if self._ctx is None:
            if self._params is None:
                self.validate()  # never compute on a device that has not passed
            import pyopencl as cl
            self._ctx = cl.Context([self.cl_device])
            self._queue = cl.CommandQueue(self._ctx)
            if config.DEBUG >= 1:
                print(f"[ambi] opened {self.describe()}")
        return self._ctx

    @property
    def queue(self):
        if self._queue is None:
            self.ctx  # noqa: B018  (opens the context and its queue)
        return self._queue

    # -- buffers ------------------------------------------------------------------
    def alloc(self, nbytes):
        """A Storage of at least ``nbytes``, from the pool when one of that size is free."""
        size = _bucket(nbytes)
        free = self._pool.get(size)
        if free:
            self._pooled_bytes -= size
            return Storage(self, free.pop(0), size)  # the oldest: its writers are done
        import pyopencl as cl
        return Storage(self, cl.Buffer(self.ctx, cl.mem_flags.READ_WRITE, size), size)

    def _give_back(self, buf, size):
        if self._pooled_bytes + size > POOL_KEEP_BYTES:
            return  # dropping the last reference releases it
        self._pool.setdefault(size, []).append(buf)
        self._pooled_bytes += size

    def empty(self, shape, dtype):
        n = 1
        for d in shape:
            n *= d
        if n >= 2 ** 31:
            raise DeviceError(f"{self.name}: tensors of 2**31 or more elements are not "
                              f"supported (shape {tuple(shape)})")
        return CLTensor(self.alloc(n * dtype.np.itemsize), shape, dtype, self)

    def place(self, value, dtype):
        """Copy a numpy value to this device: a CLTensor.

        A host-to-device copy waits for the queue, so small values (the Python scalars of
        ``x * 2.0``) are uploaded once and shared: device tensors are never written after
        the kernel that makes them.
        """
        arr = np.asarray(value, dtype=dtype.np, order="C")  # (ascontiguousarray: 0-d -> 1-d)
        if arr.size > SMALL:
            return self._upload(arr, dtype)
        key = (dtype, arr.shape, arr.tobytes())
        t = self._small.get(key)
        if t is None:
            if len(self._small) >= SMALL_KEEP:
                self._small.clear()
            t = self._small[key] = self._upload(arr, dtype)
        return t

    def meta(self, ints):
        """A device buffer of int32s (a kernel's shapes and strides), uploaded once."""
        key = tuple(ints)
        t = self._meta.get(key)
        if t is None:
            if len(self._meta) >= SMALL_KEEP:
                self._meta.clear()
            t = self._meta[key] = self._upload(np.array(key, np.int32), dt.int32)
        return t.buf

    def _upload(self, arr, dtype):
        import pyopencl as cl
        t = self.empty(arr.shape, dtype)
        if arr.size:
            cl.enqueue_copy(self.queue, t.buf, arr, is_blocking=True)
        return t

    def download(self, t):
        import pyopencl as cl
        out = np.empty(t.shape, t.dtype.np)
        if out.size:
            cl.enqueue_copy(self.queue, out, t.buf, is_blocking=True)
        return out

    def finish(self):
        self.queue.finish()

    # -- running ops ----------------------------------------------------------------
    def to_here(self, x, dtype=None):
        """Any operand -> a CLTensor on this device (uploads, or copies between devices)."""
        if isinstance(x, CLTensor) and x.device is self:
            return x
        if isinstance(x, EagerTensor):
            return self.place(x.numpy(), x.dtype)
        if isinstance(x, _Readable):
            return self.to_here(x.read_value())
        value, d = to_numpy(x, dtype)
        return self.place(value, d)

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
                if len(self._types) >= SMALL_KEEP:
                    self._types.clear()
                self._types[sig] = types
        try:
            outs = cl_ops.run(self, op, args, params, types)
        except (ValueError, IndexError, TypeError) as e:  # as the cpu's eager path reports
            raise RunError(f"{op.name}: {e}") from e
        if op.nout == 1:
            return outs[0]
        return None if op.nout == 0 else tuple(outs)

    def run_graph(self, graph, inputs):
        """Run a graph on this device; inputs and outputs stay here (``cl_graph``)."""
        from .cl_graph import plan_for
        return plan_for(self, graph)(inputs)


def _bucket(nbytes):
    """Round sizes up so freed buffers fit later requests: powers of two to 1 MiB, then 1 MiB
    steps. Never zero (OpenCL has no empty buffers)."""
    nbytes = max(int(nbytes), 64)
    if nbytes <= 1 << 20:
        return 1 << (nbytes - 1).bit_length()
    return -(-nbytes // (1 << 20)) << 20


class Storage:
    """A device buffer shared by the tensors that view it; back to the pool when unused."""

    __slots__ = ("device", "buf", "size")

    def __init__(self, device, buf, size):
        self.device, self.buf, self.size = device, buf, size

    def __del__(self):
        try:
            self.device._give_back(self.buf, self.size)
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass


class CLTensor(EagerTensor):
    """An eager tensor whose value is a buffer on an OpenCL device.

    >>> with am.device("opencl:cpu"):
    ...     x = am.constant([1.0, 2.0]) * 2
    >>> x.numpy()
    array([2., 4.], dtype=float32)
    """

    __slots__ = ("_shape",)

    def __init__(self, storage, shape, dtype, device):
        self._value, self._shape, self.dtype, self.device = storage, tuple(shape), dtype, device

    shape = property(lambda self: self._shape)
    buf = property(lambda self: self._value.buf)

    @property
    def size(self):
        return math.prod(self._shape)

    def view(self, shape):
        """The same buffer with another shape (reshape costs nothing on the device)."""
        return CLTensor(self._value, shape, self.dtype, self.device)

    def numpy(self):
        """Wait for the value and copy it to the host."""
        return self.device.download(self)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __repr__(self):
        return f"ambi.Tensor({self.numpy()}, shape={self.shape}, dtype={self.dtype})"

    def __str__(self):
        return str(self.numpy())

    def _scalar(self, what):
        if self.size != 1:
            raise ValueError(f"{what}() of a tensor with shape {self.shape} is ambiguous; "
                             "index it or reduce it first (e.g. am.reduce_max)")
        return self.numpy().reshape(())[()]

    def to(self, device):
        """This tensor on another device (itself when already there)."""
        from . import get_device
        device = get_device(device)
        return self if device is self.device else device.place(self.numpy(), self.dtype)
