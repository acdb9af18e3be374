"""Second rewrite: ``if`` / ``while`` / ``for`` become calls of the runtime (``ag__``).

Each statement becomes functions of the names it assigns, and one call that runs them
as Python or as a graph node, decided by the condition's value at trace time::

    if x > 0:                      def ag__fn_if_true_1(y):
        y = x                          y = x
    else:                  ->          return (y,)
        y = -x                     def ag__fn_if_false_2(y):
                                       y = -x
                                       return (y,)
                                   (y,) = ag__.if_stmt(x > 0, ag__fn_if_true_1,
                                                       ag__fn_if_false_2, (y,), ('y',))

``a and b``, ``not a`` and ``a if c else b`` become ``ag__.and_`` / ``not_`` / ``if_exp``;
calls become ``ag__.converted_call(f)(...)`` so the user's own functions convert too.
Names first bound inside a statement start as ``ag__.Undefined('name')``.
"""
import ast

from ..errors import SourceLoc, TracingError
from .exits import lower_exits
from .names import HELPER, ag_call, assigned, fresh_helper, located, name, no_nested_scopes

_NOT_CONVERTED_CALLS = {"super", "locals", "globals", "vars", "eval", "exec"}


def convert_def(fn, filename):
    """Rewrite one user ``def`` (ast.FunctionDef) and the defs nested in it, in place."""
    if _is_generator(fn):
        return fn
    lower_exits(fn)
    conv = _Converter(fn, filename)
    module = conv.visit(ast.Module(fn.body, []))
    fn.body = _with_undefined(module.body, sorted(conv.carried - _params(fn) - conv.declared))
    return fn


def check_not_generator(fn, filename):
    """An ``am.function`` cannot be a generator: say so at the ``yield``."""
    for node in no_nested_scopes(fn.body):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            raise TracingError(f"{fn.name} is a generator (it uses yield); am.function needs a "
                               "function that returns its results: collect them in a list "
                               "and return it", loc=SourceLoc(filename, node.lineno,
                                                             node.col_offset + 1))


def _is_generator(fn):
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in no_nested_scopes(fn.body))


