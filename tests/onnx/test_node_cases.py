"""ONNX's own node test cases, regenerated from onnx's case generators (the wheels no
longer ship the data), run through ``am.onnx.load`` in every mode.

A case ambi cannot load (an op without a rule, a dtype ambi has not got) is out of scope
and counted apart; every case it loads must pass, or be refused with a LoadError for one
of the reasons docs/onnx.md lists. At least 95% must pass.
"""
import onnx_required  # noqa: F401,I001  (skips this module without the [onnx] extra)
import functools
import warnings

import numpy as np
import onnx
import pytest

import ambi as am
from ambi.errors import LoadError
from ambi.onnx.importer import OnnxModel, parse

# What a loadable case may be refused for while running (docs/onnx.md, "Import"):
# attributes outside what ambi's ops compute (out of scope, like unsupported ops)
UNSUPPORTED_ATTRIBUTES = ("dilations other than 1", "only 1-D and 2-D windows",
                          "training_mode", "Indices output", "scan outputs",
                          "is not supported (only")


@functools.lru_cache(maxsize=None)
def node_cases():
    """[(name, OnnxModel, data_sets, rtol, atol)] for every case ambi loads, and the
    number of cases it does not."""
    from onnx.backend.test.case.node import collect_testcases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = collect_testcases()
    loaded, skipped = [], 0
    for c in cases:
        try:
            model = OnnxModel(parse(onnx, c.model.SerializeToString(), c.name))
        except LoadError:
            skipped += 1
            continue
        loaded.append((c.name, model, [([_array(x) for x in ins], [_array(y) for y in outs])
                                       for ins, outs in c.data_sets], c.rtol, c.atol))
    return loaded, skipped


def _array(x):
    return onnx.numpy_helper.to_array(x) if isinstance(x, onnx.TensorProto) else np.asarray(x)


def run_case(model, data_sets, rtol, atol, mode, device=None):
    run = model.run_eagerly if mode == "eager" else model.function(int(mode[-1]), device)
    for inputs, outputs in data_sets:
        got = run(*inputs)
        for g, want in zip(got if isinstance(got, tuple) else (got,), outputs):
            g = g.numpy()
            assert g.shape == want.shape and g.dtype == want.dtype, (g.shape, g.dtype)
            if want.dtype.kind == "f":
                np.testing.assert_allclose(g, want, rtol=rtol, atol=atol, equal_nan=True)
            else:
                np.testing.assert_array_equal(g, want)


def _outcome(case, mode, device=None):
    name, model, data_sets, rtol, atol = case
    try:
        run_case(model, data_sets, rtol, atol, mode, device)
    except LoadError as e:
        if any(r in e.message for r in UNSUPPORTED_ATTRIBUTES):
            return "refused"
        return f"{name}: {e.message}"
    except Exception as e:  # noqa: BLE001  (a failure: reported with the case's name)
        return f"{name}: {type(e).__name__}: {str(e)[:300]}"
    return "pass"


@pytest.mark.parametrize("mode", ["eager", "graph0", "graph2"])
def test_onnx_node_cases_pass(mode):
    cases, _ = node_cases()
    outcomes = [_outcome(c, mode) for c in cases]
    failures = [o for o in outcomes if o not in ("pass", "refused")]
    passed, in_scope = outcomes.count("pass"), len(outcomes) - outcomes.count("refused")
    assert passed >= 0.95 * in_scope, f"{passed} of {in_scope} pass:\n" + "\n".join(failures)
    assert not failures, "\n".join(failures)
    assert passed > 860, passed  # the generators still produce the cases we expect


def _opencl_devices():
    return [str(d) for d in am.devices() if str(d) != "cpu"]


def test_onnx_node_cases_on_opencl_devices():
    devices = _opencl_devices()
    if not devices:
        pytest.skip("no validated OpenCL device (am.devices() lists only cpu)")
    cases, _ = node_cases()
    sample = cases[::80]  # OpenCL builds each kernel once per device: a sample keeps it short
    for device in devices:
        failures = [o for o in (_outcome(c, "graph2", device) for c in sample)
                    if o not in ("pass", "refused")]
        assert not failures, f"{device}:\n" + "\n".join(failures)
