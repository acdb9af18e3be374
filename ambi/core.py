"""bind() and the mode stack: the one place where eager vs graph is decided.

``bind(op, operands, params)`` hands the op to the current trace: ``EagerTrace`` runs
the numpy kernel now; a ``GraphTrace`` (``am.function`` is tracing) records a node.
Composite ops (``op.decompose``) expand into primitives first, in every mode.
"""
import contextlib
import math

import numpy as np

from . import dtypes as dt
from .convert import to_numpy
from .errors import AmbiError, DTypeError, RunError, TracingError, user_loc
from .ir import opdef, values
from .ir.opdef import plain_key
from .ir.types import TensorType
from .limits import allocation_error, cannot_allocate
from .memo import remember
from .threadstate import PUSHED, ThreadStack


class Tensor:
    """A tensor: eager (holds a value) or symbolic (a node in a graph being traced).

    >>> am.constant([1.0, 2.0]) * 2
    ambi.Tensor([2. 4.], shape=(2,), dtype=float32)
    """

    __slots__ = ()
    __array_priority__ = 100  # numpy defers to our operators: np_array + tensor -> Tensor

    @property
    def ndim(self):
        return len(self.shape)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a scalar tensor")
        return self.shape[0]


class EagerTensor(Tensor, values.Concrete):
    """A concrete value: a numpy array (or numpy scalar) on a device, and its DType."""

    __slots__ = ("_value", "dtype", "device", "__weakref__")

    def __init__(self, value, dtype, device=None):
        self._value, self.dtype, self.device = value, dtype, device or _reference

    @property
    def shape(self):
        return self._value.shape  # kernels return numpy arrays or numpy scalars

    def numpy(self):
        """The value as a numpy array: ``am.constant([1, 2]).numpy()`` -> array([1, 2]).

        Read-only values (a graph's constants, broadcast views) come back as copies.
        """
        a = np.asarray(self._value)
        return a if a.flags.writeable else a.copy()

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self._value)
        return a if dtype is None else a.astype(dtype)

    def __repr__(self):
        return f"ambi.Tensor({np.asarray(self._value)}, shape={self.shape}, dtype={self.dtype})"

    def __str__(self):
        return str(np.asarray(self._value))

    def __bool__(self):
        return bool(self._scalar("bool"))

    def __int__(self):
        return int(self._scalar("int"))

    def __float__(self):
        return float(self._scalar("float"))

    def __index__(self):
        if not self.dtype.is_int:
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self._scalar("index"))

    def _scalar(self, what):
        if np.size(self._value) != 1:
            raise ValueError(f"{what}() of a tensor with shape {self.shape} is ambiguous; "
                             "index it or reduce it first (e.g. am.reduce_max)")
        return np.asarray(self._value).reshape(())[()]

    def __hash__(self):
        return id(self)


class SymbolicTensor(Tensor, values.Symbolic):
    """A value inside a trace: output ``out`` of node ``node`` of ``trace.graph``."""

    __slots__ = ("trace", "node", "out", "type")

    def __init__(self, trace, node, out, type_):
        self.trace, self.node, self.out, self.type = trace, node, out, type_

    shape = property(lambda self: self.type.shape)
    dtype = property(lambda self: self.type.dtype)
    device = property(lambda self: self.trace.device)

    @property
    def name(self):
        node = self.trace.graph.nx.nodes.get(self.node)  # None: a pass removed it
        return f"{node['name'] if node else self.trace.graph.name}:{self.out}"

    def __repr__(self):
        return f'ambi.Tensor("{self.name}", shape={self.shape}, dtype={self.dtype})'

    def _concrete(self, what):
        raise TracingError(
            f"{what}() needs a concrete value, but {self.name} is symbolic inside a traced "
            "function; use am.cond(pred, true_fn, false_fn) or am.while_loop(cond_fn, body_fn, "
            "loop_vars) for control flow on tensor values", loc=user_loc())

    __bool__ = lambda self: self._concrete("bool")
    __int__ = lambda self: self._concrete("int")
    __float__ = lambda self: self._concrete("float")
    __index__ = lambda self: self._concrete("index")
    numpy = lambda self: self._concrete("numpy")
    __array__ = lambda self, *a, **k: self._concrete("numpy conversion")

    def __hash__(self):
        return id(self)


# -- the mode stack (one per thread, as in TensorFlow 2) ----------------------------
_traces = ThreadStack()  # innermost last; empty means eager
_tapes = ThreadStack()   # active recorders (autodiff's GradientTape): each sees every op bound


