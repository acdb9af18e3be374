"""Imported first by every ONNX test module: without the optional extra (onnx and
onnxruntime) the module is skipped, saying what to install."""
import pytest

REASON = "the ONNX tests need onnx and onnxruntime: pip install 'ambi[onnx]'"
pytest.importorskip("onnx", reason=REASON)
pytest.importorskip("onnxruntime", reason=REASON)
