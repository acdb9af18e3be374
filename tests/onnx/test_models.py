"""Whole models: the PyTorch-exported models shipped in the onnx wheel's test data run
through ``am.onnx.load`` and match their stored outputs (and onnxruntime), and the
command line runs ONNX models both ways (``ambi graph --onnx``, ``ambi exec``)."""
import onnx_required  # noqa: F401,I001  (skips this module without the [onnx] extra)
import contextlib
import glob
import io
import os

import numpy as np
import onnx
import pytest

import ambi as am
from ambi.errors import LoadError
from ambi.cli import main

from onnx_oracle import assert_close, ort_run

DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
MODELS = sorted(glob.glob(os.path.join(DATA, "pytorch-*", "*")))
# what a shipped model may be refused for (docs/onnx.md): ops and attributes ambi lacks
REFUSALS = ("is not supported", "only 1-D and 2-D windows", "dilations other than 1")


def _data_sets(model_dir):
    for ds in sorted(glob.glob(os.path.join(model_dir, "test_data_set_*"))):
        read = [onnx.numpy_helper.to_array(onnx.load_tensor(f))
                for f in sorted(glob.glob(os.path.join(ds, "*.pb")))]
        n_in = len(glob.glob(os.path.join(ds, "input_*.pb")))
        yield read[:n_in], read[n_in:]


def _outcome(model_dir):
    try:
        model = am.onnx.load(os.path.join(model_dir, "model.onnx"))
        for inputs, outputs in _data_sets(model_dir):
            got = model(*inputs)
            got = got if isinstance(got, tuple) else (got,)
            for g, want in zip(got, outputs):
                np.testing.assert_allclose(g.numpy(), want, rtol=1e-3, atol=1e-5)
    except LoadError as e:
        assert any(r in e.message for r in REFUSALS), f"{model_dir}: {e.message}"
        return "refused"
    return "pass"


@pytest.mark.skipif(not MODELS, reason="this onnx wheel ships no PyTorch test models")
def test_pytorch_exported_models_from_the_onnx_wheel():
    outcomes = [_outcome(d) for d in MODELS]
    assert outcomes.count("pass") >= 90, (outcomes.count("pass"), len(outcomes))


# (onnxruntime runs only some of them: it has no kernels for the oldest opsets)
@pytest.mark.parametrize("name", ["test_Conv2d_groups", "test_Conv2d_depthwise_padded",
                                  "test_Conv1d_pad2", "test_Embedding", "test_PixelShuffle",
                                  "test_LogSoftmax", "test_Linear_no_bias", "test_Softplus",
                                  "test_operator_maxpool", "test_operator_repeat"])
def test_pytorch_models_match_onnxruntime(name):
    path = os.path.join(DATA, "pytorch-converted", name, "model.onnx")
    if not os.path.exists(path):
        path = os.path.join(DATA, "pytorch-operator", name, "model.onnx")
    if not os.path.exists(path):
        pytest.skip(f"{name} is not in this onnx wheel's test data")
    inputs, _ = next(_data_sets(os.path.dirname(path)))
    got = am.onnx.load(path)(*inputs)
    assert_close(ort_run(open(path, "rb").read(), inputs), [got.numpy()], k_terms=64)


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def test_ambi_graph_writes_onnx_and_ambi_exec_runs_it(tmp_path):
    script = tmp_path / "f.ambi"
    script.write_text("@graph fn f(x, y) { return matmul(x, y) * 2.0 + 1.0 }\n"
                      "print(f([[1.0, 2.0]], [[3.0], [4.0]]))\n")
    assert cli("graph", script, "--function", "f", "--onnx", tmp_path / "f.onnx")[0] == 0
    x, y = np.float32([[1.0, 2.0]]), np.float32([[3.0], [4.0]])
    assert_close([np.float32([[23.0]])], ort_run(str(tmp_path / "f.onnx"), [x, y]))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    code, out, err = cli("exec", tmp_path / "f.onnx", "--input", f"x={tmp_path / 'x.npy'}",
                         "--input", f"y={tmp_path / 'y.npy'}")
    assert (code, out, err) == (0, "[[23.]]\n", "")
    code, _, err = cli("exec", tmp_path / "f.onnx", "--input", f"x={tmp_path / 'x.npy'}")
    assert code == 2 and "missing --input y" in err


def test_ambi_exec_refuses_a_bad_model_with_exit_1(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    code, out, err = cli("exec", bad)
    assert code == 1 and out == "" and "error:" in err and "Traceback" not in err
