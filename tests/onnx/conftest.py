"""ONNX tests need the optional extra: pip install 'ambi[onnx]' (onnx and onnxruntime)."""
import pytest

pytest.importorskip("onnx", reason="the ONNX tests need onnx: pip install 'ambi[onnx]'")
pytest.importorskip("onnxruntime",
                    reason="the ONNX tests need onnxruntime: pip install 'ambi[onnx]'")
