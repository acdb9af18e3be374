"""``am.onnx.load``: run an ONNX model with ambi's ops, eagerly or as a graph.

The model is read and checked once (every op known, every dtype one ambi has, every
tensor within ``MAX_ELEMENTS``); each call then walks its nodes, calling the rules of
``ambi/ops/onnx_import.py``. Values known at load time (initializers, constants, shapes)
stay numpy arrays, and nodes over them are computed right away, so the shape arithmetic
of exported PyTorch models folds away.
"""
import math

import numpy as np

from .. import core, dtypes as dt
from ..constructors import constant
from ..errors import AmbiError, ArgumentError, LoadError
from ..function import function
from ..ops import onnx_import_nn  # noqa: F401  (registers the nn ops)
from ..ops.onnx_import import IMPORT
from . import require

# One limit on what a file may make ambi allocate: elements of any tensor it declares
# (initializers, constants, static shapes). The hardening budget can take this over.
MAX_ELEMENTS = 1 << 28
DTYPES = {1: dt.float32, 11: dt.float64, 6: dt.int32, 7: dt.int64, 9: dt.bool_}
NO_DTYPE = ("ambi has no {name} dtype: it has float32, float64, int32, int64 and bool "
            "(no float16, bfloat16, int8/int16 or unsigned types)")


def load(path):
    """An ONNX model as a callable: ``m = am.onnx.load("model.onnx"); m(x)``.

    ``m(*inputs)`` runs it as a traced, optimized graph (``-O2``) on the device in
    scope; ``m.function(optimize=k, device=name)`` gives that ``am.function`` for any
    ``-O`` and device, and ``m.run_eagerly(*inputs)`` runs op by op. Inputs are in the
    order of ``m.input_names``; one output comes back as a tensor, several as a tuple. A
    malformed or unsupported file raises ``ambi.errors.LoadError`` saying why.
    """
    onnx = require()
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise LoadError(f"cannot read {path}: {e.strerror or e}", loc=None) from None
    return OnnxModel(parse(onnx, data, path))


def parse(onnx, data, path="<bytes>"):
    try:
        model = onnx.load_model_from_string(data)
    except Exception as e:  # protobuf's DecodeError and friends: the file is not ONNX
        raise LoadError(f"{path} is not an ONNX model: {e}", loc=None) from None
    try:
        onnx.checker.check_model(model)
    except Exception as e:  # onnx's ValidationError: says what is wrong
        raise LoadError(f"{path} is not a valid ONNX model: {e}", loc=None) from None
    return model


