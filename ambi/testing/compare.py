"""SPEC section 9's equivalence rule, in one function: ``compare(ref, got, dtype)``.

Integers and bools must be equal. Floats must satisfy ``|got - ref| <= atol + rtol*|ref|``
with rtol=1e-5, atol=1e-6 for float32 and 1e-12, 1e-12 for float64, both grown by
sqrt(K) when the value sums K terms in some order. NaN must appear exactly where the
reference has NaN, and +-inf exactly where it has the same infinity.
"""
import math

import numpy as np

from .. import dtypes as dt

TOLERANCES = {"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-12)}  # (rtol, atol), SPEC 9


def tolerance(dtype, k_terms=1):
    """(rtol, atol) for ``dtype`` and a sum of ``k_terms`` terms; (0, 0) for ints and bools.

    >>> tolerance("float32", k_terms=4)
    (2e-05, 2e-06)
    """
    rtol, atol = TOLERANCES.get(_name(dtype), (0.0, 0.0))
    grow = math.sqrt(max(k_terms, 1))
    return rtol * grow, atol * grow


def _name(dtype):
    return dt.as_dtype(dtype).name if dtype is not None else None


class Comparison:
    """The verdict on one output: truthy when equivalent; ``str()`` explains a mismatch."""

    def __init__(self, ok, reason="", max_abs=0.0, max_rel=0.0, worst=None, rtol=0.0,
                 atol=0.0, ref=None, got=None):
        self.ok, self.reason, self.worst = ok, reason, worst
        self.max_abs, self.max_rel, self.rtol, self.atol = max_abs, max_rel, rtol, atol
        self.ref, self.got = ref, got

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"<Comparison ok={self.ok} max_abs={self.max_abs:.3g} {self.reason}>"

    def __str__(self):
        return "\n".join(self.describe())

    def describe(self):
        """Lines saying what differs: reason, largest differences, worst element, arrays."""
        lines = [self.reason or "equivalent"]
        if self.ref is None or np.shape(self.ref) != np.shape(self.got):
            return lines
        lines.append(f"max abs diff {self.max_abs:.6g}, max rel diff {self.max_rel:.6g} "
                     f"(allowed: rtol={self.rtol:.3g}, atol={self.atol:.3g})")
        if self.worst is not None:
            lines.append(f"worst at index {self.worst}: reference {_item(self.ref, self.worst)}"
                         f", got {_item(self.got, self.worst)}")
        return lines + ["reference:", *_preview(self.ref), "got:", *_preview(self.got)]


def _item(a, index):
    return str(np.asarray(a)[index])  # numpy's shortest text for the element's own dtype


def _preview(a):
    """A few indented lines of an array, as numpy prints it (summarized when large)."""
    text = np.array2string(np.asarray(a), threshold=40, edgeitems=3, max_line_width=90)
    lines = text.splitlines()
    return ["  " + line for line in lines[:6]] + (["  ..."] if len(lines) > 6 else [])


def compare(ref, got, dtype=None, k_terms=1, rtol=None, atol=None):
    """Is ``got`` equivalent to the reference ``ref`` under SPEC section 9? -> Comparison.

    ``dtype`` is the dtype both must have (default: the reference's); ``k_terms`` the
    number of terms summed in different orders; ``rtol``/``atol`` replace the SPEC's
    (and grow by sqrt(K) too). Integers and bools are always compared exactly.

    >>> bool(compare(np.float32([1.0]), np.float32([1.000001]), "float32"))
    True
    >>> bool(compare(np.int32([1]), np.int32([2]), "int32"))
    False
    """
    ref, got = np.asarray(ref), np.asarray(got)
    want = dt.of_numpy(ref.dtype) if dtype is None else dt.as_dtype(dtype)
    if ref.shape != got.shape:
        return Comparison(False, f"shape {got.shape} differs from the reference's {ref.shape}")
    for name, arr in (("reference", ref), ("result", got)):
        if dt.of_numpy(arr.dtype) is not want:
            return Comparison(False, f"the {name} has dtype {arr.dtype}, expected {want.name}")
    r, a = tolerance(want)
    grow = math.sqrt(max(k_terms, 1))  # sums of K terms: the given tolerances grow too
    r, a = (r if rtol is None else rtol) * grow, (a if atol is None else atol) * grow
    if want.is_float:
        return _compare_floats(ref, got, r, a)
    return _compare_exact(ref, got)


def _compare_exact(ref, got):
    bad = ref != got
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    max_abs = float(diff.max()) if diff.size else 0.0
    if not bad.any():
        return Comparison(True, max_abs=max_abs, ref=ref, got=got)
    worst = _index(ref, np.argmax(diff))
    return Comparison(False, f"{int(bad.sum())} of {ref.size} elements differ (exact "
                      "equality required)", max_abs, _max_rel(diff, ref), worst, ref=ref,
                      got=got)


def _compare_floats(ref, got, rtol, atol):
    r64, g64 = ref.astype(np.float64), got.astype(np.float64)
    special = ~np.isfinite(r64) | ~np.isfinite(g64)
    # NaN where the reference has NaN; inf of the same sign where it has inf.
    special_bad = special & ~((np.isnan(r64) & np.isnan(g64)) | (r64 == g64))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(special, 0.0, np.abs(g64 - r64))
        excess = diff - (atol + rtol * np.abs(np.where(special, 0.0, r64)))
    max_abs = float(np.inf if special_bad.any() else diff.max()) if diff.size else 0.0
    bad = special_bad | (excess > 0)
    if not bad.any():
        return Comparison(True, max_abs=max_abs, max_rel=_max_rel(diff, r64), rtol=rtol,
                          atol=atol, ref=ref, got=got)
    flat = np.argmax(special_bad) if special_bad.any() else np.argmax(excess)
    worst = _index(ref, flat)
    reason = (f"non-finite values differ ({int(special_bad.sum())} elements: NaN and inf "
              "must be where the reference has them)" if special_bad.any() else
              f"{int(bad.sum())} of {ref.size} elements differ beyond tolerance")
    return Comparison(False, reason, max_abs, _max_rel(diff, r64), worst, rtol, atol, ref, got)


def _max_rel(diff, ref):
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / np.abs(ref.astype(np.float64)))
    return float(rel.max()) if rel.size else 0.0


def _index(a, flat):
    return tuple(int(i) for i in np.unravel_index(int(flat), a.shape)) if a.ndim else ()
