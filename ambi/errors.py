"""One AmbiError hierarchy; every error can point at the user's source line.

A message prints as ``FILE:LINE:COL: error: message`` followed by the source line and a
caret, like a compiler. Each class names its anchor in ``docs/errors.md``.
"""
import functools
import linecache
import os
import sys

from .memo import remember
from .threadstate import ThreadStack

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


class SourceLoc:
    """Where the user wrote something: file, 1-based line and column, and that line."""

    __slots__ = ("file", "line", "col", "_text")

    def __init__(self, file, line, col=1, text=None):
        self.file, self.line, self.col = file, line, col
        self._text = text

    @property
    def text(self):
        """The source line, read when first asked for (tracing records a loc per op)."""
        if self._text is None:
            self._text = linecache.getline(self.file, self.line).rstrip("\n")
        return self._text

    def __str__(self):
        return f"{self.file}:{self.line}:{self.col}"

    def __repr__(self):
        return f"SourceLoc({self})"

    def __eq__(self, other):
        return isinstance(other, SourceLoc) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))

    def to_json(self):
        return [self.file, self.line, self.col]


@functools.lru_cache(maxsize=1024)
def _is_internal(filename):
    return filename.startswith(_PKG_DIR + os.sep)


_loc_override = ThreadStack()  # per thread: the language pushes script locations here


_PREFIXES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})


def user_loc(depth=2):
    """The first stack frame outside the ambi package: where the user called us.

    Frames of installed code (the interpreter's prefix: pytest, runpy, the console
    script) are not the user's either; if only those remain there is no location.
    """
    override = _loc_override.items
    if override and override[-1] is not None:
        return override[-1]
    f = sys._getframe(depth)
    while f is not None and _is_internal(f.f_code.co_filename):
        f = f.f_back
    if f is None:
        return None
    key = (f.f_code, f.f_lasti)  # one call site: a loop traces the same few again and again
    loc = _LOCS.get(key, _LOCS)
    if loc is _LOCS:
        loc = remember(_LOCS, key, _frame_loc(f), MAX_LOCS)
    return loc


_LOCS = {}  # (code object, bytecode offset) -> its SourceLoc (or None), shared: read-only
MAX_LOCS = 4096


def _frame_loc(f):
    if f.f_code.co_filename.startswith(_PREFIXES + ("<frozen ",)):
        return None  # installed code, or `python -m`'s frozen runpy
    return SourceLoc(f.f_code.co_filename, f.f_lineno, _frame_col(f))


def _frame_col(frame):
    try:
        col = _positions(frame.f_code)[frame.f_lasti // 2][2]
        return (col or 0) + 1
    except (IndexError, TypeError, ValueError):
        return 1


@functools.lru_cache(maxsize=256)
def _positions(code):
    """A code object's positions, listed once: tracing asks for one per op recorded."""
    return list(code.co_positions())


AUTO = object()  # default loc: the user's frame at the moment the error is made


class AmbiError(Exception):
    """Base of every error ambi raises on purpose. ``loc`` is the user's source line."""

    anchor = "ambierror"

    def __init__(self, message, loc=AUTO, notes=()):
        super().__init__(message)
        self.message, self.notes = message, list(notes)
        self.loc = user_loc() if loc is AUTO else loc

    def with_loc(self, loc):
        if self.loc is None:
            self.loc = loc
        return self

    def format(self):
        """The compiler-style report: location, message, source line and caret."""
        head = f"{self.loc}: error: {self.message}" if self.loc else f"error: {self.message}"
        lines = [head]
        if self.loc is not None and self.loc.text:
            text = self.loc.text
            lines += [text, " " * (max(self.loc.col, 1) - 1) + "^"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self):
        return self.format()


class DTypeError(AmbiError, TypeError):
    """Operands of different dtypes, or a dtype an op does not accept."""

    anchor = "dtypeerror"


class ShapeError(AmbiError, ValueError):
    """Operand shapes that an op cannot combine (broadcasting, matmul, reshape...)."""

    anchor = "shapeerror"


class IndexOutOfRangeError(ShapeError, IndexError):
    """An index past the end of an axis. An ``IndexError`` too, so Python's iteration
    protocol and ``except IndexError`` work as they do for lists and numpy arrays."""


class TracingError(AmbiError, TypeError):
    """Something that needs a concrete value was asked of a symbolic tensor."""

    anchor = "tracingerror"


class GraphError(AmbiError):
    """An IR graph that fails verification; the message shows the graph around it."""

    anchor = "grapherror"


class LoadError(AmbiError, ValueError):
    """A saved graph file that is malformed, of another version, or hostile."""

    anchor = "loaderror"


class DeviceError(AmbiError, RuntimeError):
    """An unknown device name, or a device that cannot be used here."""

    anchor = "deviceerror"


class ArgumentError(AmbiError, ValueError):
    """A bad argument to an ambi function: wrong arity, axis, parameter value."""

    anchor = "argumenterror"


class RunError(AmbiError, RuntimeError):
    """A failure while running a graph, reported at the node's source line."""

    anchor = "runerror"
