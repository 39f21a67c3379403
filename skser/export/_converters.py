"""skl2onnx shape calculators and converters for every skser estimator."""

import logging

import numpy as np

__all__ = ["register_converters"]

logger = logging.getLogger("skser.export")

OPSET = 17
_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [True, False]}


def _ops():
    from skl2onnx.algebra import onnx_ops

    return onnx_ops


# -- shape calculators -----------------------------------------------------------------


def _batch_dimension(operator):
    return operator.inputs[0].get_first_dimension()


def _waveform_shape(operator):
    from skl2onnx.common.data_types import FloatTensorType

    operator.outputs[0].type = FloatTensorType([_batch_dimension(operator), None])


def _fixed_duration_shape(operator):
    from skl2onnx.common.data_types import FloatTensorType

    width = operator.raw_operator.n_samples_out
    operator.outputs[0].type = FloatTensorType([_batch_dimension(operator), width])


def _embedding_shape(operator):
    from skl2onnx.common.data_types import FloatTensorType

    n_features = len(operator.raw_operator.feature_names_out_)
    operator.outputs[0].type = FloatTensorType([_batch_dimension(operator), n_features])


def _classifier_shape(operator):
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes

    calculate_linear_classifier_output_shapes(operator)


# -- native ONNX pieces ----------------------------------------------------------------


def _valid_mask(X, opv):
    """A float mask ``(n, width)``: 1 before each clip's last non-zero sample + 1."""
    ops = _ops()
    width = ops.OnnxGather(ops.OnnxShape(X, op_version=opv), np.array(1, dtype=np.int64),
                           op_version=opv)
    positions = ops.OnnxCast(
        ops.OnnxRange(np.array(0, dtype=np.int64), width, np.array(1, dtype=np.int64),
                      op_version=opv),
        to=1, op_version=opv,
    )
    nonzero = ops.OnnxCast(ops.OnnxNot(ops.OnnxEqual(X, np.array([0], dtype=np.float32),
                                                     op_version=opv), op_version=opv),
                           to=1, op_version=opv)
    after = ops.OnnxAdd(positions, np.array([1], dtype=np.float32), op_version=opv)
    lengths = ops.OnnxReduceMax(ops.OnnxMul(nonzero, after, op_version=opv), axes=[1],
                                keepdims=1, op_version=opv)
    return ops.OnnxCast(ops.OnnxLess(positions, lengths, op_version=opv), to=1, op_version=opv)


def _convert_preemphasis(scope, operator, container):
    ops, opv = _ops(), container.target_opset
    X = operator.inputs[0]
    coef = np.array([operator.raw_operator.coef], dtype=np.float32)
    one = np.array([1], dtype=np.int64)
    axis = np.array([1], dtype=np.int64)
    first = ops.OnnxSlice(X, np.array([0], dtype=np.int64), one, axis, op_version=opv)
    zero_column = ops.OnnxMul(first, np.array([0], dtype=np.float32), op_version=opv)
    previous = ops.OnnxConcat(
        zero_column,
        ops.OnnxSlice(X, np.array([0], dtype=np.int64), np.array([-1], dtype=np.int64), axis,
                      op_version=opv),
        axis=1, op_version=opv,
    )
    emphasised = ops.OnnxSub(X, ops.OnnxMul(previous, coef, op_version=opv), op_version=opv)
    result = ops.OnnxMul(emphasised, _valid_mask(X, opv), op_version=opv,
                         output_names=operator.outputs[:1])
    result.add_to(scope, container)


