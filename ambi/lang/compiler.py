"""Compile a script into Python closures that make the same API calls a user would.

Each expression becomes ``ev(scope) -> value`` (``expressions``) and each statement
``run(scope)`` (``statements``). ``a + b`` calls ``am.add``, ``print`` calls
``am.print``, `@graph fn` wraps ``am.function``, and graph control flow calls
``am.cond`` / ``am.while_loop`` (``flow``): the script is ordinary ambi API use.

The compiler is the LALR parser's transformer, so no parse tree is built: each rule's
method runs as the parser reduces it (one pass; see docs/performance.md).
"""
from .expressions import Expressions
from .parser import LOCK, parse
from .statements import Statements


class Compiler(Statements, Expressions):
    """The lark Transformer from grammar rules to closures."""


_COMPILER = Compiler()


def compile_program(text, filename="<script>", optimize=2, device=None):
    """Source text -> ``run(scope)``; syntax and static mistakes raise AmbiSyntaxError.

    >>> run = compile_program("print(1 + 2)")
    """
    with LOCK:  # the compiler holds the script being compiled
        _COMPILER.begin(text, filename, optimize, device)
        return parse(text, filename, transformer=_COMPILER)
