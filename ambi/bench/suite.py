"""``ambi bench``: every workload on every device asked for, as a table and a JSON report."""
import dataclasses
import os
import platform
import sys

from tqdm import tqdm

from .. import config
from ..devices import get_device
from .measure import BreakEven, break_even, format_seconds
from .workloads import WORKLOADS

SCHEMA = "ambi-bench/1"


@dataclasses.dataclass
class Row:
    """One workload at one size on one device: a measurement, or why there is none."""

    workload: str
    device: str
    size: int | None
    result: BreakEven | None = None
    error: str | None = None

    def as_dict(self):
        d = {"workload": self.workload, "device": self.device, "size": self.size,
             "error": self.error}
        if self.result is not None:
            d.update({k: v for k, v in self.result.as_dict().items()
                      if k not in ("name", "device", "size")})
        return d


def run(cases, device_names, budget, progress=True):
    """Measure each case on each device; a failure on a device becomes a row's error."""
    jobs = [(c, d) for d in device_names for c in cases]
    rows = []
    for case, dev in tqdm(jobs, desc="ambi bench", unit="case", disable=not progress,
                          file=sys.stderr, leave=False):
        rows.append(measure_case(case, dev, budget))
    return rows


def measure_case(case, dev, budget):
    row = Row(case.workload, dev, case.size)
    try:
        row.result = break_even(case.fn, *case.args, device=dev, repeat=budget.repeat,
                                min_time=budget.min_time, first_repeat=budget.first_repeat,
                                name=case.workload, reference=case.reference)
        row.result.size = case.size
    except Exception as e:  # noqa: BLE001  (a device that cannot run a workload: say so)
        row.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return row


def standard_cases(budget, names=None):
    """The cases of the standard workloads (all of them, or those ``names`` lists)."""
    return [c for name, make in WORKLOADS.items() if names is None or name in names
            for c in make(budget)]


# -- the report ------------------------------------------------------------------------
def report(rows, device_names, budget_name):
    """Everything measured, with the machine, devices, drivers and versions."""
    return {"schema": SCHEMA, "budget": budget_name, "machine": machine(),
            "devices": [describe_device(n) for n in device_names],
            "versions": versions(), "rows": [r.as_dict() for r in rows]}


def machine():
    return {"cpu": cpu_name(), "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "cpu_threads": config.CPU_THREADS}  # threads sharing a fused group's blocks


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def describe_device(name):
    dev = get_device(name)
    info = {"name": str(dev), "kind": dev.kind, "description": dev.describe()}
    cl = getattr(dev, "cl_device", None)
    if cl is not None:
        info.update(driver=cl.driver_version.strip(), platform=cl.platform.name.strip(),
                    platform_version=cl.platform.version.strip(), opencl=cl.version.strip())
    return info


def versions():
    from importlib import metadata
    out = {}
    for pkg in ("ambi", "numpy", "networkx", "lark", "pyopencl", "pocl-binary-distribution",
                "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def table(rows):
    """The rows as a text table, one line per workload, size and device."""
    head = (f"{'workload':<34} {'device':<10} {'size':>9} {'numpy':>9} {'eager':>9} "
            f"{'graph':>9} {'graph/eager':>11} {'first call':>10} {'break-even':>10}")
    lines = [head, "-" * len(head)]
    for r in rows:
        size = "" if r.size is None else f"{r.size:.0e}" if r.size >= 10**4 else str(r.size)
        if r.result is None:
            lines.append(f"{r.workload:<34} {r.device:<10} {size:>9}  error: {r.error}")
            continue
        b = r.result
        numpy = "" if b.numpy_s is None else format_seconds(b.numpy_s)
        calls = "never" if b.calls is None else f"call {b.calls}"
        eager, graph, first = map(format_seconds, (b.eager_s, b.graph_s, b.first_s))
        lines.append(f"{r.workload:<34} {r.device:<10} {size:>9} {numpy:>9} {eager:>9} "
                     f"{graph:>9} {b.ratio:>10.2f}x {first:>10} {calls:>10}")
    return "\n".join(lines)