class _Converter(ast.NodeTransformer):
    """Converts one function's statements; nested user defs get their own converter."""

    def __init__(self, fn, filename):
        self.filename = filename
        self.globals, self.nonlocals = _declared(fn.body)
        self.declared = self.globals | self.nonlocals
        self.carried = set()  # every name a converted statement carries
        self.try_depth = 0

    def visit_FunctionDef(self, node):
        return convert_def(node, self.filename)

    visit_AsyncFunctionDef = ast.NodeTransformer.generic_visit

    def visit_Try(self, node):
        self.try_depth += 1
        node = self.generic_visit(node)
        self.try_depth -= 1
        return node

    visit_TryStar = visit_Try

    # -- statements -----------------------------------------------------------------
    def visit_If(self, node):
        names = self._names([node])
        node = self.generic_visit(node)
        true_fn = self._def(fresh_helper("if_true"), names, node.body, names)
        false_fn = self._def(fresh_helper("if_false"), names, node.orelse, names)
        call = ag_call("if_stmt", node.test, name(true_fn.name), name(false_fn.name),
                   _tuple(names), _strs(names), ast.Constant(self.try_depth > 0))
        return located([true_fn, false_fn, _bind(names, call)], node.test)

    def visit_While(self, node):
        names = self._names([node])
        node = self.generic_visit(node)
        test_fn = self._def(fresh_helper("while_test"), names, [ast.Return(node.test)], None)
        body_fn = self._def(fresh_helper("while_body"), names, node.body, names)
        call = ag_call("while_stmt", name(test_fn.name), name(body_fn.name), _tuple(names),
                   _strs(names), ast.Constant(self.try_depth > 0))
        return located([test_fn, body_fn, _bind(names, call)], node.test) + node.orelse

    def visit_For(self, node):
        names = self._names([node])
        extra = getattr(node, "ag_extra_test", None)
        node = self.generic_visit(node)
        item = "ag__item"
        body = [ast.Assign([node.target], name(item))] + node.body
        body_fn = self._def(fresh_helper("for_body"), [item] + names, body, names)
        defs = [body_fn]
        test = ast.Constant(None)
        if extra is not None:
            defs.insert(0, self._def(fresh_helper("for_test"), names,
                                     [ast.Return(self.visit(extra))], None))
            test = name(defs[0].name)
        call = ag_call("for_stmt", _iterable(node.iter), test, name(body_fn.name), _tuple(names),
                   _strs(names), ast.Constant(self.try_depth > 0))
        return located(defs + [_bind(names, call)], node.iter) + node.orelse

    # -- expressions ----------------------------------------------------------------
    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        if any(isinstance(n, ast.NamedExpr) for n in ast.walk(node)):
            return node  # a walrus inside a lambda would bind in the lambda: keep Python's
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        return located(ag_call(fn, *map(_thunk, node.values)), node)

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return located(ag_call("not_", node.operand), node)
        return node

    def visit_IfExp(self, node):
        node = self.generic_visit(node)
        return located(ag_call("if_exp", node.test, _thunk(node.body), _thunk(node.orelse)), node)

    def visit_Return(self, node):
        node = self.generic_visit(node)
        if node.value is not None:  # an undefined name returned is an error, not a value
            node.value = ast.copy_location(ag_call("return_value", node.value), node.value)
        return node

    def visit_Call(self, node):
        node = self.generic_visit(node)
        f = node.func
        if not (isinstance(f, ast.Name) and f.id in _NOT_CONVERTED_CALLS):
            node.func = ast.copy_location(ag_call("converted_call", f), f)
        return node

    # -- building blocks ------------------------------------------------------------
    def _names(self, stmts):
        names = [n for n in assigned(stmts) if n not in self.declared]
        self.carried.update(names)
        return names

    def _def(self, fname, params, body, returns):
        """``def fname(*params): [global/nonlocal decls] body [return (returns,)]``."""
        decls = self._declarations(body)
        tail = [] if returns is None else [ast.Return(_tuple(returns))]
        args = ast.arguments([], [ast.arg(p) for p in params], None, [], [], None, [])
        return ast.FunctionDef(fname, args, decls + (body or [ast.Pass()]) + tail, [], None)

    def _declarations(self, body):
        bound = set(assigned(body))
        decls = []
        if self.globals & bound:
            decls.append(ast.Global(sorted(self.globals & bound)))
        if self.nonlocals & bound:
            decls.append(ast.Nonlocal(sorted(self.nonlocals & bound)))
        return decls


def _iterable(expr):
    """``for x in f(args)``: ``ag__.for_iter(f, args)`` decides at run time, so that
    ``range`` and ``am.range`` over a symbolic bound become a graph loop."""
    if not _is_plain_call(expr):
        return expr
    return ast.copy_location(ag_call("for_iter", expr.func.args[0], *expr.args), expr)


def _is_plain_call(expr):
    """``ag__.converted_call(f)(args)`` (as the call rewrite left ``f(args)``), with
    positional arguments only."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Call)):
        return False
    inner = expr.func
    return isinstance(inner.func, ast.Attribute) and inner.func.attr == "converted_call" \
        and not expr.keywords and not any(isinstance(a, ast.Starred) for a in expr.args)


def _declared(body):
    globs, nonlocs = set(), set()
    for node in no_nested_scopes(body):
        if isinstance(node, ast.Global):
            globs.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            nonlocs.update(node.names)
    return globs, nonlocs


def _params(fn):
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return set(names)


def _with_undefined(body, names):
    inits = [ast.Assign([name(n, ast.Store())], ag_call("Undefined", ast.Constant(n)))
             for n in names if not n.startswith(HELPER)]
    doc = 1 if body and isinstance(body[0], ast.Expr) and \
        isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str) else 0
    where = body[0] if body else None
    inits = [ast.copy_location(i, where) for i in inits] if where else inits
    return body[:doc] + inits + body[doc:]


def _thunk(expr):
    args = ast.arguments([], [], None, [], [], None, [])
    return ast.copy_location(ast.Lambda(args, expr), expr)


def _tuple(names):
    return ast.Tuple([name(n) for n in names], ast.Load())


def _strs(names):
    return ast.Tuple([ast.Constant(n) for n in names], ast.Load())


def _bind(names, call):
    if not names:
        return ast.Expr(call)
    return ast.Assign([ast.Tuple([name(n, ast.Store()) for n in names], ast.Store())], call)
