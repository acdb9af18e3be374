"""Batches for fit/evaluate/predict (from arrays or an ``am.data.Dataset``) and the
per-epoch progress bar (tqdm; ``verbose=0`` turns it off)."""
import math

import numpy as np

from ..constructors import constant
from ..core import Tensor
from ..data import Dataset
from ..errors import ArgumentError, ShapeError


def as_array(value):
    """Inputs as numpy in an ambi dtype: other floats become float32 (Keras' default
    float, as Keras does), small or unsigned integers int32."""
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu" and arr.dtype not in (np.int32, np.int64):
        return arr.astype(np.int32)
    return arr


def batches_of(x, y, batch_size, rng):
    """(x, y) batches as eager tensors, or (x,) when y is None; ``rng`` shuffles."""
    if isinstance(x, Dataset):
        return _DatasetBatches(x)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ArgumentError(f"batch_size must be a positive int, not {batch_size!r}")
    return _ArrayBatches(x, y, batch_size, rng)


class _ArrayBatches:
    def __init__(self, x, y, batch_size, rng):
        self.x = as_array(x)
        self.y = None if y is None else as_array(y)
        if self.y is not None and len(self.y) != len(self.x):
            raise ShapeError(f"x has {len(self.x)} samples but y has {len(self.y)}")
        self.rng, self.size, self.n = rng, batch_size, len(self.x)

    def __len__(self):
        return math.ceil(self.n / self.size)

    def __iter__(self):
        """One pass; with an ``rng``, in a new shuffled order each pass."""
        order = self.rng.permutation(self.n) if self.rng else None
        for start in range(0, self.n, self.size):
            take = slice(start, start + self.size)
            if order is not None:
                take = order[take]
            if self.y is None:
                yield (constant(self.x[take]),)
            else:
                yield constant(self.x[take]), constant(self.y[take])


class _DatasetBatches:
    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return self.dataset.cardinality()

    def __iter__(self):
        for element in self.dataset:
            if isinstance(element, (tuple, list)):
                yield tuple(_float32(e) for e in element[:2])
            else:
                yield (_float32(element),)


def _float32(t):
    if isinstance(t, Tensor) and t.dtype.name == "float64":
        return constant(as_array(t.numpy()))
    return t


class Progress:
    """A tqdm bar over batches that shows the running loss and metrics; silent when
    ``verbose`` is 0."""

    def __init__(self, batches, verbose, desc):
        self.batches, self.bar = batches, None
        if verbose:
            from tqdm import tqdm
            total = len(batches) if hasattr(batches, "__len__") else None
            self.bar = tqdm(total=total if total and total > 0 else None, desc=desc,
                            unit="batch", leave=True, dynamic_ncols=True)

    def __iter__(self):
        for item in self.batches:
            yield item
            if self.bar is not None:
                self.bar.update(1)

    def show(self, logs):
        """``logs`` is a callable, only called when the bar is on."""
        if self.bar is not None:
            self.bar.set_postfix(_fmt(logs()), refresh=False)

    def close(self, logs):
        if self.bar is not None:
            self.bar.set_postfix(_fmt(logs), refresh=True)
            self.bar.close()


def _fmt(logs):
    return {k: f"{v:.4f}" for k, v in logs.items()}
