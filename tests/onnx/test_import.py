"""am.onnx.load: exported programs come back with the same results (round trip), and a
malformed, hostile or unsupported file gets a LoadError that says why."""
import onnx_required  # noqa: F401,I001  (skips this module without the [onnx] extra)
import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from onnx import TensorProto, helper

import ambi as am
from ambi.errors import LoadError
from ambi.testing import strategies as ams

from onnx_oracle import assert_close, leaves

ROUND_TRIPS = settings(max_examples=settings.default.max_examples * 2,
                       suppress_health_check=[HealthCheck.too_slow,
                                              HealthCheck.data_too_large])


@ROUND_TRIPS
@given(program=ams.programs())
def test_export_then_load_gives_the_same_results(program, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("rt") / "p.onnx")
    ref = leaves(program.fn(*[am.constant(x) for x in program.inputs]))
    am.onnx.export(program.fn, *program.inputs, path=path)
    model = am.onnx.load(path)
    for run in (model.run_eagerly, model.function(optimize=0), model):
        got = run(*program.inputs)
        got = leaves(got if isinstance(got, tuple) else (got,))
        assert_close(ref, got, program.k_terms, repr(program))


def _save(model, tmp_path, name="m.onnx"):
    path = tmp_path / name
    path.write_bytes(model.SerializeToString() if hasattr(model, "SerializeToString")
                     else model)
    return str(path)


def _model(nodes, inputs, outputs, inits=(), opset=18):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def _info(name, code=TensorProto.FLOAT, shape=(2,)):
    return helper.make_tensor_value_info(name, code, list(shape))


def test_garbage_and_truncated_files_get_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="not an ONNX model|not a valid ONNX"):
        am.onnx.load(_save(b"\x08\x07\xff\xff\xff\xff garbage", tmp_path))
    good = am.onnx.export(lambda x: x * 2, np.float32([1, 2])).SerializeToString()
    with pytest.raises(LoadError):
        am.onnx.load(_save(good[: len(good) // 2], tmp_path))
    with pytest.raises(LoadError, match="cannot read"):
        am.onnx.load(str(tmp_path / "missing.onnx"))


def test_huge_declared_tensors_are_refused_before_allocating(tmp_path):
    huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20],
                       raw_data=b"\0" * 8)
    m = _model([helper.make_node("Add", ["x", "w"], ["y"])], [_info("x")], [_info("y")],
               [huge])
    with pytest.raises(LoadError, match="limit|too small"):  # onnx's checker or ours
        am.onnx.load(_save(m.SerializeToString(), tmp_path))
    shape = helper.make_tensor("s", TensorProto.INT64, [2], [1 << 30, 1 << 30])
    m = _model([helper.make_node("ConstantOfShape", ["s"], ["y"])], [], [_info("y")],
               [shape])
    with pytest.raises(LoadError, match="limit"):
        am.onnx.load(_save(m, tmp_path))()


def test_unsupported_ops_and_dtypes_are_named(tmp_path):
    m = _model([helper.make_node("NonZero", ["x"], ["y"])], [_info("x")], [_info("y")])
    with pytest.raises(LoadError, match="'NonZero' is not supported"):
        am.onnx.load(_save(m, tmp_path))
    m = _model([helper.make_node("Relu", ["x"], ["y"])], [_info("x", TensorProto.FLOAT16)],
               [_info("y", TensorProto.FLOAT16)])
    with pytest.raises(LoadError, match="no float16 dtype.*unsigned"):
        am.onnx.load(_save(m, tmp_path))
    m = _model([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.UINT8)], [_info("x")],
               [_info("y", TensorProto.UINT8)])
    with pytest.raises(LoadError, match="uint8"):
        am.onnx.load(_save(m, tmp_path))
    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], dilations=[2, 2])],
               [_info("x", shape=(1, 1, 5, 5)), _info("w", shape=(1, 1, 2, 2))],
               [_info("y", shape=(1, 1, 3, 3))])
    with pytest.raises(LoadError, match="dilations"):
        am.onnx.load(_save(m, tmp_path))(np.ones((1, 1, 5, 5), np.float32),
                                          np.ones((1, 1, 2, 2), np.float32))


def test_a_model_built_with_onnx_helper_matches_onnxruntime(tmp_path):
    from onnx_oracle import ort_run
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    fc = rng.normal(size=(4, 5)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2]),
             helper.make_node("GlobalAveragePool", ["p"], ["g"]),
             helper.make_node("Flatten", ["g"], ["f"]),
             helper.make_node("Gemm", ["f", "fc"], ["y"]),
             helper.make_node("Softmax", ["y"], ["s"])]
    inits = [onnx.numpy_helper.from_array(w, "w"), onnx.numpy_helper.from_array(fc, "fc")]
    m = _model(nodes, [_info("x", shape=(2, 3, 8, 8))], [_info("s", shape=(2, 5))], inits)
    x = rng.normal(size=(2, 3, 8, 8)).astype(np.float32)
    path = _save(m, tmp_path)
    model = am.onnx.load(path)
    assert_close(ort_run(m, [x]), [model(x).numpy()], k_terms=27)


def test_huge_pads_are_refused(tmp_path):
    pads = helper.make_tensor("p", TensorProto.INT64, [2], [0, 1 << 40])
    m = _model([helper.make_node("Pad", ["x", "p"], ["y"])], [_info("x")], [_info("y")],
               [pads])
    with pytest.raises(LoadError, match="limit"):
        am.onnx.load(_save(m, tmp_path))(np.float32([1, 2]))
