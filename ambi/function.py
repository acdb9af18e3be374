"""am.function: trace once per input signature, optimize, then run the graph.

A signature is the shapes and dtypes of tensor arguments (numpy arrays count as
tensors), the identity of Variables, and the values of everything else. Calls with a
known signature go straight to the compiled graph, without running Python.
"""
import contextlib
import functools
import gc
import threading
import types
import warnings

import numpy as np

from . import autograph, config, core, dtypes as dt, tree
from .convert import to_numpy
from .core import EagerTensor, Tensor, _Readable
from .devices import CPU, get_device
from .errors import ArgumentError, user_loc
from .ir.types import TensorType
from .threadstate import PUSHED
from .tracing import GraphTrace
from .passes import optimize as run_passes

RETRACE_WARN_AFTER = 5
TENSOR = object()  # marks an output slot the graph fills (None is a valid Python result)


class TensorSpec:
    """The shape and dtype a function input must have: ``am.TensorSpec([3], am.float32)``."""

    def __init__(self, shape, dtype="float32"):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dt.as_dtype(dtype)

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype})"

    def example(self):
        """A zero tensor of this spec, to trace with; a ``None`` dimension has no size."""
        if None in self.shape:
            raise ArgumentError(f"{self} has an unknown dimension; ambi traces graphs of "
                                "known shapes, so pass a tensor to get_concrete_function (a "
                                "function with this input_signature still accepts any size)",
                                loc=user_loc())
        return EagerTensor(np.zeros(self.shape, self.dtype.np), self.dtype)

    def matches(self, x):
        """Whether ``x`` has this dtype and shape (``None`` matches any size)."""
        shape = tuple(np.shape(x))
        same_shape = len(shape) == len(self.shape) and all(
            want is None or want == got for want, got in zip(self.shape, shape))
        return same_shape and getattr(x, "dtype", None) in (self.dtype, self.dtype.np)


def function(fn=None, *, optimize=2, device=None, input_signature=None, autograph=True):
    """Trace ``fn`` into a graph on first call per signature; later calls run the graph.
    With ``autograph`` (the default) Python ``if``/``while``/``for`` on tensors become
    graph control flow (docs/autograph.md).

    >>> @am.function
    ... def f(x):
    ...     return x ** 2
    >>> f(am.constant([1.0, 2.0]))
    ambi.Tensor([1. 4.], shape=(2,), dtype=float32)
    """
    if fn is None:
        return lambda f: Function(f, optimize, device, input_signature, autograph)
    return Function(fn, optimize, device, input_signature, autograph)


