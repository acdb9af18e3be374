"""The conformance probe against simulated broken drivers (``AMBI_CL_FAULT``, cl_faults).

Each scenario breaks one OpenCL device (the first found) the way real drivers have:
a compiler abort, an empty program, wrong answers. The user's process must stay alive,
the device must be narrowed or refused with a clear message, and every other device
must go on working. Each run gets its own cache folder, seeded with the verdicts this
session already has, so only the broken device is probed again.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ambi as am
from ambi.devices import cl_cache, opencl, probe
from ambi.errors import DeviceError

pytestmark = pytest.mark.skipif(not opencl.found(), reason="no OpenCL platform found")

SCRIPT = textwrap.dedent("""
    import json, numpy as np, ambi as am
    from ambi.devices import opencl
    out = {"devices": [str(d) for d in am.devices()], "errors": {}, "sums": {}}
    x = (np.arange(4096) % 7).astype(np.float32)
    for d in opencl.found():
        try:
            with am.device(d.name):
                out["sums"][d.name] = float(am.reduce_sum(am.constant(x)).numpy())
            out["params"] = str(d.params) if d.name == TARGET else out.get("params")
        except am.errors.DeviceError as e:
            out["errors"][d.name] = str(e)
    out["cpu"] = float(am.reduce_sum(am.constant(x)).numpy())
    print(json.dumps(out))
""")


def _target():
    return opencl.found()[0]


def _run(tmp_path, fault, code=None):
    """Run ``code`` (default SCRIPT) in a child with the fault on the target's platform."""
    cache = tmp_path / "cache"
    if not cache.exists():
        for d in opencl.found():
            d.usable()  # this session's verdicts, to seed the child's cache
        shutil.copytree(probe.cache_dir() / "probe", cache / "ambi" / "probe",
                        ignore=shutil.ignore_patterns("*.lock", "*.tmp"))
    target = _target()
    env = {**os.environ, "XDG_CACHE_HOME": str(cache),
           "AMBI_CL_FAULT": f"{fault}@{target.cl_device.platform.name.strip()}"}
    env.pop("AMBI_DEBUG", None)
    return subprocess.run([sys.executable, "-c", code or f"TARGET = {target.name!r}\n" + SCRIPT],
                          env=env, capture_output=True, text=True, timeout=600)


def _others_work(out, target):
    want = float((np.arange(4096) % 7).sum())
    assert out["cpu"] == want
    for d in opencl.found():
        if d.name != target.name and d.usable():
            assert out["sums"][d.name] == want, out


@pytest.mark.parametrize("fault, chosen", [("w16:abort", "width=8"),
                                           ("matmul:empty", "matmul=tiled")])
def test_a_broken_variant_narrows_the_parameters(tmp_path, fault, chosen):
    target = _target()
    run = _run(tmp_path, fault)
    assert run.returncode == 0, run.stderr
    assert f"validating {target.name} (once per driver)" in run.stderr
    out = json.loads(run.stdout)
    assert target.name in out["devices"] and not out["errors"]
    assert chosen in out["params"]
    assert out["sums"][target.name] == float((np.arange(4096) % 7).sum())
    _others_work(out, target)
    again = _run(tmp_path, fault)  # the verdict is remembered: no second probe
    assert again.returncode == 0 and "validating" not in again.stderr, again.stderr


def test_a_broken_family_refuses_the_device_with_reasons(tmp_path):
    target, fault, family = _target(), "pool:wrong", "windows"
    run = _run(tmp_path, fault)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert target.name not in out["devices"]
    why = out["errors"][target.name]
    assert "failed ambi's conformance probe" in why and family in why
    assert target.cl_device.driver_version.strip() in why
    assert "pip install ambi[intel]" in why and "ambi devices --check" in why
    _others_work(out, target)
    cli = _run(tmp_path, fault, "from ambi.cli import main; raise SystemExit(main("
                                "['devices']))")
    assert cli.returncode == 1, cli.stderr
    assert "refused" in cli.stdout and "why:" in cli.stdout


def test_ambi_check_refuses_a_broken_device_without_a_table(tmp_path):
    target = _target()
    script = tmp_path / "s.ambi"
    script.write_text("print(reduce_sum([1.0, 2.0, 3.0]))\n")
    code = (f"from ambi.cli import main; raise SystemExit(main(['check', {str(script)!r}, "
            f"'--devices', 'cpu', {target.name!r}]))")
    run = _run(tmp_path, "reduce:wrong", code)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "conformance probe" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_an_empty_program_is_a_device_error_naming_family_device_and_driver(monkeypatch):
    dev = opencl.lookup(next(d.name for d in opencl.found() if d.usable()))
    monkeypatch.setenv("AMBI_CL_FAULT", "probe_test:empty")
    source = "__kernel void probe_test_k(__global float* a) { a[0] = 1.0f; }"
    with pytest.raises(DeviceError) as e:
        cl_cache.kernel(dev, ("probe_test",), lambda: (source, ["buf"]), "probe_test_k")
    msg = str(e.value)
    assert "probe_test kernel" in msg and "no kernel 'probe_test_k'" in msg
    assert dev.cl_device.name.strip() in msg and dev.cl_device.driver_version.strip() in msg


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_special_values_match_the_reference_exactly(cl_device, mode):
    x = np.array([-np.inf, -30.0, -12.0, -0.0, 0.0, 10.0, 30.0, np.inf, np.nan], np.float32)

    def f(a):
        return am.tanh(a), am.sign(a), am.tanh(a * 2.0)

    run = am.function(f) if mode == "graph" else f
    want = [t.numpy() for t in f(am.constant(x))]
    with am.device(cl_device):
        got = [t.numpy() for t in run(am.constant(x))]
    for w, g in zip(want, got):
        np.testing.assert_array_equal(g, w)
        assert (np.signbit(g) == np.signbit(w))[~np.isnan(w)].all(), (g, w)


def test_a_probe_that_fails_in_its_own_code_decides_and_caches_nothing(tmp_path, monkeypatch):
    """A child that dies before any OpenCL call (a broken install, an import error in
    ambi) says nothing about the driver: the device is neither refused nor cached."""
    dev = _target()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(probe, "CHILD", "ambi.devices.no_such_child")
    with pytest.raises(am.errors.DeviceError, match="its own code.*no_such_child"):
        probe.verdict(dev, opencl.found().index(dev), force=True)
    assert not list((tmp_path / "ambi" / "probe").glob("*.json"))
