"""Limits on what ambi will allocate, and the error at each (docs/errors.md, "Limits").

``Budget`` bounds what a graph file may ask for: elements per tensor, elements over all
the values its nodes make (an upper bound on what running it can hold at once), and the
file's size. ``am.load(path, budget=...)`` and ``ambi exec --max-elements N
--max-total-elements N --max-file-bytes N`` override the default.

Everywhere else (eager ops, graphs traced in this process) numpy allocates what the
program asks; when it cannot, ``MemoryError`` becomes a located ``RunError``:
``cannot allocate N elements for shape (...)``.
"""
import math
import sys

from .errors import ArgumentError, LoadError, RunError


class Budget:
    """Allocation limits for graph files: ``am.load(p, budget=am.Budget(tensor_elements=...))``."""

    __slots__ = ("tensor_elements", "total_elements", "file_bytes")

    def __init__(self, tensor_elements=1 << 27, total_elements=1 << 29, file_bytes=1 << 28):
        for name, v in (("tensor_elements", tensor_elements),
                        ("total_elements", total_elements), ("file_bytes", file_bytes)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ArgumentError(f"Budget: {name} must be an int >= 0, got {v!r}")
        self.tensor_elements, self.total_elements = tensor_elements, total_elements
        self.file_bytes = file_bytes

    def __repr__(self):
        return (f"Budget(tensor_elements={self.tensor_elements}, total_elements="
                f"{self.total_elements}, file_bytes={self.file_bytes})")

    def check_types(self, types, where):
        """Every TensorType within the per-tensor limit; returns their total elements."""
        total = 0
        for t in types:
            n = math.prod(t.shape)
            if n > self.tensor_elements:
                raise LoadError(f"at {where}: a value of shape {t.shape} has {n} elements, "
                                f"more than the budget of {self.tensor_elements} per tensor "
                                "(raise it with budget= or --max-elements)")
            total += n
        return total

    def check_total(self, total, where):
        if total > self.total_elements:
            raise LoadError(f"at {where}: its values hold {total} elements in all, more than "
                            f"the budget of {self.total_elements} (raise it with budget= or "
                            "--max-total-elements)")


DEFAULT = Budget()


def allocation_error(shape, dtype=None, op=None, loc=None):
    """The located error for an allocation numpy cannot make."""
    n = math.prod(shape)
    size = f" ({n * dtype.np.itemsize} bytes of {dtype.name})" if dtype is not None else ""
    prefix = f"{op}: " if op else ""
    kwargs = {} if loc is None else {"loc": loc}
    return RunError(f"{prefix}cannot allocate {n} elements for shape {tuple(shape)}{size}",
                    **kwargs)


def cannot_allocate(exc, types):
    """Whether a kernel's failure means its outputs (TensorTypes) cannot be allocated."""
    if not types:
        return False
    return isinstance(exc, MemoryError) or "too big" in str(exc) or \
        max(math.prod(t.shape) for t in types) > sys.maxsize


def allocate(shape, make, dtype=None, op=None):
    """``make()``, or the allocation error if numpy cannot allocate ``shape``."""
    if math.prod(shape) > sys.maxsize:  # numpy cannot even index that many
        raise allocation_error(shape, dtype, op)
    try:
        return make()
    except MemoryError:
        raise allocation_error(shape, dtype, op) from None
    except ValueError as e:  # numpy: "Maximum allowed size exceeded", "array is too big"
        if any(w in str(e) for w in ("Maximum allowed", "too big", "exceed")):
            raise allocation_error(shape, dtype, op) from None
        raise
