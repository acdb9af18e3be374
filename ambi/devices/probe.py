"""The conformance probe: an OpenCL device proves itself before ambi trusts it.

The first time ambi opens a device it runs ``probe_cases`` in child processes, each
check under the kernel parameters it tests (``cl_params``), so a compiler abort or a
segfault kills a child, not the user's program. Checks run widest vector width first
and narrow only on failure; the parameters that pass are timed and the fastest kept.
The verdict is cached under ``$XDG_CACHE_HOME/ambi/probe`` (default ``~/.cache``), keyed
by the platform, driver, device, the host CPU's features, ambi's kernel sources and any
simulated fault, and never recomputed unless asked (``ambi devices --check``).
"""
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import config
from ..errors import DeviceError
from . import cl_faults
from .cl_params import CPU_SHAPE, GPU_SHAPE, PRESETS, WIDTHS, KernelParams, blocks_for

VERSION = 3             # bump when what the probe checks changes
CHILD_TIMEOUT = 300     # seconds a child may take before it counts as hung
FIXED_CHECKS = ("windows", "copies", "random", "fused_reduce")
ADVICE = ("install another OpenCL runtime: Intel's CPU runtime (`pip install "
          "ambi[intel]`), or a newer driver from your vendor; the 'cpu' device always works")


@dataclass
class Verdict:
    """What the probe found for one device: ``params`` when it passed, else ``reason``."""
    device: str
    driver: str
    params: KernelParams | None
    results: dict = field(default_factory=dict)  # check label -> None (passed) or why not
    timings: dict = field(default_factory=dict)  # candidate label -> seconds
    reason: str = ""
    seconds: float = 0.0

    @property
    def ok(self):
        return self.params is not None

    def to_json(self):
        d = dict(self.__dict__)
        d["params"] = self.params.to_json() if self.params else None
        return d

    @classmethod
    def from_json(cls, d):
        d = dict(d)
        d["params"] = KernelParams.from_json(d["params"]) if d["params"] else None
        return cls(**d)


# -- where verdicts live --------------------------------------------------------------------
def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ambi"


def driver_of(cl_device):
    p = cl_device.platform
    return (f"{p.name.strip()} {p.version.strip()}, driver {cl_device.driver_version.strip()}")


def key_of(cl_device):
    """What a verdict depends on; a change to any part runs the probe again."""
    parts = {"probe": VERSION, "platform": cl_device.platform.name,
             "version": cl_device.platform.version, "driver": cl_device.driver_version,
             "device": cl_device.name, "vendor": cl_device.vendor,
             "machine": platform.machine(), "cpu": _cpu_features(), "code": _code_hash(),
             "fault": cl_faults.spec_for(cl_device.platform.name)}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def _cpu_features():
    """The host CPU's model and feature flags: CPU drivers compile for them."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            lines = [ln for ln in f if ln.startswith(("model name", "flags"))][:2]
        return hashlib.sha256("".join(lines).encode()).hexdigest()[:16]
    except OSError:
        return platform.processor()


def _code_hash():
    """ambi's kernel generators and op records: new kernels need a new verdict."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted([*root.glob("*.py"), *(root.parent / "ops").glob("*.py")]):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def _locked(path):
    """One process probes a device at a time (pytest -n 2 workers wait for each other)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as f:
        try:
            import fcntl
            fcntl.flock(f, fcntl.LOCK_EX)
        except ImportError:  # not POSIX: no lock, at worst two probes
            pass
        yield


def verdict(dev, index, force=False):
    """The device's verdict: from the cache, or by running the probe now."""
    path = cache_dir() / "probe" / f"{key_of(dev.cl_device)}.json"
    with _locked(path):
        if not force and path.exists():
            try:
                return Verdict.from_json(json.loads(path.read_text()))
            except (ValueError, KeyError, TypeError):
                pass  # a damaged cache entry: probe again
        v = run(dev, index)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(v.to_json(), indent=1))
        os.replace(tmp, path)
        return v


# -- running the probe ----------------------------------------------------------------------
def _label(check, params):
    return f"{check} [{params}]"


def width_jobs(width):
    """The checks whose generated code depends on the vector width."""
    p = CPU_SHAPE.with_width(width)
    blocked = [("matmul", p.with_block(b)) for b in blocks_for(width)]
    return [("elementwise", p), ("reduce", p)] + blocked