def bind(op, operands, params):
    """Run or record one op in the current mode. The only eager/graph switch."""
    if not PUSHED[0] and op.decompose is None:  # no trace, tape or scope in any thread
        try:
            return eager_process(op, operands, params, _reference)
        except AmbiError as e:
            raise e.with_loc(user_loc()) from None
    traces = _traces.items
    if op.decompose is not None:  # composites see tensors, as primitives' rules do
        trace = traces[-1] if traces else None
        operands = convert_operands(op, operands, trace.to_symbolic if trace else to_eager)
        return op.decompose(*operands, **params)
    try:
        if _tapes.items:
            return _bind_recorded(op, operands, params)
        if traces:
            return traces[-1].process(op, operands, params)
        return eager_process(op, operands, params)
    except AmbiError as e:
        raise e.with_loc(user_loc()) from None


def _bind_recorded(op, operands, params):
    """Convert operands to tensors first, so recorders see the very tensors used."""
    trace = _traces[-1] if _traces else None
    if trace is not None or any(type(x) is not EagerTensor for x in operands):
        operands = convert_operands(op, operands, trace.to_symbolic if trace else to_eager)
    out = trace.process(op, operands, params) if trace else eager_process(op, operands, params)
    for tape in list(_tapes):
        tape.record(op, operands, params, out)
    return out


def convert_operands(op, operands, convert):
    """Apply ``convert(x, dtype)``; Python values in the same-dtype group adopt its dtype."""
    dtype = group_dtype(op, operands)
    group = range(len(operands)) if op.same_dtype is None else op.same_dtype
    try:
        return [convert(x, dtype if i in group else None) for i, x in enumerate(operands)]
    except DTypeError as e:
        raise _naming(op, e) from None


def _naming(op, e):
    """A DTypeError from converting an operand of ``op``, its message led by the op's name
    as the op's own dtype rules write it (``add: operands have different dtypes...``)."""
    if not e.message.startswith(f"{op.name}: "):
        e.message = f"{op.name}: {e.message}"
        e.args = (e.message,)
    return e


# -- the mode, read and changed only through these functions ------------------------
def executing_eagerly():
    """True unless a function is being traced: ``am.executing_eagerly()``."""
    return not _traces.items


def current_trace():
    """The innermost ``GraphTrace`` of this thread, or None when eager."""
    traces = _traces.items
    return traces[-1] if traces else None


def recording():
    """True while a tape (``am.GradientTape`` or another recorder) sees every op bound."""
    return bool(_tapes.items)


def active_tapes():
    """The recorders that see every op bound, outermost first (a copy)."""
    return list(_tapes.items)


@contextlib.contextmanager
def tracing_into(trace):
    """Make ``trace`` the current mode for the duration of the block."""
    _traces.append(trace)
    try:
        yield trace
    finally:
        _traces.pop()


@contextlib.contextmanager
def taping(tape):
    """Show ``tape`` every op bound inside the block."""
    start_tape(tape)
    try:
        yield tape
    finally:
        stop_tape(tape)


def start_tape(tape):
    _tapes.append(tape)


def stop_tape(tape):
    if tape in _tapes.items:
        _tapes.remove(tape)


@contextlib.contextmanager
def without_tape(tape):
    """``tape`` sees nothing inside the block, and comes back at its place after it."""
    at = _tapes.items.index(tape) if tape in _tapes.items else None
    if at is not None:
        _tapes.pop(at)
    try:
        yield
    finally:
        if at is not None:
            _tapes.insert(at, tape)


@contextlib.contextmanager
def suspended(traces=False, tapes=False):
    """Run a block eagerly (``traces``: variable initial values, as ``tf.init_scope``)
    and/or unrecorded (``tapes``: ``am.autodiff.stop_recording``)."""
    stacks = [s for s, on in ((_traces, traces), (_tapes, tapes)) if on]
    saved = [s[:] for s in stacks]
    for s in stacks:
        s.clear()
    try:
        yield
    finally:
        for s, items in zip(stacks, saved):
            s[:] = items


# -- the device scope, part of the mode: which device runs eager ops ------------------
_scopes = ThreadStack()  # `with am.device(d)` scopes of this thread, innermost last
_reference = None  # the numpy reference device (ambi.devices.CPU), registered at its import


def set_reference_device(device):
    """Make ``device`` the one outside every scope, whose eager ops run numpy here."""
    global _reference
    _reference = device


def current_device():
    """The innermost ``am.device`` scope's device, else the reference device."""
    return _scopes.items[-1] if _scopes.items else _reference


def explicit_device():
    """The innermost scope's device, or None outside every ``am.device`` block."""
    return _scopes.items[-1] if _scopes.items else None