class Function:
    """A traced, cached Python function (what ``@am.function`` returns)."""

    def __init__(self, fn, optimize=2, device=None, input_signature=None, autograph=True):
        if optimize not in (0, 1, 2):
            raise ArgumentError(f"am.function: optimize must be 0, 1 or 2, not {optimize!r}")
        self.fn, self.optimize, self.device = fn, optimize, device
        self.input_signature = input_signature
        self.autograph = autograph
        self._cache, self._last_key, self._warned = {}, None, False
        self._lock = threading.RLock()  # concurrent calls with a new signature trace once
        self.trace_count = 0
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)  # a callable object
        functools.update_wrapper(self, fn)
        self._slot = f"_am_function_{id(self)}"  # where an instance keeps its Function

    def __get__(self, instance, owner=None):
        """``@am.function`` on a method: each instance gets its own traced function with
        ``self`` bound (as TensorFlow keys its traces by instance). It is kept in the
        instance's ``__dict__``, so it lives and dies with the instance."""
        if instance is None:
            return self
        cache = getattr(instance, "__dict__", None)  # None: __slots__, no cache
        bound = cache.get(self._slot) if cache is not None else None
        if bound is None:
            bound = Function(types.MethodType(self.fn, instance), self.optimize,
                             self.device, self.input_signature, self.autograph)
            if cache is not None:
                cache[self._slot] = bound
        return bound

    def __call__(self, *args, **kwargs):
        moded = PUSHED[0]  # a trace, a tape or a device scope, in some thread (as bind asks)
        if moded or config._eager_functions:
            # under a GradientTape the Python runs eagerly, so the tape sees the function's ops
            tracing_now = core.current_trace() is not None
            if config._eager_functions or tracing_now or core.recording():
                fn = self._traced_fn() if tracing_now else self.fn
                return fn(*args, **kwargs)  # eager, or inlined into an outer trace
        if self.input_signature is not None:
            self._check_signature(args, kwargs)
        fast = None if kwargs else _fast_key(args)
        if fast is not None and self.device is None and (
                not moded or core.current_device() is CPU):
            cf = self._cache.get(fast)
            if cf is not None:
                return cf._run_tensors(args)
        leaves, treedef = tree.flatten((args, kwargs))
        device = _device_of(self.device, leaves)
        key = (treedef, tuple(map(_leaf_key, leaves)), device and device.name)
        cf = self._cache.get(key)
        if cf is None:
            cf = self._trace(key, args, kwargs, device)
        if fast is not None and device is None:
            self._cache[fast] = cf
        return cf._run(leaves, device)

    @property
    def python_function(self):
        """The Python function this wraps (as TensorFlow's ``python_function``)."""
        return self.fn

    def _traced_fn(self):
        """What tracing runs: ``fn`` rewritten by autograph, or ``fn`` itself."""
        return autograph.convert(self.fn) if self.autograph else self.fn

    def _check_signature(self, args, kwargs):
        specs = self.input_signature
        ok = not kwargs and len(args) == len(specs) and all(
            s.matches(a) for a, s in zip(args, specs))
        if not ok:
            got = ", ".join(_describe(a) for a in args)
            raise ArgumentError(f"{self.__name__} was declared with input_signature {specs}; "
                                f"called with ({got})", loc=user_loc())

    def get_concrete_function(self, *args, **kwargs):
        """The traced graph for these arguments' signature (traced now if new)."""
        if not args and not kwargs and self.input_signature is not None:
            args = tuple(self.input_signature)
        leaves, treedef = tree.flatten((args, kwargs))
        leaves = [x.example() if isinstance(x, TensorSpec) else x for x in leaves]
        args, kwargs = tree.unflatten(treedef, leaves)
        device = _device_of(self.device, leaves)
        key = (treedef, tuple(map(_leaf_key, leaves)), device and device.name)
        return self._cache.get(key) or self._trace(key, args, kwargs, device)

    def _trace(self, key, args, kwargs, device=None):
        with self._lock:
            cf = self._cache.get(key)  # another thread may have traced it meanwhile
            if cf is not None:
                return cf
            self._check_retrace(key, args, kwargs)
            cf = ConcreteFunction.trace(self._traced_fn(), args, kwargs, self.optimize,
                                        self.__name__, device)
            self._cache[key] = cf
            self.trace_count += 1
            return cf

    def _check_retrace(self, key, args, kwargs):
        last, self._last_key = self._last_key, (key, args, kwargs)
        if self.trace_count < RETRACE_WARN_AFTER or self._warned or last is None:
            return
        self._warned = True
        warnings.warn(f"{self.__name__} has been traced {self.trace_count + 1} times; "
                      f"{_what_changed(self.fn, last[1:], (args, kwargs))}. Retracing is "
                      "slow: pass tensors rather than Python values, or keep shapes fixed.",
                      stacklevel=4)


def _fast_key(args):
    """The signature of positional eager tensors, cheaply; None for anything else."""
    for a in args:
        if type(a) is not EagerTensor:
            return None
    return tuple([(a._value.shape, a.dtype) for a in args])


