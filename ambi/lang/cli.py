"""The language's commands of `ambi` (SPEC section 9): run, graph, check, exec, devices.

Exit status: 0 success; 1 a runtime error in the user's program (or a mismatch, for
`check`); 2 a usage or syntax error. Errors print ``FILE:LINE:COL: error: message``,
the source line and a caret; ``--traceback`` adds the Python traceback.
"""
import argparse
import io
import os
import sys
import traceback

import ambi as am
from ambi.devices import report as devices_report
from ambi.errors import _loc_override

from . import run_source
from .checking import check_table
from .graphs import exec_graph, show_graph
from .parser import AmbiSyntaxError
from .runtime import UsageError
from ambi.ir.deserialize import read_regular

OK, RUNTIME, USAGE = 0, 1, 2


def show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings (a function retraced too often...) at the script line running now."""
    loc = _loc_override[-1] if _loc_override else None
    sys.stdout.flush()
    _err(f"{loc or f'{filename}:{lineno}'}: warning: {message}")


def report(e, args):
    """Print an error the way a compiler does; the exit status says which kind it was."""
    if isinstance(e, KeyboardInterrupt):
        return 130
    if isinstance(e, BrokenPipeError):  # `ambi run x | head`: the reader left; say nothing
        _silence_stdout()
        return RUNTIME
    sys.stdout.flush()
    if getattr(args, "traceback", False):
        traceback.print_exception(e)
    if isinstance(e, (AmbiSyntaxError, UsageError)):
        _err(e.format() if isinstance(e, am.AmbiError) else f"error: {e}")
        return USAGE
    if isinstance(e, am.AmbiError):
        _err(e.format())
        return RUNTIME
    if isinstance(e, RecursionError):
        _err("error: recursion too deep")
        return RUNTIME
    _err(f"error: internal error: {type(e).__name__}: {e} (run with --traceback for details)")
    return RUNTIME


def _silence_stdout():
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _err(text):
    print(text, file=sys.stderr)


MAX_SCRIPT_BYTES = 1 << 24  # a script larger than 16 MiB is surely not one


def read_script(path):
    """A script's text; only a regular file is read (never /dev/zero or a FIFO)."""
    data = read_regular(path, MAX_SCRIPT_BYTES, UsageError)
    try:  # universal newlines, as open() in text mode reads them
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as e:
        raise UsageError(f"cannot read {path}: {e}") from None


def _writable(path, flag):
    """A usage error now, before any work, if ``path`` cannot be written."""
    if path is None:
        return
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path}: is a directory")
    if not os.path.isdir(parent):
        raise UsageError(f"{flag} {path}: the directory {parent} does not exist")


# -- subcommands ------------------------------------------------------------------------
def cmd_run(args):
    run_source(read_script(args.file), args.file, args.mode, args.device, args.O)


def cmd_graph(args):
    text = read_script(args.file)
    _writable(args.dot, "--dot")
    _writable(args.json, "--json")
    _writable(args.onnx, "--onnx")
    graph = show_graph(text, args.file, args.function, _passes(args.passes), args.O,
                       args.dump, args.dot, args.json)
    if args.onnx:
        am.onnx.export(graph, path=args.onnx)


def _passes(spec):
    if spec is None:
        return None
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in am.passes.PASSES]
    if unknown:
        raise UsageError(f"unknown pass {unknown[0]!r}; passes: "
                         + ", ".join(am.passes.PASSES))
    return names


def cmd_check(args):
    text = read_script(args.file)
    modes = _split(args.modes)
    devices = _split(args.devices) if args.devices else [str(d) for d in am.devices()]
    if not modes or not devices:
        raise UsageError(f"--{'modes' if not modes else 'devices'} names nothing to check")
    ok = check_table(text, args.file, modes, devices)
    return OK if ok else RUNTIME


def _split(values):
    return [v for item in values for v in item.split(",") if v]


