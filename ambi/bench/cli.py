"""``ambi bench [FILE.ambi] [--quick] [--json OUT] [--plot OUT.png] [--devices ...]``."""
import argparse
import json

from ..devices import get_device
from ..lang import run_source
from ..lang.runtime import GraphFunction, UsageError, captured_stdout
from . import plot, suite
from .workloads import FULL, QUICK, TINY, WORKLOADS, Case


def add_parser(sub, common):
    b = sub.add_parser("bench", parents=[common],
                       help="time eager against graph mode; when does tracing pay off?")
    b.add_argument("file", nargs="?", help="a .ambi script: bench its @graph fns instead "
                                           "of the standard workloads")
    b.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats "
                                                        "(well under 30 s)")
    b.add_argument("--json", metavar="OUT", help="write every figure, the machine, devices, "
                                                 "drivers and versions as JSON")
    b.add_argument("--plot", metavar="OUT.png", help="draw cumulative time against calls "
                                                     "and time against size (ambi[plot])")
    b.add_argument("--devices", nargs="+", metavar="NAME",
                   help="devices to measure (default: cpu), e.g. cpu opencl:0")
    b.add_argument("--workloads", nargs="+", choices=list(WORKLOADS),
                   help="only these standard workloads")
    b.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # the tests' budget
    b.set_defaults(func=cmd_bench)


def cmd_bench(args):
    if args.plot:
        try:
            plot.load_pyplot()
        except plot.PlotUnavailable as e:
            raise UsageError(str(e)) from None
    names = [n for item in args.devices or ["cpu"] for n in item.split(",") if n]
    names = [str(get_device(n)) for n in names]  # unknown or refused devices fail here
    budget_name = "tiny" if args.tiny else "quick" if args.quick else "full"
    budget = {"tiny": TINY, "quick": QUICK, "full": FULL}[budget_name]
    if args.file:
        cases = script_cases(args.file)
        with captured_stdout():  # the functions' own prints, once per timed call
            rows = suite.run(cases, names, budget)
    else:
        rows = suite.run(suite.standard_cases(budget, args.workloads), names, budget)
    print(suite.table(rows))
    if args.json:
        _write_json(args.json, suite.report(rows, names, budget_name))
    if args.plot:
        plot.plot(rows, args.plot)


def script_cases(path):
    """The script's @graph fns, each with the arguments of its first call."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {path}: {e}") from None
    with captured_stdout():
        scope = run_source(text, path, "eager")
    cases = []
    for name, value in scope.vars.items():
        if isinstance(value, GraphFunction) and value.calls:
            args, kwargs = value.calls[0]
            fn = value.fn if not kwargs else _with_kwargs(value.fn, kwargs)
            cases.append(Case(f"@graph {name}", fn, tuple(args)))
    if not cases:
        raise UsageError(f"{path} calls no @graph fn, so there is nothing to bench")
    return cases


def _with_kwargs(fn, kwargs):
    def call(*args):
        return fn(*args, **kwargs)
    call.__name__ = fn.__name__
    return call


def _write_json(path, report):
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e}") from None
