"""First rewrite: ``return``, ``break`` and ``continue`` inside control flow become flags.

A graph loop or branch has one exit, so an early exit is a variable that the rest of the
block tests (as AutoGraph does)::

    while c:                         brk = False
        a()                          while not brk and c:
        if d:              ->            a()
            break                        if d:
        b()                                  brk = True
                                         if not brk:
                                             b()

The guards are ordinary ``if`` statements, so the second rewrite (``convert``) turns
them into ``am.cond`` when the flag is a tensor and leaves them Python otherwise.
``if c: return a`` followed by more code first moves that code into the ``else`` branch
(``if c: return a else: rest``), so both branches of a tensor ``if`` return.
"""
import ast
import copy

from .names import FLAG, ag_call, fresh, located, name, no_nested_scopes

RETVAL, DO_RETURN = f"{FLAG}retval", f"{FLAG}do_return"
RETURN_VALUE = "the return value"  # the Undefined that RETVAL starts as


def lower_exits(fn):
    """Rewrite ``fn`` (an ast.FunctionDef) in place; nested defs are left to their turn."""
    returns = _has_inner_return(fn.body)
    if returns:
        fn.body = _move_rest_into_else(fn.body)
    flags = (DO_RETURN,) if returns else ()
    body = _lower_block(fn.body, _Loop(), flags)
    if returns:
        init = [_assign(DO_RETURN, ast.Constant(False)),
                _assign(RETVAL, ag_call("Undefined", ast.Constant(RETURN_VALUE)))]
        body = init + body + [ast.Return(name(RETVAL))]
    fn.body = body


class _Loop:
    """The flags of the innermost loop: its ``break`` and ``continue`` variables."""

    def __init__(self, brk=None, cont=None):
        self.brk, self.cont = brk, cont


def _lower_block(stmts, loop, flags):
    """Lower each statement; once one may set a flag in ``flags``, guard the rest."""
    out = []
    for i, stmt in enumerate(stmts):
        lowered = _lower(stmt, loop, flags)
        out += lowered
        setting = [f for f in flags if _assigns_flag(lowered, f)]
        if setting and i + 1 < len(stmts):
            rest = _lower_block(stmts[i + 1:], loop, flags)
            out.append(located(ast.If(_none_set(setting), rest, []), stmts[i + 1]))
            break
    return out


def _lower(stmt, loop, flags):
    if isinstance(stmt, ast.Return) and DO_RETURN in flags:
        value = stmt.value or ast.Constant(None)
        return located([_assign(RETVAL, value), _assign(DO_RETURN, ast.Constant(True))],
                            stmt)
    if isinstance(stmt, ast.Break) and loop.brk:
        return [located(_assign(loop.brk, ast.Constant(True)), stmt)]
    if isinstance(stmt, ast.Continue) and loop.cont:
        return [located(_assign(loop.cont, ast.Constant(True)), stmt)]
    if isinstance(stmt, (ast.While, ast.For)):
        return _lower_loop(stmt, flags)
    for field in ("body", "orelse", "finalbody"):
        if isinstance(getattr(stmt, field, None), list) and not _is_scope(stmt):
            setattr(stmt, field, _lower_block(getattr(stmt, field), loop, flags))
    for handler in getattr(stmt, "handlers", ()):
        handler.body = _lower_block(handler.body, loop, flags)
    return [stmt]


def _lower_loop(loop_stmt, flags):
    has_break = _has(loop_stmt.body, ast.Break)
    has_cont = _has(loop_stmt.body, ast.Continue)
    loop = _Loop(fresh("break") if has_break else None, fresh("continue") if has_cont else None)
    inner_flags = tuple(flags) + tuple(f for f in (loop.brk, loop.cont) if f)
    body = _lower_block(loop_stmt.body, loop, inner_flags)
    before = [_assign(f, ast.Constant(False)) for f in (loop.brk, loop.cont) if f]
    if loop.cont:
        body = [_assign(loop.cont, ast.Constant(False))] + body
    loop_stmt.body = body
    stop = [f for f in flags if f == DO_RETURN] + ([loop.brk] if loop.brk else [])
    if stop:
        _add_stop_test(loop_stmt, stop)
    after = _lower_block(loop_stmt.orelse, _Loop(), flags)
    loop_stmt.orelse = []
    if after and loop.brk:  # a loop's else runs when it did not break
        after = [ast.If(_none_set([loop.brk]), after, [])]
    return located(before, loop_stmt) + [loop_stmt] + located(after, loop_stmt)


def _add_stop_test(loop_stmt, stop):
    """The loop also ends once a flag is set: ``while not brk and c`` (``for``: extra)."""
    if isinstance(loop_stmt, ast.While):
        loop_stmt.test = ast.BoolOp(ast.And(), [_none_set(stop), loop_stmt.test])
    else:
        loop_stmt.ag_extra_test = _none_set(stop)


# -- moving the rest of a block into the branch that does not return ------------------
def _move_rest_into_else(stmts):
    """``if c: ...return...`` + rest -> the rest also runs at the end of every branch that
    does not always return, so a tensor ``if`` has a return value on both sides."""
    for i, stmt in enumerate(stmts):
        if isinstance(stmt, ast.If) and _has(stmt.body + stmt.orelse, ast.Return):
            rest = stmts[i + 1:]
            for field in ("body", "orelse"):
                branch = getattr(stmt, field)
                if rest and not _always_returns(branch):
                    branch = branch + copy.deepcopy(rest)
                setattr(stmt, field, _move_rest_into_else(branch))
            return stmts[:i + 1]
        for field in ("body", "orelse"):
            if isinstance(stmt, (ast.For, ast.While, ast.With)) and hasattr(stmt, field):
                setattr(stmt, field, _move_rest_into_else(getattr(stmt, field)))
    return stmts


def _always_returns(stmts):
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Return):
        return True
    return isinstance(last, ast.If) and _always_returns(last.body) and \
        _always_returns(last.orelse)


# -- small helpers ------------------------------------------------------------------
def _has_inner_return(body):
    """True when a ``return`` sits inside a compound statement (not only at the end)."""
    return any(_has([s], ast.Return) for s in body if not isinstance(s, ast.Return))


def _has(stmts, kind):
    """Whether ``kind`` occurs in ``stmts``, not counting nested functions and, for
    ``break``/``continue``, nested loops (those belong to the inner loop)."""
    loops_own = kind in (ast.Break, ast.Continue)
    for node in no_nested_scopes(stmts, skip_loops=loops_own):
        if isinstance(node, kind):
            return True
    return False


def _assigns_flag(stmts, flag):
    return any(isinstance(n, ast.Name) and n.id == flag and isinstance(n.ctx, ast.Store)
               for n in no_nested_scopes(stmts))


def _is_scope(stmt):
    return isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))


def _none_set(flags):
    tests = [ast.UnaryOp(ast.Not(), name(f)) for f in flags]
    return tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)


def _assign(target, value):
    return ast.Assign([name(target, ast.Store())], value)
