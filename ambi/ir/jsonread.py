"""Validating readers for JSON graph files: each checks one piece and says where it failed.

``where`` is a ``Where``, a path into the file (``graph.nodes[3].params.axis``); every
problem raises ``LoadError("at <where>: <what>")``, never a KeyError or TypeError.
"""
import base64
import binascii
import math

import numpy as np

from .. import dtypes as dt
from ..errors import LoadError, SourceLoc
from .types import TensorType

MAX_RANK = 32               # numpy allows 64 axes; more than 32 is surely a broken file
MAX_ELEMENTS = 1 << 30      # per tensor: a sanity bound, not a memory guarantee
MAX_NAME = 256              # characters in a graph's or node's name
MAX_TEXT = 4096             # characters of a location's saved source line


class Where:
    """A path into the file for error messages: ``graph.nodes[3].params.axis``.

    Built lazily (a parent link per step), since it is only printed when a check fails.
    """

    __slots__ = ("part", "parent")

    def __init__(self, part=None, parent=None):  # Where() is the whole file
        self.part, self.parent = part, parent

    def __truediv__(self, part):
        return Where(part, self)

    def __str__(self):
        parts, w = [], self
        while w.parent is not None:
            parts.append(f"[{w.part}]" if isinstance(w.part, int) else f".{w.part}")
            w = w.parent
        return "".join(reversed(parts)).lstrip(".") or "the top level"


def fail(where, message):
    raise LoadError(f"at {where}: {message}")


def short(v):
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def expect(v, kind, where):
    if kind is int and (type(v) is not int):
        fail(where, f"expected an integer, got {short(v)}")
    if not isinstance(v, kind):
        fail(where, f"expected {_KIND_NAMES.get(kind, kind.__name__)}, got {short(v)}")
    return v


_KIND_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer"}


def field(obj, key, where):
    if key not in obj:
        fail(where, f"missing key {key!r}")
    return obj[key]


def as_list(v, where):
    return expect(v, list, where)


def as_int(v, where, lo=None, hi=None):
    expect(v, int, where)
    if lo is not None and v < lo or hi is not None and v >= hi:
        bounds = f"in [{lo}, {hi})" if hi is not None else f">= {lo}"
        fail(where, f"expected an integer {bounds}, got {short(v)}")
    return v


def as_dtype(v, where):
    if not isinstance(v, str) or v not in {d.name for d in dt.ALL}:
        fail(where, f"unknown dtype {short(v)}; ambi has "
                    + ", ".join(d.name for d in dt.ALL))
    return dt.as_dtype(v)


def as_shape(v, where):
    dims = tuple(as_int(d, where / i, lo=0) for i, d in enumerate(as_list(v, where)))
    if len(dims) > MAX_RANK:
        fail(where, f"rank {len(dims)} is more than {MAX_RANK}")
    if math.prod(dims) > MAX_ELEMENTS:
        fail(where, f"shape {dims} has more than {MAX_ELEMENTS} elements")
    return dims


def tensor_type(v, where):
    expect(v, dict, where)
    check_keys(v, {"shape", "dtype"}, where)
    shape = as_shape(v["shape"], where / "shape")
    return TensorType(shape, as_dtype(v["dtype"], where / "dtype"))


def check_keys(obj, allowed, where, required=None):
    for key in sorted(required if required is not None else allowed):  # stable messages
        field(obj, key, where)
    extra = sorted(set(obj) - set(allowed), key=str)
    if extra:
        fail(where, f"unexpected key {short(extra[0])}")


def array(v, where):
    """``{"dtype", "shape"}`` with ``data`` (a flat list) or ``bytes`` (base64, little-endian)."""
    expect(v, dict, where)
    check_keys(v, {"dtype", "shape", "data", "bytes"}, where, required={"dtype", "shape"})
    dtype, shape = as_dtype(v["dtype"], where / "dtype"), as_shape(v["shape"], where / "shape")
    if ("data" in v) == ("bytes" in v):
        fail(where, "needs exactly one of 'data' and 'bytes'")
    if "bytes" in v:
        return _from_bytes(v["bytes"], dtype, shape, where / "bytes")
    data = as_list(v["data"], where / "data")
    if len(data) != math.prod(shape):
        fail(where / "data", f"has {len(data)} values, but shape {shape} needs "
                             f"{math.prod(shape)}")
    values = _fast_values(data, dtype)
    if values is None:  # something is off: check one by one to say where
        values = [element(x, dtype, where / "data" / i) for i, x in enumerate(data)]
    try:
        return np.array(values, dtype=dtype.np).reshape(shape)
    except (OverflowError, ValueError) as e:
        fail(where / "data", f"values do not fit {dtype.name}: {e}")


def _from_bytes(text, dtype, shape, where):
    expect(text, str, where)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        fail(where, "is not base64")
    need = math.prod(shape) * dtype.np.itemsize
    if len(raw) != need:
        fail(where, f"has {len(raw)} bytes, but shape {shape} of {dtype.name} needs {need}")
    if dtype.is_bool:
        b = np.frombuffer(raw, np.uint8)
        if b.size and b.max() > 1:
            fail(where, "a bool is a byte 0 or 1")
        return b.astype(np.bool_).reshape(shape)
    return np.frombuffer(raw, dtype.np.newbyteorder("<")).astype(dtype.np).reshape(shape)


def _fast_values(data, dtype):
    """The values when every one has the expected JSON type, else None."""
    if dtype.is_float:
        try:
            return list(map(float.fromhex, data))
        except (TypeError, ValueError, OverflowError):
            return None
    kind = bool if dtype.is_bool else int
    return data if all(type(x) is kind for x in data) else None


def element(x, dtype, where):
    if dtype.is_bool:
        return expect(x, bool, where)
    if dtype.is_int:
        return as_int(x, where)
    if isinstance(x, str):
        try:
            return float.fromhex(x)
        except (ValueError, OverflowError):
            fail(where, f"{short(x)} is not a float in hex form (float.hex)")
    if type(x) in (int, float):
        return float(x)
    fail(where, f"expected a float, got {short(x)}")


def loc(v, where):
    """``[file, line, col, text]`` (version 3) or ``[file, line, col]``: the text is the
    file's own copy of the source line; the file it names is never opened."""
    as_list(v, where)
    if len(v) not in (3, 4):
        fail(where, f"a location is [file, line, col, source line], got {short(v)}")
    file = _text(v[0], where / 0, MAX_NAME * 16)
    line, col = as_int(v[1], where / 1, lo=0), as_int(v[2], where / 2, lo=0)
    text = _text(v[3], where / 3, MAX_TEXT) if len(v) == 4 else ""
    return SourceLoc(file, line, col, text=text)


def name(v, where):
    """A graph's or node's name: a short string without control characters."""
    return _text(v, where, MAX_NAME)


def _text(v, where, limit):
    expect(v, str, where)
    if len(v) > limit:
        fail(where, f"is {len(v)} characters long, more than {limit}")
    bad = next((c for c in v if ord(c) < 32 and c != "\t" or ord(c) == 127), None)
    if bad is not None:
        fail(where, f"holds the control character {bad!r}")
    return v