def _leaf_key(x):
    t = type(x)
    if t is EagerTensor or isinstance(x, EagerTensor):  # the latter: on an OpenCL device
        return (x.shape, x.dtype)
    if isinstance(x, np.ndarray):
        return (x.shape, str(x.dtype))
    if isinstance(x, (Tensor, _Readable)):
        return ("ref", id(x))
    try:
        hash(x)
    except TypeError:
        raise ArgumentError(f"am.function arguments must be tensors, arrays or hashable "
                            f"Python values, not {t.__name__}") from None
    return (t, x)


def _what_changed(fn, old, new):
    """Name the argument whose signature changed: ``x: shape (3,) -> (4,)``."""
    import inspect
    try:
        bound_old = inspect.signature(fn).bind(*old[0], **old[1]).arguments
        bound_new = inspect.signature(fn).bind(*new[0], **new[1]).arguments
    except (TypeError, ValueError):
        return "its arguments keep changing"
    for name, v in bound_new.items():
        change = _change(name, bound_old.get(name), v)
        if change:
            return change
    return "its arguments keep changing"


def _change(path, old, new):
    """How one argument changed: ``x: shape (3,) -> (4,)``, ``xs[1]: dtype ...``, values."""
    kinds = (Tensor, np.ndarray)
    if isinstance(old, kinds) and isinstance(new, kinds):
        if tuple(old.shape) != tuple(new.shape):
            return f"{path}: shape {tuple(old.shape)} -> {tuple(new.shape)}"
        if str(old.dtype) != str(new.dtype):
            return f"{path}: dtype {old.dtype} -> {new.dtype}"
        return None
    if _same_container(old, new):
        keys = list(old) if isinstance(old, dict) else range(len(old))
        return next(filter(None, (_change(f"{path}[{k!r}]", old[k], new[k]) for k in keys)),
                    None)
    if _describe(old) != _describe(new):
        return f"{path}: {_describe(old)} -> {_describe(new)}"
    return None


def _same_container(old, new):
    if type(old) is not type(new) or not isinstance(old, (list, tuple, dict)):
        return False
    return set(old) == set(new) if isinstance(old, dict) else len(old) == len(new)


def _describe(x):
    if isinstance(x, (Tensor, np.ndarray)):
        return f"shape {tuple(x.shape)} {x.dtype}"
    return repr(x)


