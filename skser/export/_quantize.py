"""8-bit quantization of an exported pipeline with onnxruntime."""

import os
import tempfile

import numpy as np

__all__ = ["quantize_onnx", "preprocess_for_quantization", "DEFAULT_INT8"]

# Chosen by benchmarks/bench_export.py: on an 8 s clip (2 threads, AVX-512 VNNI) static
# QDQ ran at 0.28-0.31 of torch fp32 and dynamic at 0.49-0.51, whose ConvInteger kernels
# are slow; on an AVX2 CPU without VNNI (int8 only 2x fp32: bench_int8_rate.py) static
# ran at 0.36-0.39 and dynamic at 0.49-0.58. See quantize_onnx.
DEFAULT_INT8 = "int8-static"
# Steps whose weights are worth 8 bits. The weight-free embedder and the trimmer are
# signal processing (power spectra span 100 dB): they stay float.
_QUANTIZED_STEPS = (
    "DistilHuBERTEmbedder_", "SSLEmbedder_", "FocalLossClassifier_", "Wav2SmallClassifier_",
    "Wav2SmallRegressor_", "CCCLossRegressor_",
)
_QUANTIZED_OPS = {"MatMul", "Conv", "Gemm"}
QUANT_FORMATS = ("qdq", "qoperator")


def preprocess_for_quantization(source, target):
    """onnxruntime's quantization pre-processing, as its quantizer recommends.

    ``onnxruntime.quantization.shape_inference.quant_pre_process``: ONNX shape inference
    and onnxruntime's basic graph optimisation (constant folding, redundant nodes). On the
    DistilHuBERT pipeline it folds the in-graph shape arithmetic (719 nodes to 446) and
    keeps every weight layer's name. Its symbolic shape inference is skipped: it cannot
    resolve the encoder's length-dependent shapes ("Incomplete symbolic shape inference").
    The result carries the metadata that stops the quantizer's "please consider
    pre-processing" warning.
    """
    from onnxruntime.quantization.shape_inference import quant_pre_process

    quant_pre_process(os.fspath(source), os.fspath(target), skip_symbolic_shape=True)


def _single_channel_convs(model):
    """Convolutions over one input channel: the first layer, on the waveform or log-mel.

    The encoder's first 1-D convolution reads the waveform; a Wav2Small student's first
    2-D convolution reads the log-mel, whose 8-bit rounding cost 15 times the error of
    all its other layers together (tests/test_distillation.py).
    """
    shapes = {tensor.name: list(tensor.dims) for tensor in model.graph.initializer}
    return {
        node.name
        for node in model.graph.node
        if node.op_type == "Conv" and len(node.input) > 1
        and len(shapes.get(node.input[1], [])) in (3, 4) and shapes[node.input[1]][1] == 1
    }


def quantizable_nodes(model):
    """Names of the nodes worth quantizing: the encoder's and the head's weight layers.

    MatMul, Conv and Gemm nodes of those steps whose weight is a constant: products of two
    activations (attention scores, the GroupNorm's frame averages) stay float. So does the
    first convolution (one input channel, on the waveform): it is a small share of the
    work, and quantizing it makes onnxruntime switch its output to a channels-last layout
    in which the GroupNorm after it reduces over a strided axis, which cost more than the
    int8 convolution saved.
    """
    constants = {tensor.name for tensor in model.graph.initializer}
    first = _single_channel_convs(model)
    return [
        node.name
        for node in model.graph.node
        if node.op_type in _QUANTIZED_OPS and node.name.startswith(_QUANTIZED_STEPS)
        and len(node.input) > 1 and node.input[1] in constants and node.name not in first
    ]


def integer_ops(model):
    """The nodes of ``model`` that compute in 8 bits (integer kernels or QDQ pairs)."""
    return [
        node.name for node in model.graph.node
        if "Integer" in node.op_type or "QLinear" in node.op_type
        or node.op_type in ("QuantizeLinear", "DynamicQuantizeLinear")
    ]


