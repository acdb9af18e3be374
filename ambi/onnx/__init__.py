"""ONNX in and out (the optional extra ``ambi[onnx]``).

``am.onnx.export(fn, *args, path=...)`` writes a traced program as an ONNX model;
``am.onnx.load(path)`` returns a callable that runs an ONNX model with ambi's ops, eagerly
or as a graph at any ``-O``, on any device. See ``docs/onnx.md``.
"""
from ..errors import AmbiError


class MissingDependency(AmbiError, ImportError):
    """onnx is not installed."""

    anchor = "ambierror"


def require():
    """The ``onnx`` module, or an error that says how to install it."""
    try:
        import onnx
    except ImportError:
        raise MissingDependency("ONNX support needs the onnx package: "
                                "pip install 'ambi[onnx]'", loc=None) from None
    return onnx


from .exporter import export  # noqa: E402,F401
from .importer import OnnxModel, load  # noqa: E402,F401
