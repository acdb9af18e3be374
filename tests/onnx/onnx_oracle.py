"""Run an ONNX model on onnxruntime, the independent oracle."""
import numpy as np
import onnxruntime as ort

import ambi as am
from ambi import tree

_OPTIONS = ort.SessionOptions()
_OPTIONS.intra_op_num_threads = 1
_OPTIONS.inter_op_num_threads = 1
_OPTIONS.log_severity_level = 3


def ort_run(model, inputs):
    """onnxruntime's outputs (numpy arrays) for ``inputs`` in the model's input order."""
    data = model if isinstance(model, (bytes, str)) else model.SerializeToString()
    session = ort.InferenceSession(data, _OPTIONS, providers=["CPUExecutionProvider"])
    feed = {i.name: np.asarray(x) for i, x in zip(session.get_inputs(), inputs)}
    return session.run(None, feed)


def leaves(result):
    """The tensors of a nested result as numpy arrays, in output order."""
    return [np.asarray(x.numpy()) for x in tree.flatten(result)[0]
            if isinstance(x, (am.Tensor, np.ndarray))]


def assert_close(refs, gots, k_terms=1, what=""):
    assert len(refs) == len(gots), f"{what}: {len(refs)} outputs, got {len(gots)}"
    for i, (ref, got) in enumerate(zip(refs, gots)):
        verdict = am.testing.compare(ref, got, k_terms=k_terms)
        assert verdict, f"{what}: output {i}: {verdict}"
