"""Names and walks shared by the two rewrites."""
import ast
import itertools

FLAG = "ag__"       # prefix of the variables the rewrite adds (flags, return value)
HELPER = "ag__fn_"  # prefix of the functions it adds (branches, loop bodies): never state
_counter = itertools.count(1)

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
          ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LOOPS = (ast.For, ast.While, ast.AsyncFor)


def fresh(what):
    return f"{FLAG}{what}_{next(_counter)}"


def fresh_helper(what):
    return f"{HELPER}{what}_{next(_counter)}"


def name(ident, ctx=None):
    return ast.Name(ident, ctx or ast.Load())


def ag_call(fn, *args):
    """The expression ``ag__.fn(*args)``: a call into the autograph runtime."""
    return ast.Call(ast.Attribute(name("ag__"), fn, ast.Load()), list(args), [])


def located(nodes, where):
    """Give the new nodes (one, or a list; not the user's statements inside) ``where``'s
    position."""
    for node in nodes if isinstance(nodes, list) else [nodes]:
        for n in ast.walk(node):
            if "lineno" in n._attributes and getattr(n, "lineno", None) is None:
                ast.copy_location(n, where)
    return nodes


def no_nested_scopes(stmts, skip_loops=False):
    """Every node under ``stmts``, not entering nested functions, classes or lambdas (nor
    nested loops' bodies when ``skip_loops``: their break belongs to them)."""
    todo = list(stmts)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, SCOPES):
            continue
        if skip_loops and isinstance(node, LOOPS):
            todo += [node.test if isinstance(node, ast.While) else node.iter] + node.orelse
            continue
        todo += ast.iter_child_nodes(node)


def assigned(stmts):
    """Names bound in ``stmts`` (assignments, loop targets, imports, defs, ``with ... as``),
    in order of first appearance, without the rewrite's helper functions."""
    found = {}
    for node in _in_order(stmts):
        for ident in _binds(node):
            if not ident.startswith(HELPER):
                found.setdefault(ident, None)
    return list(found)


def _in_order(stmts):
    for stmt in stmts:
        yield from _walk_no_scopes(stmt)


def _walk_no_scopes(node):
    yield node
    if isinstance(node, SCOPES):
        return
    for child in ast.iter_child_nodes(node):
        yield from _walk_no_scopes(child)


def _binds(node):
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        return [node.id]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    return []
