"""am.testing: run one function every way ambi can and check the answers agree.

>>> import ambi as am
>>> am.testing.assert_equivalent(lambda x: am.tanh(x) * 2, am.constant([0.5, 1.0]))

Modes: ``"eager"`` (the reference; it runs first unless ``modes`` starts otherwise),
``"interp"`` (the traced -O0 graph on the reference interpreter), and ``"graph0"``,
``"graph1"``, ``"graph2"`` (``am.function(fn, optimize=k)`` on the fast executor). Each
mode runs under ``with am.device(name):`` for every device asked for (``devices=None``:
``"cpu"``; ``devices="all"``: every device of ``am.devices()``). Outputs (any nesting
of lists, tuples and dicts), printed lines and the final values of Variables the function
changed must all agree within SPEC section 9's tolerances (see ``compare``).
Hypothesis strategies for tensors and random programs live in ``am.testing.strategies``.
"""
import contextlib
import io

import numpy as np

from .. import config, core, tree
from ..constructors import constant
from ..devices import device as _device_scope, devices as all_devices
from ..variables import LIVE
from .compare import Comparison, compare, tolerance  # noqa: F401
from ..ops.random import set_stream_position, stream_position
from .diff import diff_kinds
from ..function import function
from ..interp import interpret

MODES = ("eager", "interp", "graph0", "graph1", "graph2")
DEFAULT_MODES = ("eager", "graph0", "graph2")


class Run:
    """One (mode, device) run: ``outputs`` (fn's result, tensors as numpy arrays),
    ``stdout`` (what it printed), ``variables`` ({Variable: value} for those it changed)
    and ``error`` (the exception it raised, or None)."""

    def __init__(self, mode, device, outputs=None, stdout="", variables=None, error=None):
        self.mode, self.device, self.outputs, self.stdout = mode, device, outputs, stdout
        self.variables, self.error = variables or {}, error
        self.again = None      # the second call's Run (assert_equivalent calls twice)
        self.stream_end = None  # where the unseeded random stream was after the call

    @property
    def name(self):
        return f"{self.mode} on {self.device}"

    def __repr__(self):
        return f"<Run {self.name}: {'error ' + repr(self.error) if self.error else 'ok'}>"


def run_all(fn, *args, modes=DEFAULT_MODES, devices=None, variables=None, calls=1):
    """Run ``fn(*args)`` in every mode on every device -> {(mode, device): Run}.

    Live Variables (or those given) and the unseeded random stream are reset to their
    starting state before each run, and left as the first run left them. ``calls=2``
    calls ``fn`` twice per mode (``Run.again`` holds the second call).

    >>> runs = am.testing.run_all(lambda x: x + 1, am.constant([1]), modes=("eager", "interp"))
    >>> runs[("interp", "cpu")].outputs
    array([2], dtype=int32)
    """
    _check_modes(modes)
    vars_ = list(LIVE) if variables is None else list(variables)
    start = {v: v._value for v in vars_}
    stream = stream_position()
    runs = {}
    for name in _device_names(devices):
        for mode in modes:
            set_stream_position(stream)
            runs[(mode, str(name))] = run_mode(fn, args, mode, name, start, calls)
    first = next(iter(runs.values()))
    _set_values({**start, **first.variables})
    set_stream_position(first.stream_end)
    return runs


def default_devices():
    """The devices ``devices=None`` means: ``["cpu"]``, the reference device."""
    return ["cpu"]


def _device_names(devices):
    """None -> the default; ``"all"`` -> every device of ``am.devices()``; else as given."""
    if devices is None:
        return default_devices()
    if devices == "all":
        return [str(d) for d in all_devices()]
    return [str(d) for d in devices]


def run_mode(fn, args, mode, device="cpu", start=None, calls=1):
    """Run ``fn(*args)`` in one mode on one device, capturing prints -> Run. Each call
    starts from ``start`` (Variables) and the random stream's current position; with
    ``calls=2`` the second call's Run is ``.again`` (a graph mode reuses its trace)."""
    start = {v: v._value for v in LIVE} if start is None else start
    stream = stream_position()
    call = _prepare(fn, mode)
    done = []
    for _ in range(calls):
        _set_values(start)
        set_stream_position(stream)
        done.append(_call_once(call, args, mode, device, start))
    first = done[0]
    first.again = done[1] if calls > 1 else None
    return first


def _call_once(call, args, mode, device, start):
    out = io.StringIO()
    run = Run(mode, str(device))
    try:
        with contextlib.redirect_stdout(out), _device_scope(device):
            result = call(*_as_tensors(args))
        run.outputs = to_numpy(result)
    except Exception as e:  # an error is a result too: every mode must raise alike
        run.error = e
    run.stdout = out.getvalue()
    run.variables = {v: v._value for v, old in start.items() if v._value is not old}
    run.stream_end = stream_position()
    return run


