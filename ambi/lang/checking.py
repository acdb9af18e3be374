"""`ambi check`: run a script every mode x device way and compare what it prints.

Printed text is compared line by line: the words must be equal, and the numbers
equal within SPEC section 9's float32 tolerance (exactly, for integers, since any two
different integers differ by more than it). The first run is the reference.
"""
import re

import numpy as np

import ambi as am
from ambi.ops.random import set_stream_position, stream_position
from ambi.testing.compare import tolerance

from . import run_source
from .runtime import UsageError, captured_stdout

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan)")
MODES = {"eager": ("eager", 2), "graph": ("graph", 2), "graph0": ("graph", 0),
         "graph1": ("graph", 1), "graph2": ("graph", 2)}


def run_captured(text, filename, mode, device):
    """(stdout, error message or None) of one run."""
    run_mode, level = MODES[mode]
    with captured_stdout() as out:
        try:
            run_source(text, filename, run_mode, device, level)
        except am.AmbiError as e:
            return out.getvalue(), e.format()
    return out.getvalue(), None


def compare_output(ref, got):
    """(largest difference, None) or (difference, why they differ)."""
    ref_lines, got_lines = ref.splitlines(), got.splitlines()
    if len(ref_lines) != len(got_lines):
        return np.inf, f"{len(got_lines)} lines printed, the reference printed {len(ref_lines)}"
    rtol, atol = tolerance("float32")
    worst = 0.0
    for k, (a, b) in enumerate(zip(ref_lines, got_lines), 1):
        if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
            return np.inf, f"line {k} differs: {b!r}, reference {a!r}"
        for x, y in zip(map(float, _NUMBER.findall(a)), map(float, _NUMBER.findall(b))):
            if x == y or (np.isnan(x) and np.isnan(y)):
                continue
            diff = abs(x - y)
            worst = max(worst, diff)
            if not diff <= atol + rtol * abs(x):
                return worst, f"line {k}: {y} differs from the reference {x}"
    return worst, None


def check_table(text, filename, modes, devices):
    """Run and print the table; True when every run matches the first."""
    for m in modes:
        if m not in MODES:
            raise UsageError(f"unknown mode {m!r}; modes: " + ", ".join(MODES))
    rows, ref, ok = [], None, True
    stream = stream_position()
    for device in devices:
        for mode in modes:
            set_stream_position(stream)  # unseeded draws repeat in every row
            out, error = run_captured(text, filename, mode, device)
            if ref is None:
                ref = out
                rows.append((mode, device, out, "-", error or "reference"))
                ok = ok and error is None
                continue
            diff, why = compare_output(ref, out)
            ok = ok and why is None and error is None
            rows.append((mode, device, out, _fmt(diff), error or why or "ok"))
    _print_table(rows)
    return ok


def _fmt(diff):
    return "inf" if diff == np.inf else f"{diff:.3g}"


def _print_table(rows):
    print(f"{'mode':<8} {'device':<12} {'lines':>5}  {'max diff':>8}  result")
    for mode, device, out, diff, result in rows:
        first = result.splitlines()[0] if result else ""
        print(f"{mode:<8} {device:<12} {len(out.splitlines()):>5}  {diff:>8}  {first}")
