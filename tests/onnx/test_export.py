"""am.onnx.export: onnxruntime, an implementation nobody here wrote, runs what ambi
exports and must agree with ambi within SPEC section 9's tolerances."""
import onnx_required  # noqa: F401,I001  (skips this module without the [onnx] extra)
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import ambi as am
from ambi.testing import strategies as ams

from onnx_oracle import assert_close, leaves, ort_run

# >= 1,000 programs under the "ci" profile (150 examples), 175 under "dev" (25)
PROGRAMS = settings(max_examples=settings.default.max_examples * 7,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DEVICES = ["cpu"] + [str(d) for d in am.devices() if str(d) != "cpu"]
# Every program runs eagerly on every device: eager mode launches one kernel per op,
# built once per process, so 1,000 programs cost about 60 OpenCL builds. An -O2 graph
# fuses each program into kernels of its own (a PoCL build takes 0.1-0.3 s), so on
# OpenCL one program in GRAPH_EVERY runs at -O2 too, chosen by a hash of its source:
# the same program is always chosen (hypothesis replays and shrinks it alike), and the
# share does not depend on how hypothesis draws (its first, simplest draws come often).
GRAPH_EVERY = 8


@pytest.mark.parametrize("devices", [DEVICES], ids=["+".join(DEVICES)])
@PROGRAMS
@given(program=ams.programs())
def test_random_programs_agree_with_onnxruntime(devices, program):
    """One onnxruntime answer per program checks ambi eagerly and at -O2 on cpu, and on
    every validated OpenCL device eagerly and (one program in GRAPH_EVERY) at -O2."""
    want = ort_run(am.onnx.export(program.fn, *program.inputs), program.inputs)
    graph_too = zlib.crc32(program.source.encode()) % GRAPH_EVERY == 0
    for device in devices:
        with am.device(device):
            eager = leaves(program.fn(*[am.constant(x) for x in program.inputs]))
            assert_close(eager, want, program.k_terms, f"eager on {device}: {program!r}")
            if device == "cpu" or graph_too:
                graph = leaves(am.function(program.fn)(*program.inputs))
                assert_close(graph, want, program.k_terms, f"-O2 on {device}: {program!r}")


def test_variables_are_initializers_and_effects_need_consent(tmp_path):
    v = am.Variable([1.0, 2.0], name="w")

    def reads(x):
        return x * v.read_value()

    x = np.array([3.0, 4.0], np.float32)
    model = am.onnx.export(reads, x, path=str(tmp_path / "r.onnx"))
    assert [i.name for i in model.graph.initializer] == ["w"]
    assert_close([np.float32([3, 8])], ort_run(str(tmp_path / "r.onnx"), [x]))

    def prints(x):
        am.print("x is", x)
        v.assign_add(x)
        return x + 1

    with pytest.raises(am.errors.ArgumentError, match="drop_effects=True"):
        am.onnx.export(prints, x)
    model = am.onnx.export(prints, x, drop_effects=True)
    assert_close([x + 1], ort_run(model, [x]))

    def read_after_write(x):
        v.assign(x)
        return v.read_value()

    with pytest.raises(am.errors.ArgumentError, match="read after a write"):
        am.onnx.export(read_after_write, x, drop_effects=True)


def test_conv_pool_strided_slices_and_control_flow(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 7, 6, 3)).astype(np.float32)
    f = rng.normal(size=(3, 2, 3, 4)).astype(np.float32)

    @am.function
    def net(x, f):
        y = am.max_pool2d(am.relu(am.conv2d(x, f, strides=2, padding="SAME")), 2, 1, "SAME")
        y = y[:, ::-2, 1:, None, 0]
        return am.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, am.tanh(s * 2)),
                             [am.constant(0), am.cond(am.reduce_sum(y) > 0, lambda: y,
                                                      lambda: -y)])

    ref = [t.numpy() for t in net(x, f)]
    assert_close(ref, ort_run(am.onnx.export(net, x, f), [x, f]), k_terms=18)


def test_onnx_missing_gives_a_clear_error(monkeypatch):
    import builtins
    real = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx":
            raise ImportError(name)
        return real(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_onnx)
    with pytest.raises(ImportError, match=r"pip install 'ambi\[onnx\]'"):
        am.onnx.export(lambda x: x, np.float32([1]))


def test_random_draws_and_repeated_outputs():
    def draws(x):
        seeded = am.random.normal([3], seed=7)
        return x + seeded, x + seeded, x, am.random.uniform([2, 2]).shape

    x = np.float32([1, 2, 3])
    model = am.onnx.export(draws, x)
    want = (x + am.random.normal([3], seed=7).numpy())
    got = ort_run(model, [x])
    assert_close([want, want, x], got)
    unseeded = am.onnx.export(lambda: am.random.uniform([4], minval=2.0, maxval=3.0))
    (u,) = ort_run(unseeded, [])
    assert u.shape == (4,) and ((u >= 2) & (u < 3)).all()