class OnnxModel:
    """A loaded ONNX model (what ``am.onnx.load`` returns)."""

    def __init__(self, model):
        self.model = model
        self.onnx = require()
        self.opset = _opset(model)
        graph = model.graph
        self.initializers = {t.name: self.tensor(t, f"initializer {t.name!r}")
                             for t in graph.initializer}
        self.input_names = [i.name for i in graph.input if i.name not in self.initializers]
        self.input_types = [_value_type(i) for i in graph.input
                            if i.name not in self.initializers]
        self.output_names = [o.name for o in graph.output]
        _check_graph(self, graph)
        self._functions, self.static_inputs = {}, set()

    def __call__(self, *args):
        return self.function()(*args)

    def function(self, optimize=2, device=None):
        """The model as a callable running an ``am.function`` at ``-O optimize`` on
        ``device``. Inputs that the model uses as shapes or axes become static values
        of the trace (one trace per value), as ambi's shapes are static."""
        key = (optimize, device and str(device))
        if key not in self._functions:
            traced = function(self._run_static, optimize=optimize, device=device)
            self._functions[key] = lambda *args: self._call_traced(traced, args)
        return self._functions[key]

    def _call_traced(self, traced, args):
        while True:
            try:
                return traced(*[_Static(a) if n in self.static_inputs else a
                                for n, a in zip(self.input_names, args)])
            except _NeedsStatic as e:  # found while tracing: retrace with it static
                more = self._integer_inputs(args) if e.name is None else {e.name}
                if more <= self.static_inputs:
                    raise LoadError(e.message, loc=None) from None
                self.static_inputs |= more

    def _integer_inputs(self, args):
        """The inputs a shape may be computed from (when it is not one of them directly)."""
        return {n for n, a in zip(self.input_names, args) if _kind(a) in "iu"}

    def _run_static(self, *args):
        return self.run_eagerly(*[a.array if isinstance(a, _Static) else a for a in args])

    def run_eagerly(self, *args):
        """Run the model op by op (in a trace: record its ops)."""
        if len(args) != len(self.input_names):
            raise ArgumentError(f"the model takes {len(self.input_names)} input(s) "
                                f"({', '.join(self.input_names)}), got {len(args)}")
        args = [a if hasattr(a, "dtype") or t[0] is None else np.asarray(a, t[0].np)
                for a, t in zip(args, self.input_types)]  # Python literals: the model's dtype
        for name, a, t in zip(self.input_names, args, self.input_types):
            _check_input(name, a, *t)
        env = dict(self.initializers)
        env.update((n, a if isinstance(a, np.ndarray) and n in self.static_inputs
                    else _tensor(a)) for n, a in zip(self.input_names, args))
        outs = [_tensor(v) for v in self.run(self.model.graph, env)]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def run(self, graph, env):
        """Evaluate ``graph``'s nodes over ``env`` (name -> value); its output values."""
        for node in graph.node:
            _Context(self, node, env).evaluate()
        return [_lookup(env, o.name, "graph output") for o in graph.output]

    def tensor(self, proto, what):
        """A TensorProto as a numpy array, its dtype and size checked first."""
        if proto.data_type not in DTYPES:
            raise LoadError(f"{what}: " + NO_DTYPE.format(name=_dtype_name(
                self.onnx, proto.data_type)), loc=None)
        if proto.data_location == self.onnx.TensorProto.EXTERNAL:
            raise LoadError(f"{what}: external data files are not supported", loc=None)
        check_size(tuple(proto.dims), what)
        try:
            return self.onnx.numpy_helper.to_array(proto)
        except Exception as e:  # data that does not fit its dims
            raise LoadError(f"{what}: malformed tensor data: {e}", loc=None) from None

    def __repr__(self):
        return f"<ambi ONNX model ({', '.join(self.input_names)}) -> " \
               f"({', '.join(self.output_names)})>"


def check_size(shape, what):
    if any(d < 0 for d in shape) or math.prod(shape) > MAX_ELEMENTS:
        raise LoadError(f"{what}: shape {list(shape)} is negative or over ambi's limit of "
                        f"{MAX_ELEMENTS} elements (ambi.onnx.importer.MAX_ELEMENTS)", loc=None)


def _opset(model):
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return o.version
    return 1


def _value_type(info):
    t = info.type.tensor_type
    return DTYPES.get(t.elem_type), [d.dim_value if d.HasField("dim_value") else None
                                     for d in t.shape.dim]


def _dtype_name(onnx, code):
    try:
        return onnx.helper.tensor_dtype_to_np_dtype(code).name
    except Exception:  # noqa: BLE001  (unknown codes: say the number)
        return f"code {code}"


def _check_graph(model, graph, seen=None):
    """Every op has a rule, every declared value a dtype ambi has (subgraphs too)."""
    for info in list(graph.input) + list(graph.output):
        if info.type.WhichOneof("value") not in (None, "tensor_type"):
            raise LoadError(f"value {info.name!r} is a {info.type.WhichOneof('value')}: "
                            "ambi runs tensors only (no sequences, maps or optionals)",
                            loc=None)
        code = info.type.tensor_type.elem_type
        if code and code not in DTYPES:
            raise LoadError(f"value {info.name!r}: " + NO_DTYPE.format(
                name=_dtype_name(model.onnx, code)), loc=None)
    for node in graph.node:
        if node.domain not in ("", "ai.onnx") or node.op_type not in IMPORT:
            dom = f" (domain {node.domain!r})" if node.domain not in ("", "ai.onnx") else ""
            raise LoadError(f"node {node.name or node.op_type!r}: ONNX op "
                            f"{node.op_type!r}{dom} is not supported by ambi; see "
                            "docs/onnx.md for the ops that are", loc=None)
        for a in node.attribute:
            if a.type == a.GRAPH:
                _check_graph(model, a.g)


def _lookup(env, name, what):
    try:
        return env[name]
    except KeyError:
        raise LoadError(f"{what} {name!r} is used before any node defines it", loc=None) \
            from None