def assert_equivalent(fn, *args, modes=DEFAULT_MODES, devices=None, rtol=None, atol=None,
                      k_terms=1, allow_errors=False, check_stdout=True):
    """Run ``fn(*args)`` every way; raise AssertionError with a readable diff on a mismatch.

    The first mode on the first device is the reference. Each mode calls ``fn`` twice,
    from the same Variables and random stream: a second call that differs from the first
    means ``fn`` reads Python state it changes (impure), which a graph reads once, when
    traced. ``rtol``/``atol`` override the SPEC tolerances, ``k_terms`` grows them by
    sqrt(K) for sums of K terms. If the reference raises, the error propagates unless
    ``allow_errors``, in which case every other run must raise the same type. Each problem
    says its kind (output values, printed output, error, ...). Returns the runs, as
    ``run_all`` does.

    >>> am.testing.assert_equivalent(lambda x: am.reduce_sum(x * x), np.ones(3, np.float32),
    ...                              modes=("eager", "interp", "graph0", "graph2"))
    """
    start = {v: v._value for v in LIVE}
    runs = run_all(fn, *args, modes=modes, devices=devices, variables=start, calls=2)
    ref = next(iter(runs.values()))
    if ref.error is not None and not allow_errors:
        raise ref.error
    rescue = _Float64Reference(fn, args, start)
    tol = {"k_terms": k_terms, "rtol": rtol, "atol": atol, "check_stdout": check_stdout}
    problems = []
    for run in runs.values():
        problems += _impure(run, tol)
    for run in list(runs.values())[1:]:
        problems += _differs(ref, run, tol, rescue)
    if problems:
        name = getattr(fn, "__name__", repr(fn))
        raise AssertionError(f"{name} is not equivalent across modes:\n" + "\n".join(problems))
    return runs


def _differs(ref, run, tol, rescue):
    return _report(diff_kinds(ref, run, rescue=rescue, **tol),
                   f"{run.name} differs from the reference ({ref.name}) in {{kinds}}:")


def _impure(run, tol):
    """A run whose second call differs from its first: Python state changes per call."""
    found = diff_kinds(run, run.again, **tol) if run.again is not None else []
    return _report(found, f"impure: {run.name} gives a different result ({{kinds}}) when "
                          "called a second time with the same arguments: it reads Python "
                          "state that it changes (a global, a counter, a list it appends "
                          "to), which a graph reads once, when traced:")


def _report(found, head):
    """``head`` (naming the ``{kinds}`` of difference found), then each problem indented."""
    if not found:
        return []
    kinds = ", ".join(dict.fromkeys(kind for kind, _ in found))
    return [head.replace("{kinds}", kinds)] + ["  " + ln for _, p in found for ln in p.splitlines()]


class _Float64Reference:
    """SPEC 9's escape: a float32 result no further from a float64 run of the same
    program than the eager float32 result is also accepted. Computed only when needed."""

    def __init__(self, fn, args, start):
        self.fn, self.args, self.start, self._run = fn, args, start, None

    def outputs(self):
        """The float64 run's outputs, or None when the function cannot run in float64."""
        if self._run is None:
            now = {v: v._value for v in self.start}
            _set_values(self.start)  # run from the same starting state as the modes did
            self._run = run_mode(self.fn, [_widen(a) for a in self.args], "eager",
                                 start=self.start)
            _set_values(now)
        return None if self._run.error else self._run.outputs


def _widen(x):
    if isinstance(x, (core.Tensor, np.ndarray)) and np.asarray(x).dtype == np.float32:
        return np.asarray(x).astype(np.float64)
    return x


def _prepare(fn, mode):
    """What one mode calls: ``fn`` itself (eager) or one ``am.function`` of it (graphs),
    made once per mode so that a second call runs the traced graph."""
    if mode == "eager":
        return fn
    if mode == "interp":
        f = function(fn, optimize=0)
        return _graph_call(lambda *a: _interpret(f, a))
    return _graph_call(function(fn, optimize=int(mode[len("graph"):])))


def _graph_call(f):
    def call(*args):
        saved, config._eager_functions = config._eager_functions, False
        try:
            return f(*args)
        finally:
            config._eager_functions = saved
    return call


def _interpret(f, args):
    """Trace at -O0 and run the graph on the reference interpreter, not the executor."""
    return f.get_concrete_function(*args).run_with(
        lambda graph, xs: interpret(graph, [np.asarray(x) for x in xs]), *args)


def _as_tensors(args):
    """numpy arrays among the arguments become ambi tensors, so every mode sees tensors."""
    leaves, treedef = tree.flatten(list(args))
    return tree.unflatten(treedef, [constant(x) if isinstance(x, np.ndarray) else x
                                    for x in leaves])


def to_numpy(result):
    """Tensors and Variables in a nested result -> numpy arrays; other leaves unchanged."""
    leaves, treedef = tree.flatten(result)
    return tree.unflatten(treedef, [_leaf_numpy(x) for x in leaves])


def _leaf_numpy(x):
    if isinstance(x, (core.Tensor, core._Readable, np.ndarray, np.generic)):
        return np.asarray(x)
    return x


def _set_values(values):
    for v, value in values.items():
        v._value = value


def _check_modes(modes):
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise ValueError(f"unknown mode {bad[0] if bad else None!r}; modes are "
                         + ", ".join(MODES))


def __getattr__(name):
    """``am.testing.strategies`` (and ``programs_lang``, random .ambi scripts) import
    hypothesis only when first used."""
    if name in ("strategies", "programs_lang"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