@contextlib.contextmanager
def device_scope(device):
    """Place new tensors and eager ops on ``device`` for the block."""
    _scopes.append(device)
    try:
        yield device
    finally:
        _scopes.pop()


def eager_process(op, operands, params, scope=None):
    """Eager: check dtypes, run the numpy kernel now, wrap the result."""
    if scope is None:
        scope = current_device()
    if scope is not _reference:
        return scope.eager_process(op, operands, params)
    vals, dts = [], []
    for i, x in enumerate(operands):
        if type(x) is not EagerTensor:
            if isinstance(x, EagerTensor):  # lives on another device: it runs the op there
                return x.device.eager_process(op, operands, params)
            in_group = op.same_dtype is None or i in op.same_dtype
            x = _literal(op, x, group_dtype(op, operands) if in_group else None)
        vals.append(x._value)
        dts.append(x.dtype)
    # Hot path: a param-less op reads its memoized dtype here, saving a call (~7% of an add).
    out_dtype = None if params else op.dtype_memo.get(tuple(dts))
    if out_dtype is None and op.nout == 1:
        out_dtype = _eager_dtype(op, dts, vals, params)
    try:
        out = op.kernel(*vals, **params)
    except (ValueError, IndexError, TypeError, MemoryError, OverflowError) as e:
        _explain_failure(op, vals, dts, params, e)
    if op.nout == 1:
        return EagerTensor(out, out_dtype)
    return None if op.nout == 0 else tuple(EagerTensor(v, dt.of_numpy(v.dtype)) for v in out)


_LITERALS = {}  # (type, value, dtype) -> EagerTensor: `x * 2` converts its 2 once


def _literal(op, x, dtype):
    """An operand as an EagerTensor; Python int and float literals are converted once per
    (value, dtype) (a third of an eager ``x ** 2`` went into converting the 2). Zero
    (whose sign ``==`` ignores) and non-finite floats are not memoized."""
    t = type(x)
    # any Python int, or a finite nonzero Python float (0.0 == -0.0 and nan != nan would
    # make keys collide or never hit)
    key = (t, x, dtype) if t is int or t is float and x != 0 and math.isfinite(x) else None
    hit = _LITERALS.get(key) if key else None
    if hit is not None:
        return hit
    try:
        hit = to_eager(x, dtype)
    except DTypeError as e:
        raise _naming(op, e) from None
    if key:
        remember(_LITERALS, key, hit, 512)
    return hit


def _eager_dtype(op, dts, vals, params):
    """The output dtype by the op's rule; memoized per input dtypes, and per params when
    they are plain values (``plain_key``: an ``axis`` or a ``perm``)."""
    if not params:
        d = op.dtype_memo[tuple(dts)] = op.dtype_rule(dts)  # eager_process read a miss
        return d
    if op.types_rule is not None:  # a rule of whole types (random draws, print)
        return op.infer([TensorType(np.shape(v), d) for v, d in zip(vals, dts)],
                        params)[0].dtype
    plain = plain_key(params)
    if plain is None:
        return op.dtype_rule(dts, **params)
    key = (tuple(dts), plain)
    d = op.dtype_memo.get(key)
    if d is None:  # many param values: the memo starts again, stays small
        d = remember(op.dtype_memo, key, op.dtype_rule(dts, **params), 4096)
    return d


def _explain_failure(op, vals, dts, params, exc):
    """A numpy kernel failed: the op's shape rule says why in ambi's words."""
    types = op.infer([TensorType(np.shape(v), d) for v, d in zip(vals, dts)], params)
    if cannot_allocate(exc, types):
        raise allocation_error(types[0].shape, types[0].dtype, op.name) from None
    raise RunError(f"{op.name}: {exc}") from exc


def group_dtype(op, operands):
    """The dtype that Python scalars among an op's same-dtype operands adopt."""
    if op.same_dtype is not None:
        operands = [operands[i] for i in op.same_dtype if i < len(operands)]
    for x in operands:  # the first tensor's (most ops: all operands are one group)
        if isinstance(x, (Tensor, _Readable)):
            return x.dtype
    return None


_Readable = values.State  # objects that read as a tensor (Variable)


def to_eager(x, dtype=None):
    """Tensor, Variable, numpy array or Python value -> EagerTensor (on the cpu device)."""
    if isinstance(x, EagerTensor):
        return x
    if isinstance(x, _Readable):
        return x.read_value()
    if isinstance(x, SymbolicTensor):
        raise TracingError(f"{x.name} is a symbolic tensor used outside the trace that made it")
    value, dtype = to_numpy(x, dtype)
    return EagerTensor(value, dtype)


opdef.bind_with(bind)  # calling an op record binds it (``OpDef.__call__``)