def _check_input(name, value, dtype, dims):
    """The value fits the model's declared input (dims it leaves open take any size)."""
    got_dtype = dt.of_numpy(np.dtype(getattr(value.dtype, "np", value.dtype))) \
        if hasattr(value, "dtype") else None
    shape = tuple(getattr(value, "shape", np.shape(value)))
    fits = len(shape) == len(dims) and all(d is None or d == s for d, s in zip(dims, shape))
    if (dtype is not None and got_dtype not in (None, dtype)) or (dims and not fits):
        want = f"{dtype.name if dtype else '?'}{['?' if d is None else d for d in dims]}"
        raise ArgumentError(f"input {name!r} of the model must be {want}, got "
                            f"{got_dtype.name if got_dtype else type(value).__name__}"
                            f"{list(shape)}")


def _kind(a):
    return np.asarray(a.numpy() if hasattr(a, "numpy") else a).dtype.kind


def _tensor(v):
    if isinstance(v, (core.Tensor, core._Readable)):
        return v
    return constant(np.asarray(v))


class _NeedsStatic(Exception):
    """A model input (``name``; None: one of the integer inputs, through arithmetic) is
    used as a shape or axes: the trace must see its value."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name, self.message = name, message


class _Static:
    """A model input passed to the trace as a value (hashable, compared by content)."""

    def __init__(self, array):
        self.array = np.asarray(array)
        self._key = (self.array.dtype.str, self.array.shape, self.array.tobytes())

    def __hash__(self):
        return hash(self._key)

    def __eq__(self, other):
        return isinstance(other, _Static) and self._key == other._key


def _is_static(v):
    return v is None or isinstance(v, (np.ndarray, np.generic))


class _Context:
    """What a rule sees of one node (see ``ambi/ops/onnx_import.py``)."""

    def __init__(self, model, node, env):
        self.model, self.node, self.env = model, node, env
        self.op_type, self.opset = node.op_type, model.opset
        self.n_outputs = len(node.output)
        self.inputs = [_lookup(env, n, f"input of node {self._name()}") if n else None
                       for n in node.input]
        self._attrs = {a.name: a for a in node.attribute}

    def _name(self):
        return repr(self.node.name or self.node.op_type)

    def evaluate(self):
        rule = IMPORT[self.op_type]
        static = all(_is_static(v) for v in self.inputs) and not self._has_graphs()
        try:
            if static:  # known now: compute it now, whether or not a trace is running
                with core.suspended(traces=True):
                    outs = [None if o is None else np.asarray(o.numpy() if hasattr(
                        o, "numpy") else o) for o in rule(self, *self.inputs)]
            else:
                outs = rule(self, *self.inputs)
        except LoadError:
            raise
        except AmbiError as e:
            raise LoadError(f"node {self._name()} ({self.op_type}): {e.message}",
                            loc=None) from None
        for name, value in zip(self.node.output, outs):
            if name:
                self.env[name] = value

    def _has_graphs(self):
        return any(a.type == a.GRAPH for a in self.node.attribute)

    def attr(self, name, default=None):
        a = self._attrs.get(name)
        if a is None:
            return default
        value = self.model.onnx.helper.get_attribute_value(a)
        if a.type == a.TENSOR:
            return self.model.tensor(value, f"attribute {name!r} of node {self._name()}")
        return value.decode() if isinstance(value, bytes) else value

    def has(self, i):
        return i < len(self.inputs) and self.inputs[i] is not None

    def static(self, i):
        v = self.inputs[i] if i < len(self.inputs) else None
        if isinstance(v, core.EagerTensor):  # a concrete value (eager mode)
            return v.numpy()
        message = (f"node {self._name()} ({self.op_type}): input {i} must be known when "
                   "the model loads or be computed from the model's integer inputs only: "
                   "ambi's shapes are static")
        if v is not None and not _is_static(v):
            name = self.node.input[i]
            raise _NeedsStatic(name if name in self.model.input_names else None, message)
        if v is None:
            raise LoadError(message, loc=None)
        return np.asarray(v)

    def dtype(self, code):
        if code not in DTYPES:
            self.fail(NO_DTYPE.format(name=_dtype_name(self.model.onnx, code)))
        return DTYPES[code]

    def check_size(self, shape):
        check_size(shape, f"node {self._name()}")

    def run(self, graph, values):
        env = dict(self.env)  # subgraphs see the enclosing scope
        env.update(zip([i.name for i in graph.input], values))
        return self.model.run(graph, env)

    def fail(self, message):
        raise LoadError(f"node {self._name()} ({self.op_type}): {message}", loc=None)

