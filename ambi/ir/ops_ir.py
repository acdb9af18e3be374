"""The IR's own ops: graph inputs (``arg``) and literal values (``const``)."""
from .. import dtypes as dt
from .opdef import P, defop
from .types import TensorType

ARG = defop("arg", arity=0, params={"index": P.count(0), "name": P.name(None),
                                       "type": P.tensor_type(None)},
            types=lambda types, index, name, type: (type,), foldable=False,
            differentiable=False, doc="A graph input, fed by the caller.")

CONST = defop("const", arity=0, params={"value": P.array(None)}, kernel=lambda value: value,
              types=lambda types, value: (TensorType(value.shape, dt.of_numpy(value.dtype)),),
              differentiable=False, doc="A literal value baked into the graph.")
