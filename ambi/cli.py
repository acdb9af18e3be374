"""The `ambi` command (SPEC section 9): the language's commands (``lang/cli.py``: run,
graph, check, exec, devices) and ``ambi bench`` (``bench/cli.py``) in one parser.

Exit status: 0 success; 1 a runtime error in the user's program (or a mismatch, for
`check`); 2 a usage or syntax error.
"""
import argparse
import warnings

from .bench.cli import add_parser as bench_parser
from .lang import cli as lang_cli
from .lang.cli import OK, USAGE


def main(argv=None):
    """Entry point of the `ambi` console script; returns the exit status.

    >>> main(["run", "examples/hello.ambi"])
    hello, ambi
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else USAGE
    try:
        with warnings.catch_warnings():
            warnings.showwarning = lang_cli.show_warning
            return args.func(args) or OK
    except BaseException as e:  # noqa: B036  (every failure becomes a located message)
        return lang_cli.report(e, args)


def build_parser():
    p = argparse.ArgumentParser(prog="ambi",
                                description="Run .ambi scripts eagerly or as graphs.")
    p.add_argument("--traceback", action="store_true",
                   help="show the Python traceback of an error")
    # the same flag after the command; SUPPRESS keeps it from resetting the one before
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                        help="show the Python traceback of an error")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lang_cli.add_parsers(sub, common)
    bench_parser(sub, common)
    return p