def cmd_exec(args):
    inputs = {}
    for spec in args.input or []:
        name, sep, path = spec.partition("=")
        if not sep:
            raise UsageError(f"--input takes NAME=FILE.npy, not {spec!r}")
        inputs[name] = path
    if not os.path.exists(args.graph):  # a missing file is a usage error, as for `run`
        raise UsageError(f"cannot read {args.graph}: no such file")
    budget = am.Budget(**{k: v for k, v in (("tensor_elements", args.max_elements),
                                            ("total_elements", args.max_total_elements),
                                            ("file_bytes", args.max_file_bytes)) if v is not None})
    exec_graph(args.graph, inputs, args.device, budget)


def cmd_devices(args):
    lines, ok = devices_report(check=args.check)
    print("\n".join(lines))
    return OK if ok else RUNTIME


# -- the parser -------------------------------------------------------------------------
def add_parsers(sub, common):
    """The language's commands: run, graph, check, exec, devices."""
    _run_parser(sub, common)
    _graph_parser(sub, common)
    _check_parser(sub, common)
    _exec_parser(sub, common)
    d = sub.add_parser("devices", parents=[common],
                       help="list the devices with their drivers and probe verdicts")
    d.add_argument("--check", action="store_true",
                   help="run the OpenCL conformance probe again and list every check")
    d.set_defaults(func=cmd_devices)


def _opt_level(p):
    p.add_argument("-O", type=int, choices=(0, 1, 2), default=2,
                   help="optimization level of graphs (default 2)")


def _run_parser(sub, common):
    r = sub.add_parser("run", parents=[common], help="run a script")
    r.add_argument("file", help="the .ambi script")
    r.add_argument("--mode", choices=("eager", "graph"), default="eager",
                   help="eager: one statement at a time; graph: the whole script traced "
                        "as one graph")
    r.add_argument("--device", default=None, help="device name, e.g. cpu or opencl:0")
    _opt_level(r)
    r.set_defaults(func=cmd_run)


def _graph_parser(sub, common):
    g = sub.add_parser("graph", parents=[common], help="print a script's graph")
    g.add_argument("file", help="the .ambi script")
    g.add_argument("--function", metavar="NAME",
                   help="a @graph fn: its graph as traced by the script's first call "
                        "(default: the whole script as one graph)")
    g.add_argument("--passes", metavar="LIST",
                   help="comma-separated passes to run instead of the -O pipeline "
                        f"({', '.join(am.passes.PASSES)})")
    g.add_argument("--dump", action="store_true", help="print the graph after each pass")
    g.add_argument("--dot", metavar="OUT", help="write Graphviz dot to OUT")
    g.add_argument("--json", metavar="OUT", help="save the graph as JSON (for ambi exec)")
    g.add_argument("--onnx", metavar="OUT", help="write the graph as an ONNX model")
    _opt_level(g)
    g.set_defaults(func=cmd_graph)


def _check_parser(sub, common):
    c = sub.add_parser("check", parents=[common],
                       help="run every mode x device and compare the printed output")
    c.add_argument("file", help="the .ambi script")
    c.add_argument("--modes", nargs="+", default=["eager,graph0,graph2"],
                   help="modes: eager, graph0, graph1, graph2 (default eager graph0 graph2)")
    c.add_argument("--devices", nargs="+", help="devices (default: every device)")
    c.set_defaults(func=cmd_check)


def _exec_parser(sub, common):
    e = sub.add_parser("exec", parents=[common], help="run a graph saved as JSON, or an "
                       "ONNX model")
    e.add_argument("graph", help="GRAPH.json (from `ambi graph --json`) or MODEL.onnx")
    e.add_argument("--input", action="append", metavar="NAME=FILE.npy",
                   help="an input of the graph, by name (repeatable)")
    e.add_argument("--device", default=None, help="device name")
    for flag, what in (("--max-elements", "elements per tensor"),
                       ("--max-total-elements", "elements over all the graph's values"),
                       ("--max-file-bytes", "bytes of the graph file")):
        e.add_argument(flag, type=_count, metavar="N",
                       help=f"allocation budget: {what} (docs/errors.md lists the default)")
    e.set_defaults(func=cmd_exec)


def _count(text):
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, not {text!r}")
    return n