def fixed_jobs():
    jobs = [("elementwise", GPU_SHAPE), ("reduce", GPU_SHAPE), ("matmul", GPU_SHAPE)]
    return jobs + [(c, p) for c in FIXED_CHECKS for p in (CPU_SHAPE, GPU_SHAPE)]


def run(dev, index):
    """Run every check (in two children at once), narrow, time, choose."""
    t0 = time.perf_counter()
    sys.stderr.write(f"validating {dev.name} (once per driver) ...\n")
    sys.stderr.flush()
    results = run_jobs(index, width_jobs(WIDTHS[0]) + fixed_jobs())
    width = None
    for w in WIDTHS:
        if w != WIDTHS[0]:
            results.update(run_jobs(index, width_jobs(w)))
        if all(results[_label(c, p)] is None for c, p in width_jobs(w)[:2]):
            width = w
            break
    candidates, reason = _candidates(results, width)
    v = Verdict(dev.name, driver_of(dev.cl_device), None, results, reason=reason)
    if not reason:
        v.timings = time_variants(index, candidates, width)
        v.params = _choose(candidates, width, v.timings)
    v.seconds = round(time.perf_counter() - t0, 2)
    RAN.add(dev.name)
    sys.stderr.write(f"validated {dev.name} in {v.seconds:.1f} s: "
                     f"{v.params if v.ok else 'refused'}\n")
    return v


def _variant_job(field_, variant, width):
    """The (check, params) whose timed workload stands for one variant of a parameter."""
    cpu = CPU_SHAPE.with_width(width or 0)
    if field_ == "block":
        return DECIDES[field_], cpu.with_block(variant)
    return DECIDES[field_], cpu if getattr(cpu, field_) == variant else GPU_SHAPE


def time_variants(index, candidates, width):
    """Seconds per variant label, where a parameter has several passing variants; all
    timed in one child, in turns. A variant whose timing crashed is dropped."""
    jobs = [_variant_job(f, v, width) for f, vs in candidates.items() if len(vs) > 1
            for v in vs]
    jobs = list(dict.fromkeys(jobs))
    if not jobs:
        return {}
    results = _Child(index, jobs, "time").wait()
    for f, vs in candidates.items():
        vs[:] = [v for v in vs if results.get(_label(*_variant_job(f, v, width))) is None]
    return {label: TIMED[label] for label in results if label in TIMED}


def _passed(results, check, params):
    return results.get(_label(check, params), "not run") is None


def _candidates(results, width):
    """Per parameter, the variants whose checks all passed; or why the device is refused."""
    cpu = CPU_SHAPE.with_width(width) if width is not None else None
    # the fixed checks ran once per grid, with CPU_SHAPE or GPU_SHAPE (no vector code)
    fixed = lambda p: all(_passed(results, c, p) for c in FIXED_CHECKS)  # noqa: E731
    grid = ["chunk"] if cpu and fixed(CPU_SHAPE) else []
    grid += ["item"] if _passed(results, "elementwise", GPU_SHAPE) and fixed(GPU_SHAPE) else []
    reduce = ["chunk"] if cpu and _passed(results, "fused_reduce", CPU_SHAPE) else []
    reduce += ["tree"] if all(_passed(results, c, GPU_SHAPE)
                              for c in ("reduce", "fused_reduce")) else []
    matmul = ["blocked"] if cpu and width and _passed(results, "matmul", cpu) else []
    matmul += ["tiled"] if _passed(results, "matmul", GPU_SHAPE) else []
    blocks = [b for b in blocks_for(width or 0)
              if _passed(results, "matmul", cpu.with_block(b))]
    chosen = {"grid": grid, "reduce": reduce, "matmul": matmul}
    missing = [k for k, v in chosen.items() if not v]
    if not missing:
        return {**chosen, "block": blocks or [CPU_SHAPE.block]}, ""
    failed = [f"{label}: {why}" for label, why in results.items() if why is not None]
    return chosen, ("no variant of its " + ", ".join(missing) + " kernels passed; "
                    + "; ".join(failed[:6]))


# the check whose timed workload decides each parameter, per variant
DECIDES = {"grid": "elementwise", "reduce": "reduce", "matmul": "matmul", "block": "matmul"}


