"""`ambi graph` and `ambi exec`: show a script's graph, run a saved one."""
import contextlib
import os

import numpy as np

import ambi as am

from . import as_function, compile_source, global_scope, run_source
from .runtime import GraphFunction, UsageError, captured_stdout


def script_graph(text, filename, function=None):
    """The graph of the whole script, or of the @graph fn ``function`` as the script's
    first call traced it; traced at -O0 so passes can be shown one by one."""
    if function is None:
        program = compile_source(text, filename, optimize=0)
        script = as_function(program, global_scope())
        return am.function(script, optimize=0).get_concrete_function().graph
    with captured_stdout():
        scope = run_source(text, filename, "eager", optimize=0)
    return _function_graph(scope, function, filename)


def _function_graph(scope, name, filename):
    f = scope.vars.get(name)
    if not isinstance(f, GraphFunction):
        graph_fns = [n for n, v in scope.vars.items() if isinstance(v, GraphFunction)]
        what = "is not defined" if f is None else "is not a @graph fn"
        raise UsageError(f"`{name}` {what} at the top level of {filename}; @graph fns: "
                         + (", ".join(graph_fns) or "none"))
    cf = f.concrete()
    if cf is None:
        raise UsageError(f"@graph fn `{name}` is never called by {filename}, so it has "
                         "no graph yet")
    return cf.graph


def show_graph(text, filename, function, passes, level, dump, dot, json):
    """Print the graph after the -O pipeline (or the passes named); write dot/JSON."""
    graph = script_graph(text, filename, function)
    if dump:
        print(f"# {graph.name}: as traced")
        print(graph.pretty())
    if passes is None:
        am.passes.optimize(graph, level, dump=dump)
    else:
        am.passes.run(graph, passes, dump=dump)
    print(graph.pretty())
    if dot:
        with open(dot, "w", encoding="utf-8") as f:
            f.write(graph.to_dot())
    if json:
        graph.save(json)
    return graph


def exec_graph(path, inputs, device=None, budget=None):
    """Run a saved graph (or an ONNX model) with ``.npy`` inputs given by name; print each
    output. ``budget`` bounds a graph file (an ONNX model has its own element limit)."""
    f = am.onnx.load(path) if str(path).endswith(".onnx") else am.load(path, budget)
    unknown = sorted(set(inputs) - set(f.input_names))
    if unknown:
        raise UsageError(f"{path} has no input named {unknown[0]!r}; inputs: "
                         + (", ".join(f.input_names) or "none"))
    missing = [n for n in f.input_names if n not in inputs]
    if missing:
        raise UsageError(f"missing --input {missing[0]}=FILE.npy (inputs: "
                         + ", ".join(f.input_names) + ")")
    args = [_load_npy(inputs[n], t) for n, t in zip(f.input_names, f.input_types)]
    with am.device(device) if device else contextlib.nullcontext():
        out = f(*args)
    for value in out if isinstance(out, tuple) else (out,):
        print(np.asarray(value))


def _fits(shape, want):
    """A graph input's TensorType, or an ONNX model's (dtype, dims) where None is any size."""
    dims = want.shape if hasattr(want, "shape") else tuple(want[1])
    return len(shape) == len(dims) and all(w is None or w == s for s, w in zip(shape, dims))


def _load_npy(path, want):
    """An input array; its header is read first, so a file that cannot be the input is
    refused before its data is read (and /dev/zero and other non-files not at all)."""
    fmt = np.lib.format
    try:
        if not os.path.isfile(path):
            raise UsageError(f"cannot read {path}: not a regular file")
        with open(path, "rb") as f:
            major, _ = fmt.read_magic(f)
            read_header = fmt.read_array_header_1_0 if major == 1 else \
                fmt.read_array_header_2_0
            shape = read_header(f)[0]
            if not _fits(tuple(shape), want):
                raise UsageError(f"{path} holds an array of shape {tuple(shape)}; the input "
                                 f"is {want}")
            f.seek(0)
            return fmt.read_array(f, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise UsageError(f"cannot read {path}: {e or type(e).__name__}") from None