def _convert_peak_normalizer(scope, operator, container):
    ops, opv = _ops(), container.target_opset
    X = operator.inputs[0]
    peak = ops.OnnxReduceMax(ops.OnnxAbs(X, op_version=opv), axes=[1], keepdims=1,
                             op_version=opv)
    from ..utils import SMALLEST_NORMAL

    target = np.array([operator.raw_operator.peak], dtype=np.float32)
    smallest = np.array([SMALLEST_NORMAL], dtype=np.float32)
    safe = ops.OnnxMax(peak, smallest, op_version=opv)
    gain = ops.OnnxWhere(
        ops.OnnxNot(ops.OnnxLess(peak, smallest, op_version=opv), op_version=opv),
        ops.OnnxDiv(target, safe, op_version=opv),
        np.array([0], dtype=np.float32),
        op_version=opv,
    )
    ops.OnnxMul(X, gain, op_version=opv, output_names=operator.outputs[:1]).add_to(
        scope, container
    )


def _convert_fixed_duration(scope, operator, container):
    ops, opv = _ops(), container.target_opset
    width = operator.raw_operator.n_samples_out
    padded = ops.OnnxPad(operator.inputs[0], np.array([0, 0, 0, width], dtype=np.int64),
                         np.array(0, dtype=np.float32), op_version=opv)
    ops.OnnxSlice(
        padded, np.array([0], dtype=np.int64), np.array([width], dtype=np.int64),
        np.array([1], dtype=np.int64), op_version=opv, output_names=operator.outputs[:1],
    ).add_to(scope, container)


def _convert_identity(scope, operator, container):
    ops, opv = _ops(), container.target_opset
    logger.info(
        "%s is the identity at inference: exported as Identity",
        type(operator.raw_operator).__name__,
    )
    ops.OnnxIdentity(operator.inputs[0], op_version=opv,
                     output_names=operator.outputs[:1]).add_to(scope, container)


# -- torch parts, exported and spliced -------------------------------------------------


_TAGS = {
    "Trimmer": "trim",
    "AcousticEmbedder": "acoustic",
    "DistilHuBERTEmbedder": "hubert",
    "SSLEmbedder": "ssl",
    "FocalLossClassifier": "head",
}


def _splice_torch(scope, operator, container, module, example, prefix):
    from ._graphs import torch_to_onnx
    from ._splice import splice_graph

    model = torch_to_onnx(module, example, input_name="input", output_name="output",
                          opset=container.target_opset)
    (output,) = splice_graph(
        scope, container, model, [operator.inputs[0].onnx_name], prefix, _TAGS[prefix]
    )
    container.add_node("Identity", [output], [operator.outputs[0].onnx_name],
                       name=scope.get_unique_operator_name(f"{prefix}/output"))


def _example_waveforms(min_samples):
    import torch

    generator = torch.Generator().manual_seed(0)
    return 0.1 * torch.randn(2, max(16000, 2 * min_samples), generator=generator)


def _convert_trimmer(scope, operator, container):
    from ._graphs import TrimGraph

    trimmer = operator.raw_operator
    module = TrimGraph(trimmer.top_db, trimmer.frame_length, trimmer.hop_length,
                       trimmer.noise_margin_db)
    _splice_torch(scope, operator, container, module, _example_waveforms(400), "Trimmer")


def _convert_embedder(scope, operator, container):
    from ._graphs import EmbedderGraph

    embedder = operator.raw_operator
    module = EmbedderGraph(embedder.module_, embedder.min_samples)
    example = _example_waveforms(embedder.min_samples)
    _splice_torch(scope, operator, container, module, example, type(embedder).__name__)


