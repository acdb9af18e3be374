"""The .ambi language: parse, compile and run scripts (SPEC section 8, docs/language.md).

>>> scope = run_source('print("hi", [1, 2] * 2)')
hi [2 4]
"""
import contextlib
import sys

import ambi as am

from .builtins import builtins
from .compiler import compile_program
from .parser import AmbiSyntaxError, parse
from .runtime import Scope

MODES = ("eager", "graph")
# A script call nests about ten Python frames; runtime.MAX_DEPTH bounds script recursion.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))


def compile_source(text, filename="<script>", optimize=2, device=None):
    """Parse and compile; returns ``run(scope)``. Syntax errors raise AmbiSyntaxError.

    >>> run = compile_source("print(6 * 7)")
    >>> run(global_scope())
    42
    """
    return compile_program(text, filename, optimize, device)


def run_source(text, filename="<script>", mode="eager", device=None, optimize=2):
    """Run a script eagerly, or traced as one graph (``mode="graph"``).

    Returns the script's global scope (its names and values).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    program = compile_source(text, filename, optimize, device)
    scope = global_scope()
    with am.device(device) if device else contextlib.nullcontext():
        if mode == "eager":
            program(scope)
        else:
            am.function(as_function(program, scope), optimize=optimize)()
    return scope


def global_scope():
    """A script's global scope, whose parent holds the builtins."""
    scope = Scope(Scope())
    scope.parent.vars.update(builtins())
    return scope


def as_function(program, scope):
    """The whole script as a Python function of no arguments, to trace as one graph."""
    def script():
        program(scope)
        return ()
    return script


__all__ = ["run_source", "compile_source", "parse", "AmbiSyntaxError", "MODES"]
