"""Export a fitted pipeline to one (quantized) ONNX graph, and run it without torch.

``OnnxPipeline`` imports neither torch nor skl2onnx; ``to_onnx`` and the converters load
them when called.
"""

from ._metadata import read_metadata
from ._runtime import OnnxPipeline

__all__ = [
    "ExportError",
    "check_calibration",
    "OnnxPipeline",
    "quantize_onnx",
    "read_metadata",
    "register_converters",
    "to_onnx",
]


def __getattr__(name):
    if name in ("to_onnx", "ExportError", "check_calibration"):
        from . import _convert

        return getattr(_convert, name)
    if name == "register_converters":
        from ._converters import register_converters

        return register_converters
    if name == "quantize_onnx":
        from ._quantize import quantize_onnx

        return quantize_onnx
    raise AttributeError(f"module 'skser.export' has no attribute {name!r}")
