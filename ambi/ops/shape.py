"""Shape ops: reshape, transpose, expand_dims, squeeze, concat, stack, broadcast_to,
slicing and indexing, gather, one_hot and cast."""
import numpy as np

from .. import dtypes as dt
from ..errors import ArgumentError, ShapeError
from ..ir.opdef import P, defop
from ..ir.types import broadcast_shapes, norm_axis
from . import grads


def _reshape_kernel(x, shape):
    if any(d < -1 for d in shape):  # numpy reads any negative size as -1; our rule does not
        raise ValueError("negative size")  # eager mode asks the shape rule to explain
    return np.reshape(x, shape)


def _reshape_shape(shape, shape_):
    size = int(np.prod(shape, dtype=np.int64))
    target = list(shape_)
    if target.count(-1) > 1 or any(d < -1 for d in target):
        raise ShapeError(f"reshape: invalid target shape {tuple(shape_)}")
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise ShapeError(f"reshape: cannot reshape {shape} into {tuple(shape_)}")
        target[target.index(-1)] = size // known
    if int(np.prod(target, dtype=np.int64)) != size:
        raise ShapeError(f"reshape: cannot reshape {shape} ({size} elements) into "
                         f"{tuple(shape_)}")
    return tuple(target)


reshape = defop("reshape", params={"shape": P.newshape(())}, kernel=_reshape_kernel,
                cl={"kernel": "view", "alias": True},
                shape=lambda s, shape: _reshape_shape(s, shape),
                vjp=lambda g, x, out, shape: (reshape(g, shape=x.shape),),
                doc="Same elements, new shape; one -1 is inferred. "
                    "``am.reshape(am.range(6), (2, 3))``")


def _transpose_kernel(x, perm):
    if perm is not None and any(p < 0 for p in perm):  # numpy takes them; our rule does not
        raise ValueError("negative axis")  # eager mode asks the shape rule to explain
    return np.transpose(x, perm)


def _perm(shape, perm):
    n = len(shape)
    perm = tuple(range(n))[::-1] if perm is None else perm
    if sorted(perm) != list(range(n)):
        raise ArgumentError(f"transpose: perm {perm} is not a permutation of the "
                            f"{len(shape)} axes of shape {shape}")
    return tuple(perm)


transpose = defop("transpose", params={"perm": P.perm(None)},
                  cl={"kernel": "view"},
                  kernel=_transpose_kernel,
                  shape=lambda s, perm: tuple(s[i] for i in _perm(s, perm)),
                  vjp=grads.transpose_vjp,
                  doc="Permute axes (reverse them when perm is None). "
                      "``am.transpose(x, (1, 0))``")


def _expand(x, axis):
    shape = x.shape
    a = norm_axis(axis, len(shape) + 1, "expand_dims")
    return reshape(x, shape[:a] + (1,) + shape[a:])


def _squeeze(x, axis=None):
    shape = x.shape
    if axis is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = [norm_axis(a, len(shape), "squeeze")
                for a in ((axis,) if isinstance(axis, int) else axis)]
    bad = [a for a in axes if a < len(shape) and shape[a] != 1]  # a scalar has axis 0
    if bad:
        raise ShapeError(f"squeeze: axis {bad[0]} of shape {shape} has size {shape[bad[0]]}, "
                         "not 1")
    return reshape(x, tuple(d for i, d in enumerate(shape) if i not in axes))


expand_dims = defop("expand_dims", params={"axis": P.axis(0)}, decompose=_expand,
                    doc="Insert an axis of size 1. ``am.expand_dims([1, 2], 0)`` -> [[1 2]]")
squeeze = defop("squeeze", params={"axis": P.axes(None)}, decompose=_squeeze,
                doc="Remove axes of size 1 (all of them when axis is None).")


def _concat_shape(*shapes, axis):
    if not shapes:
        raise ArgumentError("concat: needs at least one tensor")
    if not shapes[0]:
        raise ShapeError("concat: cannot concatenate scalars; use am.stack")
    a = norm_axis(axis, len(shapes[0]), "concat")
    for s in shapes[1:]:
        if len(s) != len(shapes[0]) or s[:a] + s[a + 1:] != shapes[0][:a] + shapes[0][a + 1:]:
            raise ShapeError(f"concat: shapes {shapes[0]} and {s} differ outside axis {a}")
    return shapes[0][:a] + (sum(s[a] for s in shapes),) + shapes[0][a + 1:]


concat = defop("concat", variadic=True, params={"axis": P.axis(0)},
               cl={"kernel": "concat"},
               kernel=lambda *xs, axis: np.concatenate(xs, axis=axis),
               shape=_concat_shape, vjp=grads.concat_vjp,
               doc="Join tensors along an existing axis. "
                                        "``am.concat([x, y], axis=0)``")
def _stack(*xs, axis):
    shapes = [tuple(x.shape) for x in xs]
    if any(s != shapes[0] for s in shapes):
        raise ShapeError(f"stack: every tensor needs the same shape, got "
                         f"{', '.join(map(str, shapes))}")
    return concat([expand_dims(x, axis) for x in xs], axis=axis)


stack = defop("stack", params={"axis": P.axis(0)}, variadic=True, decompose=_stack,
              doc="Join tensors along a new axis. ``am.stack([x, y])``")


def _broadcast_to_shape(s, shape):
    if broadcast_shapes(s, tuple(shape), "broadcast_to") != tuple(shape):
        raise ShapeError(f"broadcast_to: shape {s} cannot broadcast to {tuple(shape)}")
    return tuple(shape)


broadcast_to = defop("broadcast_to", params={"shape": P.shape(())},
                     cl={"kernel": "view"},
                     kernel=lambda x, shape: np.broadcast_to(x, shape),
                     shape=_broadcast_to_shape,
                     vjp=lambda g, x, out, shape: (grads.unbroadcast(g, x.shape),),
                     doc="Repeat size-1 axes to a shape, as numpy.")


def _cast_dtype(dtype):
    if dtype is None:  # np.dtype(None) would silently mean float64
        raise ArgumentError("cast: give the target dtype, e.g. am.cast(x, am.float32)")
    return dt.as_dtype(dtype)


def _cast_kernel(x, dtype):
    return np.asarray(x).astype(dt.as_dtype(dtype).np)


cast = defop("cast", params={"dtype": P.dtype(None)}, kernel=_cast_kernel, shape=lambda s, dtype: s,
             cl=lambda ins, out: "({0} != 0)" if out.is_bool else "convert_{T}({0})",
             dtype=lambda dtypes, dtype: _cast_dtype(dtype), elementwise=True,
             vjp=lambda g, x, out, dtype: (cast(g, x.dtype) if x.dtype.is_float else None,),
             doc="Convert to another dtype, as numpy's astype. ``am.cast(x, am.int32)``")
