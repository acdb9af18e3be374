"""What compiled scripts run on: scopes, script functions, `return`, located calls."""
import contextlib
import difflib
import inspect
import threading
import io

import ambi as am

from ..errors import AmbiError, ArgumentError, RunError, TracingError, _loc_override

MAX_DEPTH = 200          # nested script calls before "recursion too deep"
MAX_TRACED_DEPTH = 100   # nested calls of one function while tracing: recursion on a tensor
# Fuzz tests cap loops so a mutated script cannot hang: an eager loop past the cap is an
# error, a graph loop stops there.
LIMITS = {"iterations": None}


class _PerThread(threading.local):
    depth = 0  # nested script calls running in this thread


_THREAD = _PerThread()


class ScriptError(AmbiError):
    """A mistake in a script found while it runs: unknown name, bad call, bad condition."""

    anchor = "scripterror"


class UsageError(Exception):
    """A bad command line, an unreadable file or an unknown function name (exit 2)."""


@contextlib.contextmanager
def captured_stdout():
    """Collect what a run prints (`ambi check`, `ambi graph --function`)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield buf


class Return(BaseException):
    """`return` unwinding to its function (a BaseException: no `except Exception` stops it)."""

    def __init__(self, value, loc):
        self.value, self.loc = value, loc


class Scope:
    """Names bound by let/var/fn/parameters; ``fn`` marks a function's own scope."""

    __slots__ = ("vars", "parent", "fn")

    def __init__(self, parent=None, fn=None):
        self.vars, self.parent, self.fn = {}, parent, fn

    def lookup(self, name, loc):
        s = self
        while s is not None:
            if name in s.vars:
                return s.vars[name]
            s = s.parent
        raise ScriptError(f"unknown name `{name}`" + self._suggest(name), loc=loc)

    def _suggest(self, name):
        names, s = set(), self
        while s is not None:
            names.update(s.vars)
            s = s.parent
        close = difflib.get_close_matches(name, sorted(names), n=1)
        return f"; did you mean `{close[0]}`?" if close else ""

    def owner(self, name, loc):
        """The scope that binds ``name``, refusing to reach out of a function or to builtins."""
        s, crossed = self, None
        while s is not None:
            if name in s.vars:
                if s.parent is None:
                    raise ScriptError(f"cannot assign to the builtin `{name}`; use "
                                      f"`let {name} = ...` to bind a new name", loc=loc)
                if crossed is not None and not isinstance(s.vars[name], am.Variable):
                    raise ScriptError(f"cannot rebind `{name}` inside fn `{crossed}`: it belongs "
                                      "to an enclosing scope; use `var` for state that "
                                      "functions update", loc=loc)
                return s
            crossed = crossed or s.fn
            s = s.parent
        raise ScriptError(f"unknown name `{name}`; use `let {name} = ...` to bind a new name",
                          loc=loc)

    def assign(self, name, value, loc):
        """``name = value``: a Variable is assigned, any other binding is replaced."""
        s = self.owner(name, loc)
        old = s.vars[name]
        if isinstance(old, am.Variable):
            call_at(loc, old.assign, value)
        else:
            s.vars[name] = value


def call_at(loc, fn, *args, **kwargs):
    """Call an API function with ``loc`` as the user's location: traced nodes record it,
    errors point at it, and a non-ambi exception becomes a located error."""
    _loc_override.append(loc)
    try:
        return fn(*args, **kwargs)
    except AmbiError as e:
        raise e.with_loc(loc)  # noqa: B904  (the error itself, now located)
    except RecursionError:
        raise ScriptError("recursion too deep", loc=loc) from None
    except TypeError as e:
        raise ArgumentError(str(e), loc=loc) from None
    except Exception as e:  # numpy and Python errors, in the script's terms
        raise RunError(f"{type(e).__name__}: {e}", loc=loc) from None
    finally:
        _loc_override.pop()


