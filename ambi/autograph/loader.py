"""From a Python function to its converted twin: source -> ast -> rewrite -> code object.

The converted code keeps the user's file name and line numbers, so tracebacks and ambi's
located errors point at the user's lines. It is compiled once per code object; each
function object then gets its own globals, defaults and closure cells (the original
cells, so later changes to closed-over names are seen, as without autograph).
"""
import ast
import inspect
import sys
import textwrap
import types
import warnings
import weakref
from typing import NamedTuple

from ..errors import _is_internal
from .transform import check_not_generator, convert_def

_PREFIXES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
_code_cache = {}  # original code object -> (converted code object, source) or None
_fn_cache = weakref.WeakKeyDictionary()  # function -> converted function


class Converted(NamedTuple):
    """The result of converting one code object."""

    code: types.CodeType  # the converted def's code, closed over by _rebuild
    source: str           # what am.autograph.to_code shows


def convert(fn, runtime, top=False):
    """``fn`` with autograph applied; ``fn`` itself when it is library code, has no
    source, or is marked ``do_not_convert``. ``top``: the function ``am.function`` traces
    (a generator there is an error; elsewhere it runs as plain Python)."""
    if isinstance(fn, types.MethodType):
        inner = convert(fn.__func__, runtime, top)
        return fn if inner is fn.__func__ else types.MethodType(inner, fn.__self__)
    if not isinstance(fn, types.FunctionType):
        call = inspect.getattr_static(type(fn), "__call__", None)  # a callable object
        if isinstance(call, types.FunctionType) and _convertible(call):
            return types.MethodType(convert(call, runtime, top), fn)
        return fn
    done = _fn_cache.get(fn)
    if done is not None:
        return done
    converted = _converted(fn, top) if _convertible(fn) else None
    result = fn if converted is None else _rebuild(fn, converted.code, runtime)
    _fn_cache[fn] = result
    return result


def to_source(fn):
    """The converted source of ``fn`` (a string), for ``am.autograph.to_code``."""
    fn = getattr(fn, "__func__", fn)
    converted = _converted(fn, top=False)
    if converted is None:
        raise ValueError(f"autograph cannot convert {fn!r}: its source is not available")
    return converted.source


def _convertible(fn):
    code = fn.__code__
    if getattr(fn, "__ag_do_not_convert__", False) or code.co_name == "<lambda>":
        return False
    if "ag__" in code.co_freevars:
        return False  # defined inside converted code: already converted with it
    path = code.co_filename
    return not (_is_internal(path) or path.startswith(_PREFIXES))


def _converted(fn, top):
    code = fn.__code__
    if code not in _code_cache:
        _code_cache[code] = _compile(fn, top)
    return _code_cache[code]


def _compile(fn, top):
    tree = _parse(fn)
    if tree is None:
        return None
    fdef = tree.body[0]
    filename = fn.__code__.co_filename
    if top:
        check_not_generator(fdef, filename)
    fdef.decorator_list = []
    convert_def(fdef, filename)
    factory = _factory(fdef, fn.__code__.co_freevars)
    module = ast.fix_missing_locations(ast.Module([factory], []))
    try:
        code = compile(module, filename, "exec")
    except SyntaxError as e:
        warnings.warn(f"autograph could not convert {fn.__qualname__} ({e}); it runs as "
                      "plain Python", stacklevel=4)
        return None
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == fdef.name)
    return Converted(inner, ast.unparse(fdef))


def _parse(fn):
    """The function's own ``def`` as an ast, at its real line and column numbers."""
    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    first = next((ln for ln in lines if ln.strip()), "")
    indent = len(first) - len(first.lstrip())
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:
        return None
    if not tree.body or not isinstance(tree.body[0], ast.FunctionDef) \
            or tree.body[0].name != fn.__name__:
        return None
    ast.increment_lineno(tree, start - 1)
    for node in ast.walk(tree):
        if hasattr(node, "col_offset"):
            node.col_offset += indent
            node.end_col_offset = (node.end_col_offset or 0) + indent
    _strip_annotations(tree.body[0])
    return tree


def _strip_annotations(fdef):
    fdef.returns = None
    a = fdef.args
    for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
        if arg is not None:
            arg.annotation = None


def _factory(fdef, freevars):
    """``def ag__factory(ag__, *freevars): <fdef>``: the closure the converted def needs."""
    params = [ast.arg("ag__")] + [ast.arg(v) for v in freevars]
    args = ast.arguments([], params, None, [], [], None, [])
    # the parameters must be bound in the factory's body to be closure cells of fdef
    ret = ast.Return(ast.Name(fdef.name, ast.Load()))
    return ast.FunctionDef("ag__factory", args, [fdef, ret], [], None)


def _rebuild(fn, code, runtime):
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    cells["ag__"] = types.CellType(runtime)
    closure = tuple(cells[v] for v in code.co_freevars)
    new = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__qualname__, new.__doc__, new.__module__ = fn.__qualname__, fn.__doc__, fn.__module__
    new.__dict__.update(fn.__dict__)
    new.__wrapped__ = fn
    return new
