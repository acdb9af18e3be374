"""OpDef: the one record that declares an op, and the registry of all of them.

Everything about an op lives in its record: arity and params, shape and dtype rules,
flags that passes consult, the numpy kernel that defines its meaning, and room for the
gradient (``vjp``) and the OpenCL template (``cl``). Eager execution, tracing, passes,
devices and autodiff read only this record.
"""
import dataclasses
from typing import Callable

from .. import dtypes as dt
from ..errors import ArgumentError, DTypeError
from ..memo import remember
from .params import P, Param, check_one  # noqa: F401  (P: for defop calls)
from .types import TensorType

REGISTRY = {}


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class OpDef:
    """One op, declared once with ``defop``. Call it like a function: ``am.exp(x)`` is
    ``exp_op.__call__(x)`` -> bind. The fields are the table in docs/architecture.md."""

    name: str
    arity: int = 1                 # operands (a variadic op takes a list as its first)
    variadic: bool = False
    params: dict = None            # param name -> default, in positional order
    kinds: dict = None             # param name -> kind (``ambi.ir.params``)
    kernel: Callable = None        # the numpy implementation: defines the op's meaning
    decompose: Callable = None     # or a composite written with other ops
    shape_rule: Callable = None    # (*shapes, **params) -> shape, or a ShapeError
    dtype_rule: Callable = None    # (dtypes, **params) -> dtype; default from the 3 below
    types_rule: Callable = None    # (types, **params) -> output types, for the rest
    accepts: tuple = dt.ALL
    same_dtype: tuple = None       # operands that share a dtype; None: all
    out_dtype: object = "same"
    elementwise: bool = False
    commutative: bool = False
    effect: bool = False           # never dropped, merged, reordered or folded
    random: bool = False           # without a seed, an effect
    foldable: bool = True
    differentiable: bool = True
    subgraphs: tuple = ()          # params that hold graphs (cond, while, fused)
    nout: int = 1                  # None: as many as the types rule says
    terminates: bool = True        # False: may run forever, so no pass may drop it
    vjp: Callable = None           # the gradient rule (autodiff)
    cl: dict = None                # the OpenCL template (devices)
    rewrites: tuple = ()           # local rewrite rules (ambi/ops/rewrites.py)
    fusion: bool = False           # holds a chain the fuse pass made: one kernel, never re-fused
    reads_variable: bool = False   # its output is params["var"]'s value (the tape)
    doc: str = ""
    # memos for param-less ops: input dtypes -> output dtype (eager), input TensorTypes
    # -> output types (tracing)
    dtype_memo: dict = dataclasses.field(default_factory=dict)
    types_memo: dict = dataclasses.field(default_factory=dict)
    params_memo: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        fill = object.__setattr__  # frozen: derived fields are set once, here
        fill(self, "params", self.params or {})
        fill(self, "kinds", self.kinds or {})
        fill(self, "dtype_rule", self.dtype_rule or _dtype_rule(self))
        fill(self, "accepts", tuple(self.accepts))
        fill(self, "same_dtype", None if self.same_dtype is None else tuple(self.same_dtype))
        fill(self, "subgraphs", tuple(self.subgraphs))
        fill(self, "rewrites", tuple(self.rewrites))
        fill(self, "foldable", self.foldable and not self.effect)
        fill(self, "__doc__", self.doc)
        fill(self, "__name__", self.name)

    def __repr__(self):
        return f"<op {self.name}>"

    def __call__(self, *args, **kwargs):
        """Split positionals into operands and params, then bind in the current mode."""
        if not kwargs and not self.params and len(args) == self.arity:
            return _bind(self, args, {})  # the common case, kept short
        n = 1 if self.variadic else self.arity
        if len(args) > n + len(self.params):
            raise ArgumentError(f"{self.name}() takes at most {n + len(self.params)} "
                                f"arguments, got {len(args)}")
        operands = _operands(self.name, args) if self.variadic and args else list(args[:n])
        if len(args) < n:
            raise ArgumentError(f"{self.name}() needs {n} operand(s), got {len(args)}")
        for key, val in zip(self.params, args[n:]):
            if key in kwargs:
                raise ArgumentError(f"{self.name}() got two values for {key!r}")
            kwargs[key] = val
        return _bind(self, operands, self.fill_params(kwargs))

    @property
    def primitive(self):
        return self.decompose is None

    def fill_params(self, given):
        """Defaults filled in, unknown names rejected, values checked by kind and frozen
        to hashable form. Remembered for plain values (ints, tuples of ints, strings,
        bools, None): checking ``axis=(0, 1, 2)`` was half of an eager ``reduce_sum``."""
        key = plain_key(given)
        hit = self.params_memo.get(key) if key is not None else None
        if hit is not None:
            return dict(hit)  # a copy: a caller may keep or change its dict
        out = dict(self.params)  # declared order
        for k, v in given.items():
            if k not in out:
                raise ArgumentError(f"{self.name}() got an unexpected argument {k!r}")
            out[k] = self.check_param(k, v)
        if key is not None:  # many distinct values: the memo starts again
            remember(self.params_memo, key, dict(out), 1024)
        return out

    def check_param(self, key, value):
        """The one argument check (``ambi.ir.params``): eager, graph and every device
        see the same normalized value, or the same ArgumentError."""
        return check_one(self.name, key, self.kinds[key], freeze(value))

    def is_effect(self, params):
        """Effects are never dropped, merged, reordered or folded by a pass."""
        if self.effect:
            return True
        if self.random and params.get("seed") is None:
            return True
        if not self.subgraphs:
            return False
        return any(g.has_effects() for g in self.subgraph_values(params))

    def subgraph_values(self, params):
        return [params[k] for k in self.subgraphs]

    def infer(self, types, params):
        """Input TensorTypes -> tuple of output TensorTypes, or a DTypeError/ShapeError."""
        if not params:  # most ops: the answer depends on the input types alone
            key = tuple(types)
            out = self.types_memo.get(key)
            if out is None:  # many shapes: the memo starts again, stays small
                out = remember(self.types_memo, key, self._infer(types, params), 4096)
            return out
        return self._infer(types, params)

    def _infer(self, types, params):
        if self.types_rule is not None:
            return tuple(self.types_rule(types, **params))
        dtype = self.dtype_rule([t.dtype for t in types], **params)
        shape = self.shape_rule(*[t.shape for t in types], **params)
        return (TensorType(shape, dtype),)