def _choose(candidates, width, timings):
    """The fastest passing variant per parameter (AMBI_CL_KERNELS prefers a preset's)."""
    preset = PRESETS.get(config.CL_KERNELS)
    choice = {}
    for f, variants in candidates.items():
        timed = [(timings.get(_label(*_variant_job(f, v, width))) or float("inf"), v)
                 for v in variants]
        choice[f] = min(timed)[1]
        if preset and getattr(preset, f) in variants:
            choice[f] = getattr(preset, f)
    return KernelParams(choice["grid"], width or 0, choice["reduce"], choice["matmul"],
                        *choice["block"])


def run_jobs(index, jobs):
    """Run (check, params) jobs in up to two children; a crash or hang fails the job it
    was running, and the rest go on in a new child."""
    procs = [_Child(index, half) for half in _split(jobs) if half]
    results = {}
    while procs:
        child = procs.pop(0)
        results.update(child.wait())
        if child.rest:
            procs.append(_Child(index, child.rest))
    return results


CHILD = "ambi.devices.probe_child"  # the module the children run
RAN = set()   # names of the devices probed by this process (not read from the cache)
SECONDS = {}  # check label -> seconds it took in its child, for `ambi devices --check`
TIMED = {}    # check label -> seconds of its timed workload (the choice of parameters)
COST = {"elementwise": 5, "reduce": 4, "matmul": 3}  # rough build seconds; others 1


def _split(jobs):
    """Two lists of about equal cost; a check's variants stay together, so a child builds
    the kernels they share once."""
    groups = {}
    for job in jobs:
        groups.setdefault(job[0], []).append(job)
    bins = [[], []]
    for check in sorted(groups, key=lambda c: -COST.get(c, 1) * len(groups[c])):
        cost = [sum(COST.get(c, 1) for c, _ in b) for b in bins]
        bins[cost.index(min(cost))] += groups[check]
    return bins


class _Child:
    """One probe child process over a list of jobs."""

    def __init__(self, index, jobs, mode=None):
        self.index, self.jobs, self.rest = index, jobs, []
        cmd = [sys.executable, "-m", CHILD, str(index),
               json.dumps([[c, p.to_json()] for c, p in jobs]), *([mode] if mode else [])]
        env = {k: v for k, v in os.environ.items() if k != "AMBI_DEBUG"}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True, env=env)

    def wait(self):
        try:
            out, err = self.proc.communicate(timeout=CHILD_TIMEOUT)
            died = self.proc.returncode != 0
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            died, err = True, f"hung for {CHILD_TIMEOUT} s\n" + err
        results, started, ready = {}, None, False
        for line in out.splitlines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue  # not ours: the protocol has stdout's descriptor to itself
            if "ready" in msg:
                ready = True
            elif "start" in msg:
                started = msg["start"]
            else:
                results[msg["done"]] = msg["result"]
                if msg["timed"] is None:
                    SECONDS[msg["done"]] = round(msg["seconds"], 2)
                else:
                    TIMED[msg["done"]] = msg["timed"]
                started = None
        if died and not ready:  # before any OpenCL call: ambi's failure, not the driver's
            raise _own_failure(err)
        if died:
            labels = [_label(c, p) for c, p in self.jobs]
            crashed = started or next((lb for lb in labels if lb not in results), None)
            if crashed is not None:
                results[crashed] = _crash_text(self.proc, err)
                self.rest = [j for j, lb in zip(self.jobs, labels) if lb not in results]
            _forget_driver_cache()
        return results


def _own_failure(err):
    """The child died before it touched the driver (an import failed, a broken install):
    no verdict can be drawn, so none is cached."""
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    return DeviceError("ambi's conformance probe failed in its own code, before any "
                       f"OpenCL call, so nothing was decided or cached: "
                       f"{(lines[-1] if lines else 'no message').strip()[:300]}")


def _crash_text(proc, err):
    code = proc.returncode
    how = f"killed by signal {-code}" if code and code < 0 else f"exited with status {code}"
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    said = next((ln for ln in lines if "ERROR" in ln or "Error" in ln), lines[-1] if lines else "")
    return f"the driver crashed the process ({how}): {said.strip()[:300]}"


def _forget_driver_cache():
    """A crash can leave broken builds in PoCL's cache: start it afresh."""
    shutil.rmtree(cache_dir() / "pocl", ignore_errors=True)
