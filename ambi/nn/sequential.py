"""Sequential: layers applied in order, with Keras' ``add`` and ``summary``."""
import numpy as np

from ..constructors import zeros
from ..errors import ArgumentError
from .module import Layer
from .training import Model


class Sequential(Model):
    """Layers applied in order.

    >>> model = am.nn.Sequential([am.nn.Dense(8, "relu"), am.nn.Dense(1)])
    >>> model(am.ones([2, 3])).shape
    (2, 1)
    """

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self.layers = []
        self._tracked["layers"] = self.layers  # tracked even while empty
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Append a layer (or any callable)."""
        if not callable(layer):
            raise ArgumentError(f"Sequential.add needs a layer or a callable, not {layer!r}")
        self.layers.append(layer)

    def call(self, x, training=False):
        for layer in self.layers:
            x = layer(x, training=training) if isinstance(layer, Layer) else layer(x)
        return x

    def summary(self, print_fn=print):
        """Print a table of the layers, their output shapes and parameter counts."""
        self._shape_from_input_shape()
        rows = [(f"{getattr(layer, 'name', '?')} ({type(layer).__name__})",
                 _shape_text(layer), _params(layer)) for layer in self.layers]
        name_width = max([37] + [len(r[0]) + 2 for r in rows])
        width = name_width + 35
        print_fn(f'Model: "{self.name}"')
        print_fn("_" * width)
        print_fn(_row("Layer (type)", "Output Shape", "Param #", name_width))
        print_fn("=" * width)
        for i, row in enumerate(rows):
            print_fn(_row(*row, name_width))
            print_fn(("_" if i < len(rows) - 1 else "=") * width)
        if not rows:
            print_fn("=" * width)
        total = sum(p for _, _, p in rows)
        trainable = int(sum(np.prod(v.shape, dtype=np.int64) for v in self.trainable_variables))
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")
        print_fn("_" * width)

    def _shape_from_input_shape(self):
        """Run zeros through the model once when ``input_shape=`` fixes every dimension."""
        first = self.layers[0] if self.layers else None
        shape = getattr(first, "input_shape", None)
        if shape is None or self.layers[-1].output_shape is not None or None in shape[1:]:
            return
        self(zeros((1,) + tuple(shape[1:])))


def _row(name, shape, params, name_width):
    return f" {name:<{name_width}}{str(shape):<24}{params}"


def _shape_text(layer):
    shape = getattr(layer, "output_shape", None)
    return "?" if shape is None else str(tuple(shape))


def _params(layer):
    return layer.count_params() if isinstance(layer, Layer) else 0