class ScriptFunction:
    """A `fn` of a script: a value that can be passed, returned and called."""

    def __init__(self, name, params, body, closure, loc):
        self.__name__ = self.__qualname__ = name
        self.params, self.body, self.closure, self.loc = params, body, closure, loc
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params])
        self._active = 0  # calls of this function now running (recursion while tracing)

    def __repr__(self):
        return f"<fn {self.__name__}>"

    def bind_args(self, args, kwargs):
        try:
            return self.__signature__.bind(*args, **kwargs).arguments
        except TypeError as e:
            want = ", ".join(self.params)
            raise ArgumentError(f"{self.__name__}({want}) takes {len(self.params)} argument"
                                f"{'' if len(self.params) == 1 else 's'}: {e}") from None

    def __call__(self, *args, **kwargs):
        scope = Scope(self.closure, fn=self.__name__)
        scope.vars.update(self.bind_args(args, kwargs))
        self._enter()
        try:
            self.body(scope)
        except Return as r:
            return r.value
        finally:
            self._active -= 1
            _THREAD.depth -= 1
        return None

    def _enter(self):
        if _THREAD.depth >= MAX_DEPTH:
            raise ScriptError(f"recursion too deep: more than {MAX_DEPTH} nested calls "
                              f"(in fn `{self.__name__}`)")
        if self._active >= MAX_TRACED_DEPTH and not am.executing_eagerly():
            raise TracingError(f"recursion that cannot be traced: fn `{self.__name__}` calls "
                               "itself while building a graph, so the graph would be infinite; "
                               "write the recursion as a `while` loop")
        self._active += 1
        _THREAD.depth += 1


class GraphFunction:
    """A `@graph fn`: ``am.function`` over a ScriptFunction. Numbers and lists passed to it
    become tensors, so it is traced once per shape and dtype, not once per value."""

    def __init__(self, fn, optimize, device=None):
        self.fn = fn
        self.function = am.function(fn, optimize=optimize, device=device)
        self.__name__ = fn.__name__
        self.calls = []  # the first call's arguments, for `ambi graph --function`

    def __repr__(self):
        return f"<@graph fn {self.__name__}>"

    def __call__(self, *args, **kwargs):
        self.fn.bind_args(args, kwargs)  # arity errors in the script's words
        args = [_tensor_arg(a) for a in args]
        kwargs = {k: _tensor_arg(v) for k, v in kwargs.items()}
        if not self.calls and am.executing_eagerly():
            self.calls.append((args, kwargs))
        return self.function(*args, **kwargs)

    def concrete(self):
        """The traced graph of the first call (None if never called)."""
        if not self.calls:
            return None
        args, kwargs = self.calls[0]
        return self.function.get_concrete_function(*args, **kwargs)


def _tensor_arg(x):
    if isinstance(x, (bool, int, float, list)):
        return am.constant(x)
    return x


def is_tensorlike(x):
    return isinstance(x, (am.Tensor, am.Variable, bool, int, float, list))


def describe(x):
    """A value's kind in the script's words: `a tensor int32[3]`, `a function`..."""
    if isinstance(x, am.Variable):
        return f"a variable {x.dtype.name}{list(x.shape)}"
    if isinstance(x, am.Tensor):
        return f"a tensor {x.dtype.name}{list(x.shape)}"
    if isinstance(x, (ScriptFunction, GraphFunction)) or callable(x):
        return "a function"
    if isinstance(x, str):
        return "a string"
    if isinstance(x, (bool, int, float)):
        return "a number"
    if isinstance(x, list):
        return "a list"
    if isinstance(x, tuple):
        return f"a tuple of {len(x)} values"
    if x is None:
        return "nothing (a function that returned no value)"
    return f"a {type(x).__name__}"


def type_of(x):
    """`float32[2]` for a tensor-like value, for error messages."""
    return f"{x.dtype.name}{list(x.shape)}" if hasattr(x, "dtype") else describe(x)