class _Calibration:
    """onnxruntime's CalibrationDataReader over real clips, a few at a time."""

    def __init__(self, clips, input_name, batch_size=4):
        from ..io import as_batch, clip_lengths

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


def quantize_onnx(model, mode="int8", *, calibration=None, input_name="waveforms",
                  quant_format="qdq", preprocess=True):
    """Quantize an exported pipeline's encoder and head weights to 8 bits.

    Read more in the :ref:`User Guide <export>`.

    Only the MatMul, Conv and Gemm nodes of the DistilHuBERT encoder and of the
    FocalLossClassifier head are quantized; signal processing stays float.

    - ``"int8-dynamic"``: weights as unsigned 8-bit (QUInt8), activations quantized on
      the fly. QUInt8 weights: on this CPU, signed weights on the convolutions ran 2.5x
      slower.
    - ``"int8-static"``: QDQ format, weights signed per channel, activations with ranges
      calibrated on ``calibration`` (real clips).
    - ``"int8"``: the default of the two, chosen by measurement
      (``benchmarks/bench_export.py``): static, ``DEFAULT_INT8``. onnxruntime fuses its
      QDQ pairs into QLinearConv and QLinearMatMul kernels; the dynamic mode's
      ConvInteger kernels were slower than the float convolutions they replace.

    Parameters
    ----------
    model : onnx.ModelProto
        From :func:`skser.export.to_onnx` (unquantized).
    mode : {"int8", "int8-dynamic", "int8-static"}, default="int8"
    calibration : array-like or list of 1-D arrays, optional
        Clips for static calibration.
    input_name : str, default="waveforms"
        The model's input.
    quant_format : {"qdq", "qoperator"}, default="qdq"
        Static int8 only: QuantizeLinear/DequantizeLinear pairs that onnxruntime fuses
        at load time, or its integer operators (QLinearConv, QLinearMatMul) written
        directly. ``benchmarks/bench_export.py`` times both.
    preprocess : bool, default=True
        Run :func:`preprocess_for_quantization` first.

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
    if quant_format not in QUANT_FORMATS:
        raise ValueError(f"quant_format must be one of {QUANT_FORMATS}, got {quant_format!r}")
    nodes = quantizable_nodes(model)
    if not nodes:
        raise ValueError(
            "nothing to quantize: 8-bit export applies to the DistilHuBERTEmbedder, "
            "FocalLossClassifier, CCCLossRegressor and Wav2Small student steps, and this "
            "pipeline has none"
        )
    if mode == "int8-static" and calibration is None:
        raise ValueError(
            "static int8 (quantize='int8' or 'int8-static') needs calibration clips: pass "
            "calibration= a few dozen real clips; quantize='int8-dynamic' needs none"
        )
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "model.onnx")
        target = os.path.join(folder, "model.int8.onnx")
        onnx.save(model, source)
        if preprocess:
            processed = os.path.join(folder, "model.pre.onnx")
            preprocess_for_quantization(source, processed)
            source = processed
            nodes = quantizable_nodes(onnx.load(source, load_external_data=False))
        common = dict(nodes_to_quantize=nodes, op_types_to_quantize=sorted(_QUANTIZED_OPS))
        if mode == "int8-dynamic":
            quantize_dynamic(source, target, weight_type=QuantType.QUInt8, **common)
        elif mode == "int8-static":
            quantize_static(
                source, target, _Calibration(calibration, input_name),
                quant_format=QuantFormat.QDQ if quant_format == "qdq" else QuantFormat.QOperator,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8, per_channel=True, **common,
            )
        else:
            raise ValueError(f"unknown quantization mode {mode!r}")
        quantized = onnx.load(target)
    if not integer_ops(quantized):
        # e.g. the weight-free pipeline in int8-dynamic: onnxruntime leaves its head float.
        raise ValueError(
            f"{mode} changes nothing in this pipeline: onnxruntime quantized none of its "
            f"{len(nodes)} weight layers, so the model would stay float under an int8 "
            "label; export it without quantization"
            + ("" if mode == "int8-static" else ", or try int8-static with calibration clips")
        )
    return quantized, mode
