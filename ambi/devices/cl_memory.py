"""An OpenCL device's context, queue and memory: what graph plans and kernels use.

``CLMemory`` is the half of ``opencl.CLDevice`` that everything below the device calls:
the context and queue, the kernel parameters, buffers and their pool, uploads and
downloads, and device-resident tensors (``CLTensor``). So the OpenCL route reads in one
direction: ``opencl`` (the device: discovery, the probe's verdict, eager ops, graphs) ->
``cl_graph`` (plans) -> ``cl_ops``/``cl_reduce`` (kernel families) -> ``cl_cache``
(kernels built once) and ``cl_launch`` (launches) -> ``cl_memory``.
"""
import math

import numpy as np

from .. import config, dtypes as dt
from ..core import EagerTensor, _Readable, to_numpy
from ..errors import DeviceError
from ..memo import remember

POOL_KEEP_BYTES = 1 << 30  # freed buffers kept for reuse, at most this much per device
SMALL, SMALL_KEEP = 16, 4096  # uploads of at most SMALL elements are cached, this many


class CLMemory:
    """One OpenCL device's context, queue and memory; made on first use, after
    ``validate()`` (the device's conformance check, ``opencl.CLDevice``) has passed."""

    def __init__(self, cl_device):
        self.cl_device = cl_device
        # How its kernels are shaped (cl_params), chosen by the conformance probe
        self._params = None
        self.max_local = cl_device.max_work_group_size
        self.fp64 = "cl_khr_fp64" in cl_device.extensions
        self.compute_units = cl_device.max_compute_units
        self._ctx = self._queue = None
        self._pool, self._pooled_bytes = {}, 0
        self._small = {}  # (dtype, shape, bytes) -> CLTensor: small uploads, shared
        self._meta = {}   # kernel int arguments -> their uploaded buffer

    def validate(self):
        """Check the device before it computes; ``CLDevice`` runs the probe here."""

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
            t = remember(self._small, key, self._upload(arr, dtype), SMALL_KEEP)
        return t

    def meta(self, ints):
        """A device buffer of int32s (a kernel's shapes and strides), uploaded once."""
        key = tuple(ints)
        t = self._meta.get(key)
        if t is None:
            t = remember(self._meta, key, self._upload(np.array(key, np.int32), dt.int32),
                         SMALL_KEEP)
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