def _convert_focal_loss_classifier(scope, operator, container):
    import torch

    from ._graphs import ClassifierGraph, torch_to_onnx
    from ._splice import splice_graph

    classifier = operator.raw_operator
    example = torch.zeros(2, classifier.n_features_in_)
    model = torch_to_onnx(ClassifierGraph(classifier.module_), example, input_name="features",
                          output_name="probabilities", opset=container.target_opset)
    prefix = type(classifier).__name__
    (probabilities,) = splice_graph(
        scope, container, model, [operator.inputs[0].onnx_name], prefix, _TAGS[prefix]
    )
    label_output, probability_output = operator.outputs[0], operator.outputs[1]
    container.add_node("Identity", [probabilities], [probability_output.onnx_name],
                       name=scope.get_unique_operator_name(f"{prefix}/probabilities"))
    best = scope.get_unique_variable_name("best_class")
    container.add_node("ArgMax", [probabilities], [best], axis=1, keepdims=0,
                       name=scope.get_unique_operator_name(f"{prefix}/argmax"))
    classes = np.asarray(classifier.classes_)
    if classes.dtype.kind in "iub":
        values, tensor_type = classes.astype(np.int64), 7  # INT64
    else:
        values, tensor_type = np.asarray([str(c) for c in classes], dtype=object), 8  # STRING
    names = scope.get_unique_variable_name("classes")
    container.add_initializer(names, tensor_type, [len(values)], values.tolist())
    container.add_node("Gather", [names, best], [label_output.onnx_name], axis=0,
                       name=scope.get_unique_operator_name(f"{prefix}/label"))


# -- registration ----------------------------------------------------------------------


def register_converters():
    """Register skl2onnx shape calculators and converters for every skser estimator.

    Read more in the :ref:`User Guide <export>`.

    Safe to call more than once. :func:`to_onnx` calls it.

    - ``PreEmphasis``, ``PeakNormalizer``, ``FixedDuration``: native ONNX operators.
    - ``Trimmer``, ``AcousticEmbedder``, ``DistilHuBERTEmbedder``, ``SSLEmbedder`` (every
      architecture: wav2vec2, HuBERT, WavLM, data2vec-audio, the Whisper encoder): their
      torch computation,
      exported with ``torch.onnx.export`` (opset 17) and spliced in; lengths come from the
      padding inside the graph.
    - ``FocalLossClassifier``: its head's softmax, then the label of the argmax.
    - ``WaveformAugmenter``: the identity at inference (an ``Identity`` node).
    - ``SpeakerNormalizer``: ``Sub`` and ``Div`` by the optional inputs ``speaker_mean``
      and ``speaker_scale`` (see :mod:`skser.export._speaker`).
    - ``Wav2SmallClassifier``, ``Wav2SmallRegressor``: front end and network, spliced
      (see :func:`skser.export._distillation.register_student_converters`).
    - ``CCCLossRegressor``: its head, giving arousal, valence and dominance.
    """
    from skl2onnx import update_registered_converter

    from ..classification import FocalLossClassifier
    from ..embedding import AcousticEmbedder, DistilHuBERTEmbedder, SSLEmbedder
    from ..preprocessing import (
        FixedDuration,
        PeakNormalizer,
        PreEmphasis,
        SpeakerNormalizer,
        Trimmer,
        WaveformAugmenter,
    )
    from ._speaker import convert_speaker_normalizer, speaker_normalizer_shape

    table = [
        (PreEmphasis, _waveform_shape, _convert_preemphasis, None),
        (PeakNormalizer, _waveform_shape, _convert_peak_normalizer, None),
        (FixedDuration, _fixed_duration_shape, _convert_fixed_duration, None),
        (WaveformAugmenter, _waveform_shape, _convert_identity, None),
        (Trimmer, _waveform_shape, _convert_trimmer, None),
        (AcousticEmbedder, _embedding_shape, _convert_embedder, None),
        (DistilHuBERTEmbedder, _embedding_shape, _convert_embedder, None),
        (SSLEmbedder, _embedding_shape, _convert_embedder, None),
        (FocalLossClassifier, _classifier_shape, _convert_focal_loss_classifier,
         _CLASSIFIER_OPTIONS),
        (SpeakerNormalizer, speaker_normalizer_shape, convert_speaker_normalizer, None),
    ]
    for estimator, shape, converter, options in table:
        update_registered_converter(
            estimator, f"Skser{estimator.__name__}", shape, converter, overwrite=True,
            options=options,
        )
    from ._distillation import register_student_converters

    register_student_converters(_CLASSIFIER_OPTIONS)
    from ._regression import register_regression_converters

    register_regression_converters()