class ConcreteFunction:
    """One traced signature: ``.graph`` (an ``am.ir.Graph``), callable like the function."""

    def __init__(self, graph, in_leaves, out_treedef, out_types, static_out, report=None):
        self.graph = graph
        self._in = in_leaves      # per input leaf: "tensor", "array" or None (static)
        self._out_def, self._out_types, self._static = out_treedef, out_types, static_out
        self.report = report or []
        # the usual call: every argument a tensor, one tensor out
        self._plain = (all(k == "tensor" for k in in_leaves) and out_treedef is None
                       and static_out == [TENSOR])

    @functools.cached_property
    def _compiled(self):
        """The numpy executor of the plain cpu path, built on its first call (never for a
        graph that only runs on a device): the cpu device's, so a graph has one."""
        return CPU.executor(self.graph)

    def compile(self):
        """Generate and compile the cpu runner's Python source now. Otherwise a graph's
        first ``am.config.COMPILE_AFTER`` calls run as closures, quicker to build
        (``ambi.interp.Compiled``); later ones run the source."""
        self._compiled.compile()

    @classmethod
    def trace(cls, fn, args, kwargs, optimize, name, device=None):
        # Tracing allocates many long-lived objects (nodes, types, locations); the cyclic
        # collector would scan them again and again, making trace time per op grow with
        # the graph's size (1.4-1.7x from 1k to 20k ops). Paused, it stays flat.
        with gc_paused():
            return cls._trace(fn, args, kwargs, optimize, name, device)

    @classmethod
    def _trace(cls, fn, args, kwargs, optimize, name, device):
        trace = GraphTrace(name)
        leaves, treedef = tree.flatten((args, kwargs))
        kinds = []
        with core.tracing_into(trace):
            sym = []
            for x, arg_name in zip(leaves, _leaf_names(fn, args, kwargs, len(leaves))):
                kind = _input_kind(x)
                kinds.append(kind)
                sym.append(trace.new_arg(_type_of(x), arg_name) if kind else x)
            a, kw = tree.unflatten(treedef, sym)
            result = fn(*a, **kw)
            outs, out_def = tree.flatten(result)
            static = [TENSOR if isinstance(o, (Tensor, _Readable)) else o for o in outs]
            syms = [trace.to_symbolic(o) for o in outs if isinstance(o, (Tensor, _Readable))]
        trace.graph.outputs = [(s.node, s.out) for s in syms]
        report = run_passes(trace.graph, optimize, device=device)
        return cls(trace.graph, kinds, out_def, [s.type for s in syms], static, report)

    def __call__(self, *args, **kwargs):
        return self._run(tree.flatten((args, kwargs))[0])

    def _run_tensors(self, args):
        """A call whose arguments are all cpu EagerTensors (what ``_fast_key`` admits)."""
        if self._plain:
            return EagerTensor(self._compiled(*[x._value for x in args])[0],
                               self._out_types[0].dtype)
        return self._run(args)

    def _run(self, leaves, device=None):
        if device is not None:
            return self._run_on(device, leaves)
        vals = [x._value if type(x) is EagerTensor else x for x, k in zip(leaves, self._in) if k]
        if self._out_def is None and self._static == [TENSOR]:  # one tensor out: usual
            return EagerTensor(self._compiled(*vals)[0], self._out_types[0].dtype)
        outs = iter(self._compiled(*vals))
        types = iter(self._out_types)
        res = [EagerTensor(next(outs), next(types).dtype) if s is TENSOR else s
               for s in self._static]
        return tree.unflatten(self._out_def, res)

    def _run_on(self, device, leaves):
        """Run on ``device``, which keeps the outputs (inputs from elsewhere come to it)."""
        return self._with_runner(device.run_graph, leaves)

    def run_with(self, runner, *args, **kwargs):
        """Call with another executor: ``runner(graph, tensor_inputs) -> outputs``, as
        ``am.testing`` runs the reference interpreter:
        ``cf.run_with(lambda g, xs: am.interp.interpret(g, [np.asarray(x) for x in xs]), x)``.
        Static outputs are put back around the runner's."""
        return self._with_runner(runner, tree.flatten((args, kwargs))[0])

    def _with_runner(self, runner, leaves):
        outs = iter(runner(self.graph, [x for x, k in zip(leaves, self._in) if k]))
        return tree.unflatten(self._out_def, [next(outs) if s is TENSOR else s
                                              for s in self._static])

    def stats(self):
        """Per-pass statistics: nodes before and after, and time."""
        return list(self.report)


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector (reference counting still frees)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _device_of(device, leaves):
    """Where a call runs: the function's device, the device in scope, or the first
    input's (SPEC section 6); None for the plain cpu path."""
    if device is not None:
        return get_device(device)
    scoped = core.explicit_device()
    if scoped is not None and scoped is not CPU:
        return scoped
    for x in leaves:
        if isinstance(x, EagerTensor) and type(x) is not EagerTensor:
            return CPU if scoped is not None else x.device
    return None


def _leaf_names(fn, args, kwargs, n):
    """A name per leaf from fn's parameter names (``x``, ``xs_0``, ``xs_1``...)."""
    import inspect
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs).arguments
    except (TypeError, ValueError):
        return [None] * n
    names = []
    for pname, value in bound.items():
        k = len(tree.flatten(value)[0])
        names += [pname] if k == 1 else [f"{pname}_{i}" for i in range(k)]
    return names if len(names) == n else [None] * n


def _input_kind(x):
    if isinstance(x, EagerTensor):
        return "tensor"
    if isinstance(x, np.ndarray):
        return "array"
    return None


def _type_of(x):
    if isinstance(x, EagerTensor):
        return TensorType(x.shape, x.dtype)
    return TensorType(x.shape, to_numpy(x)[1])

