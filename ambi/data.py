"""``am.data.Dataset``: an input pipeline in the spirit of ``tf.data``, kept simple:
elements are nested tuples/dicts of arrays, each stage a Python generator, iteration
yields ambi tensors. Deterministic with a seed.

>>> ds = am.data.Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6])).batch(2)
>>> [x.numpy().tolist() for x, _ in ds]
[[1, 2], [3]]
"""
import numpy as np

from . import tree
from .constructors import constant
from .core import Tensor
from .errors import ArgumentError, ShapeError


def _to_numpy(leaf):
    return leaf.numpy() if isinstance(leaf, Tensor) else np.asarray(leaf)


def _leaves_numpy(element):
    leaves, treedef = tree.flatten(element)
    return tree.unflatten(treedef, [_to_numpy(v) for v in leaves])


def _leaves_tensors(element):
    leaves, treedef = tree.flatten(element)
    return tree.unflatten(treedef, [constant(v) for v in leaves])


class Dataset:
    """A re-iterable sequence of elements; build one with ``from_tensor_slices``."""

    def __init__(self, source, length=None):
        self._source = source  # () -> iterator of numpy elements
        self._length = length

    @staticmethod
    def from_tensor_slices(tensors):
        """One element per row of the first axis of every array in ``tensors`` (an array,
        or a tuple or dict of arrays with the same first dimension)."""
        leaves, treedef = tree.flatten(tensors)
        arrays = [_to_numpy(v) for v in leaves]
        if not arrays or any(a.ndim == 0 for a in arrays):
            raise ShapeError("from_tensor_slices needs arrays with at least one dimension")
        n = len(arrays[0])
        if any(len(a) != n for a in arrays):
            raise ShapeError("from_tensor_slices: the arrays' first dimensions differ: "
                             f"{[len(a) for a in arrays]}")

        def source():
            for i in range(n):
                yield tree.unflatten(treedef, [a[i] for a in arrays])
        return Dataset(source, n)

    @staticmethod
    def from_tensors(tensors):
        """A dataset of one element: the whole of ``tensors``."""
        element = _leaves_numpy(tensors)
        return Dataset(lambda: iter([element]), 1)

    def __iter__(self):
        for element in self._source():
            yield _leaves_tensors(element)

    def _derive(self, make, length=None):
        return Dataset(make, length)

    def __len__(self):
        if self._length is None:
            raise TypeError("this dataset's length is unknown")
        return self._length

    def cardinality(self):
        """The number of elements, or -2 when unknown (as ``tf.data``'s UNKNOWN)."""
        return -2 if self._length is None else self._length

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True):
        """Shuffle through a buffer of ``buffer_size`` elements, as tf.data does; with
        a seed the orders repeat from run to run (a new order each pass unless
        ``reshuffle_each_iteration=False``)."""
        if not isinstance(buffer_size, int) or buffer_size < 1:
            raise ArgumentError(f"shuffle: buffer_size must be a positive int, not "
                                f"{buffer_size!r}")
        state = {"pass": 0}

        def source():
            state["pass"] += 1
            key = state["pass"] if reshuffle_each_iteration else 0
            rng = np.random.default_rng(None if seed is None else (seed, key))
            return _buffer_shuffle(self._source(), buffer_size, rng)
        return self._derive(source, self._length)

    def batch(self, batch_size, drop_remainder=False):
        """Stack consecutive elements into batches of ``batch_size``."""
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ArgumentError(f"batch: batch_size must be a positive int, not "
                                f"{batch_size!r}")

        def source():
            chunk = []
            for element in self._source():
                chunk.append(element)
                if len(chunk) == batch_size:
                    yield _stack(chunk)
                    chunk = []
            if chunk and not drop_remainder:
                yield _stack(chunk)
        n = self._length
        if n is not None:
            n = n // batch_size if drop_remainder else -(-n // batch_size)
        return self._derive(source, n)

    def map(self, fn):
        """Apply ``fn`` to each element (a tuple element is passed as arguments)."""
        def source():
            for element in self._source():
                args = _leaves_tensors(element)
                out = fn(*args) if isinstance(args, tuple) else fn(args)
                yield _leaves_numpy(out)
        return self._derive(source, self._length)

    def take(self, count):
        """The first ``count`` elements (all of them when ``count`` is -1)."""
        def source():
            for i, element in enumerate(self._source()):
                if i == count:
                    return
                yield element
        n = self._length
        return self._derive(source, n if count < 0 or n is None else min(n, count))

    def skip(self, count):
        """All but the first ``count`` elements."""
        def source():
            for i, element in enumerate(self._source()):
                if i >= count:
                    yield element
        return self._derive(source, None if self._length is None
                            else max(self._length - count, 0))

    def repeat(self, count=None):
        """The elements ``count`` times over (forever when None)."""
        def source():
            i = 0
            while count is None or i < count:
                yield from self._source()
                i += 1
        n = self._length
        return self._derive(source, None if count is None or n is None else n * count)

    def prefetch(self, buffer_size=None):
        """Accepted for tf.data compatibility; elements are made on demand anyway."""
        return self

    def as_numpy_iterator(self):
        return iter(self._source())


def _buffer_shuffle(elements, size, rng):
    buf = []
    for element in elements:
        if len(buf) < size:
            buf.append(element)
            continue
        i = int(rng.integers(size))
        yield buf[i]
        buf[i] = element
    while buf:
        yield buf.pop(int(rng.integers(len(buf))))


def _stack(chunk):
    _, treedef = tree.flatten(chunk[0])
    cols = zip(*(tree.flatten(e)[0] for e in chunk))
    return tree.unflatten(treedef, [np.stack(c) for c in cols])
