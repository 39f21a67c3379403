"""8-bit quantisation of an exported pipeline with onnxruntime."""

import os
import tempfile

import numpy as np

__all__ = ["quantize_onnx", "DEFAULT_INT8"]

# Chosen by benchmarks/bench_export.py; see quantize_onnx.
DEFAULT_INT8 = "int8-dynamic"
# Steps whose weights are worth 8 bits. The weight-free embedder and the trimmer are
# signal processing (power spectra span 100 dB): they stay float.
_QUANTIZED_STEPS = ("DistilHuBERTEmbedder_", "FocalLossClassifier_")
_QUANTIZED_OPS = {"MatMul", "Conv", "Gemm"}


def quantizable_nodes(model):
    """Names of the nodes worth quantising: the encoder's and the head's MatMul/Conv/Gemm."""
    return [
        node.name
        for node in model.graph.node
        if node.op_type in _QUANTIZED_OPS and node.name.startswith(_QUANTIZED_STEPS)
    ]


class _Calibration:
    """onnxruntime's CalibrationDataReader over real clips, a few at a time."""

    def __init__(self, clips, input_name, batch_size=4):
        from ..io._waveform import as_batch, clip_lengths

        X = as_batch(clips)
        order = np.argsort(clip_lengths(X))
        self._batches = iter(
            [
                {input_name: X[rows][:, : max(1, int(clip_lengths(X[rows]).max()))]}
                for rows in np.array_split(order, max(1, len(order) // batch_size))
            ]
        )

    def get_next(self):
        return next(self._batches, None)


def quantize_onnx(model, mode="int8", *, calibration=None, input_name="waveforms"):
    """Quantise an exported pipeline's encoder and head weights to 8 bits.

    Only the MatMul, Conv and Gemm nodes of the DistilHuBERT encoder and of the
    FocalLossClassifier head are quantised; signal processing stays float.

    - ``"int8-dynamic"``: weights as unsigned 8-bit (QUInt8), activations quantised on
      the fly. QUInt8 weights: on this CPU, signed weights on the convolutions ran 2.5x
      slower.
    - ``"int8-static"``: QDQ format, weights signed per channel, activations with ranges
      calibrated on ``calibration`` (real clips).
    - ``"int8"``: the default of the two, chosen by measurement
      (``benchmarks/bench_export.py``): ``DEFAULT_INT8``.

    Parameters
    ----------
    model : onnx.ModelProto
        From :func:`skser.export.to_onnx` (unquantised).
    mode : {"int8", "int8-dynamic", "int8-static"}, default="int8"
    calibration : array-like or list of 1-D arrays, optional
        Clips for static calibration.
    input_name : str, default="waveforms"
        The model's input.

    Returns
    -------
    model : onnx.ModelProto
    mode : str
        The mode applied (``"int8"`` resolved).
    """
    import onnx
    from onnxruntime.quantization import (
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    mode = DEFAULT_INT8 if mode == "int8" else mode
    nodes = quantizable_nodes(model)
    if not nodes:
        raise ValueError(
            "nothing to quantise: 8-bit export applies to the DistilHuBERTEmbedder and "
            "FocalLossClassifier steps, and this pipeline has neither"
        )
    if mode == "int8-static" and calibration is None:
        raise ValueError("quantize='int8-static' needs calibration clips (calibration=...)")
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "model.onnx")
        target = os.path.join(folder, "model.int8.onnx")
        onnx.save(model, source)
        common = dict(nodes_to_quantize=nodes, op_types_to_quantize=sorted(_QUANTIZED_OPS))
        if mode == "int8-dynamic":
            quantize_dynamic(source, target, weight_type=QuantType.QUInt8, **common)
        elif mode == "int8-static":
            quantize_static(
                source, target, _Calibration(calibration, input_name),
                quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8, per_channel=True, **common,
            )
        else:
            raise ValueError(f"unknown quantisation mode {mode!r}")
        return onnx.load(target), mode