def _operands(name, args):
    """A variadic op's first argument: a non-empty list of tensors."""
    if not isinstance(args[0], (list, tuple)) or not args[0]:
        raise ArgumentError(f"{name}() needs a non-empty list of tensors as its first "
                            f"argument, got {args[0]!r}"[:200])
    return list(args[0])


def _split_params(name, params):
    """``{"axis": P.axes(None)}`` -> defaults and kinds; every param has a kind."""
    for k, p in params.items():
        if not isinstance(p, Param):
            raise ValueError(f"op {name!r}: param {k!r} needs a kind, e.g. P.axis(0)")
    return ({k: p.default for k, p in params.items()},
            {k: p.kind for k, p in params.items()})


_PLAIN = (int, bool, str, type(None))


def plain_key(given):
    """A key for ``given`` params whose checks may be remembered, or None. Floats are not
    plain (-0.0 == 0.0, nan != nan), nor are tensors, lists or arrays."""
    key = []
    for k, v in given.items():
        t = type(v)
        if t is tuple:
            if not all(type(e) is int for e in v):
                return None
        elif t not in _PLAIN:
            return None
        key.append((k, t, v))
    return tuple(key)


def freeze(value):
    """Lists -> tuples (recursively), so params hash and compare (a ``dtype`` param's
    kind makes names into DTypes)."""
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    if isinstance(value, tuple):
        return tuple(freeze(v) for v in value)
    return value


def _dtype_rule(op):
    def rule(dtypes, **params):
        idx = range(len(dtypes)) if op.same_dtype is None else op.same_dtype
        group = [dtypes[i] for i in idx]
        check_same(op.name, group)
        for d in group:
            if d not in op.accepts:
                raise DTypeError(f"{op.name}: does not accept {d.name}; it accepts "
                                 + ", ".join(a.name for a in op.accepts))
        if op.out_dtype == "same":
            return group[0] if group else dtypes[0]
        if callable(op.out_dtype):
            return op.out_dtype(group[0] if group else None, **params)
        return op.out_dtype
    return rule


def check_same(opname, dtypes):
    """Binary ops need equal dtypes (SPEC section 2); the error names both and am.cast."""
    for d in dtypes[1:]:
        if d is not dtypes[0]:
            raise DTypeError(
                f"{opname}: operands have different dtypes {dtypes[0].name} and {d.name}; "
                f"convert one with am.cast(x, am.{dtypes[0].name})")


def declare(name, *, params=None, shape=None, dtype=None, types=None, **fields):
    """An OpDef from its declaration: ``params`` maps each name to a kind with its
    default (``P.axis(0)``); ``shape``, ``dtype`` and ``types`` are the rules."""
    defaults, kinds = _split_params(name, params or {})
    return OpDef(name, params=defaults, kinds=kinds, shape_rule=shape, dtype_rule=dtype,
                 types_rule=types, **fields)


def defop(name, **fields):
    """Declare an op once and register it; returns the OpDef (which is callable)."""
    if name in REGISTRY:
        raise ValueError(f"op {name!r} declared twice")
    op = REGISTRY[name] = declare(name, **fields)
    return op


def add_rules(op, field, *rules):
    """Append rules to a declared op's tuple field (``rewrites``): rules that emit other
    ops are attached once those exist, as JAX attaches ``ad.defjvp(exp_p, ...)``."""
    object.__setattr__(op, field, (*getattr(op, field), *rules))


def _unbound(op, operands, params):
    raise RuntimeError(f"{op.name}: ambi.core is not loaded (import ambi)")


_bind = _unbound  # core.bind, once core is loaded: the IR sits below the mode


def bind_with(fn):
    """Make calling an op record run ``fn(op, operands, params)``; ``ambi.core`` installs
    its ``bind`` when it loads."""
    global _bind
    _bind = fn


def bind(op, operands, params):
    """Run or record ``op`` in the current mode (for ops that call records by operands and
    params, like ``am.print``)."""
    return _bind(op, operands, params)
