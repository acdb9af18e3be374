"""What differs between two runs of one function: errors, output structure, each output,
printed lines and changed Variables, each problem as readable text."""
import difflib
import re

import numpy as np

from .compare import Comparison, compare, tolerance


def diff_kinds(ref, run, k_terms=1, rtol=None, atol=None, check_stdout=True, rescue=None):
    """(kind, text) per problem; kinds: "error", "output values", "output structure",
    "printed output", "variables" -- what a diff names first."""
    if ref.error is not None or run.error is not None:
        return [("error", p) for p in _diff_errors(ref, run)]
    problems = [("output structure" if p.startswith("output structure") else "output values",
                 p) for p in _diff_outputs(ref.outputs, run.outputs, k_terms, rtol, atol,
                                           rescue)]
    if check_stdout:
        problems += [("printed output", p) for p in _diff_stdout(ref.stdout, run.stdout,
                                                                  rtol, atol)]
    return problems + [("variables", p) for p in _diff_variables(ref, run, k_terms, rtol,
                                                                  atol)]


def _diff_errors(ref, run):
    if ref.error is not None and run.error is not None:
        if type(ref.error) is type(run.error):
            return []
    return [f"the reference {_outcome(ref.error)}, but this run {_outcome(run.error)}"]


def _outcome(error):
    if error is None:
        return "returned normally"
    return f"raised {type(error).__name__}: {error}"


def leaves_with_paths(x, path=""):
    """(path, leaf) pairs of a nested result, paths like ``[0]['k'][1]``; dicts by key."""
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return [p for i, v in enumerate(x) for p in leaves_with_paths(v, f"{path}[{i}]")]
    if isinstance(x, dict):
        return [p for k in sorted(x, key=repr) for p in leaves_with_paths(x[k], f"{path}[{k!r}]")]
    return [(path or "output", x)]


def _diff_outputs(ref, got, k_terms, rtol, atol, rescue):
    ref_leaves, got_leaves = leaves_with_paths(ref), leaves_with_paths(got)
    if _structure(ref, types=False) != _structure(got, types=False):
        return [f"output structure differs: reference {_structure(ref)}, got {_structure(got)}"]
    problems = []
    for i, ((path, r), (_, g)) in enumerate(zip(ref_leaves, got_leaves)):
        if not isinstance(r, np.ndarray):
            if not _same_python(r, g):
                problems.append(f"{path}: reference {r!r}, got {g!r}")
            continue
        verdict = compare(r, g, None, k_terms, rtol, atol)
        if not verdict and not _rescued(verdict, r, g, i, rescue):
            problems.append(_leaf_header(path, r) + "\n  " + "\n  ".join(verdict.describe()))
    return problems


def _same_python(a, b):
    try:
        return bool(a == b) or (a != a and b != b)  # nan == nan for static floats
    except (TypeError, ValueError):
        return a is b


def _structure(x, types=True):
    """``[float32[2], (int32[], 3)]``: containers, and arrays by dtype and shape (or by
    ``#`` alone when ``types`` is False, to compare nesting only)."""
    if isinstance(x, np.ndarray):
        return f"{x.dtype}{list(x.shape)}" if types else "#"
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        inner = ", ".join(_structure(v, types) for v in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner}{',' * (len(x) == 1)})"
    if isinstance(x, dict):
        items = (f"{k!r}: {_structure(x[k], types)}" for k in sorted(x, key=repr))
        return "{" + ", ".join(items) + "}"
    return type(x).__name__ if not types else repr(x)


def _leaf_header(path, r):
    return f"{path} (shape {r.shape}, dtype {r.dtype}):"


def _rescued(verdict, ref, got, index, rescue):
    """SPEC 9: a float32 result no further from float64 truth than eager float32 is."""
    if rescue is None or ref.dtype != np.float32 or ref.shape != got.shape:
        return False
    wide = rescue.outputs()
    leaves = leaves_with_paths(wide) if wide is not None else []
    if index >= len(leaves) or np.shape(leaves[index][1]) != ref.shape:
        return False
    truth = np.asarray(leaves[index][1], np.float64)
    nan_ok = np.array_equal(np.isnan(ref), np.isnan(got)) and \
        np.array_equal(np.isinf(ref), np.isinf(got))
    with np.errstate(invalid="ignore"):
        err_ref = np.nanmax(np.abs(ref - truth), initial=0.0)
        err_got = np.nanmax(np.abs(got - truth), initial=0.0)
    return bool(nan_ok and err_got <= err_ref)


# -- printed output -----------------------------------------------------------------
_NUMBER = re.compile(r"[-+]?(?:nan|inf|(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)")
_INTEGER = re.compile(r"[-+]?\d+")


def same_line(a, b, rtol=None, atol=None):
    """Printed lines agree: the same text, numbers equal (integers) or within float32
    tolerance (they print with 8 digits), whatever spaces numpy aligned them with.

    >>> same_line("x [1.0000001 2.]", "x [1. 2.]")
    True
    """
    if a == b:
        return True
    na, nb = _NUMBER.findall(a), _NUMBER.findall(b)
    skeleton = lambda s: "".join(_NUMBER.sub("#", s).split())
    if len(na) != len(nb) or skeleton(a) != skeleton(b):
        return False
    r, t = tolerance("float32")
    return all(_same_number(x, y, r if rtol is None else rtol, t if atol is None else atol)
               for x, y in zip(na, nb))


def _same_number(x, y, rtol, atol):
    if x == y:
        return True
    if _INTEGER.fullmatch(x) and _INTEGER.fullmatch(y):
        return False
    fx, fy = float(x), float(y)
    if np.isnan(fx) or np.isnan(fy) or np.isinf(fx) or np.isinf(fy):
        return fx == fy or (np.isnan(fx) and np.isnan(fy))
    return abs(fx - fy) <= atol + rtol * abs(fx)


def _diff_stdout(ref, got, rtol, atol):
    a, b = ref.splitlines(), got.splitlines()
    if len(a) == len(b) and all(same_line(x, y, rtol, atol) for x, y in zip(a, b)):
        return []
    diff = list(difflib.unified_diff(a, b, "reference stdout", "this run's stdout",
                                     lineterm="", n=2))
    more = [f"... ({len(diff) - 30} more diff lines)"] if len(diff) > 30 else []
    return ["printed output differs:\n" + "\n".join(diff[:30] + more)]


# -- variables ----------------------------------------------------------------------
def _diff_variables(ref, run, k_terms, rtol, atol):
    problems = []
    for var in list(dict.fromkeys([*ref.variables, *run.variables])):
        if var not in ref.variables or var not in run.variables:
            which = "the reference" if var in ref.variables else "this run"
            problems.append(f"variable {var.name!r} was changed only by {which}")
            continue
        r, g = np.asarray(ref.variables[var]), np.asarray(run.variables[var])
        verdict = compare(r, g, None, k_terms, rtol, atol)
        if not verdict:
            problems.append(f"variable {var.name!r} (shape {r.shape}, dtype {r.dtype}) ends "
                            "differently:\n  " + "\n  ".join(verdict.describe()))
    return problems


__all__ = ["diff_kinds", "same_line", "leaves_with_paths", "Comparison"]
