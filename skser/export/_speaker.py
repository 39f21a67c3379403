"""SpeakerNormalizer in ONNX: the speaker's statistics are optional inputs of the graph.

The exported graph standardises the embedding by two inputs, ``speaker_mean`` and
``speaker_scale`` (float32 ``[N or 1, n_features]``), whose default values are the global
training statistics (initializers of the same name, which ONNX Runtime lets a caller
override), and it also outputs the raw ``embeddings``: a device feeds an enrolled
speaker's statistics in one call, and :class:`OnnxPipeline` computes a speaker's
statistics from the ``embeddings`` of their clips.
"""

import json

import numpy as np

from ..exceptions import ExportError

__all__ = [
    "EMBEDDINGS",
    "SPEAKER_MEAN",
    "SPEAKER_SCALE",
    "convert_speaker_normalizer",
    "expose_speaker_inputs",
    "speaker_metadata",
    "speaker_normalizer_shape",
]

EMBEDDINGS, SPEAKER_MEAN, SPEAKER_SCALE = "embeddings", "speaker_mean", "speaker_scale"


def speaker_normalizer_shape(operator):
    from skl2onnx.common.data_types import FloatTensorType

    width = operator.raw_operator.n_features_in_
    operator.outputs[0].type = FloatTensorType([operator.inputs[0].get_first_dimension(), width])


def _fixed_name(scope, name):
    unique = scope.get_unique_variable_name(name)
    if unique != name:
        raise ExportError(
            f"the name {name!r} is taken: a pipeline can hold one SpeakerNormalizer only"
        )
    return unique


def convert_speaker_normalizer(scope, operator, container):
    """``(embeddings - speaker_mean) / speaker_scale``, both defaulting to the global ones."""
    normalizer = operator.raw_operator
    _fixed_name(scope, EMBEDDINGS)  # reserved: expose_speaker_inputs names the output
    width = normalizer.n_features_in_
    for name, values in ((SPEAKER_MEAN, normalizer.mean_), (SPEAKER_SCALE, normalizer.scale_)):
        container.add_initializer(_fixed_name(scope, name), 1, [1, width],
                                  np.asarray(values, dtype=np.float32).tolist())
    centred = scope.get_unique_variable_name("speaker_centred")
    container.add_node("Sub", [operator.inputs[0].onnx_name, SPEAKER_MEAN], [centred],
                       name=scope.get_unique_operator_name("SpeakerNormalizer/Sub"))
    container.add_node("Div", [centred, SPEAKER_SCALE], [operator.outputs[0].onnx_name],
                       name=scope.get_unique_operator_name("SpeakerNormalizer/Div"))


def expose_speaker_inputs(model):
    """Make the statistics overridable graph inputs and ``embeddings`` a graph output.

    Does nothing for a model without a SpeakerNormalizer. Returns the model.
    """
    from onnx import TensorProto, helper

    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    if SPEAKER_MEAN not in initializers:
        return model
    width = initializers[SPEAKER_MEAN].dims[-1]
    # The head reads the named embeddings, so it can be cut out and run on its own.
    (index,) = [i for i, node in enumerate(graph.node)
                if node.op_type == "Sub" and list(node.input[1:]) == [SPEAKER_MEAN]]
    subtract = graph.node[index]
    graph.node.insert(index, helper.make_node("Identity", [subtract.input[0]], [EMBEDDINGS],
                                              name="SpeakerNormalizer_embeddings"))
    subtract.input[0] = EMBEDDINGS
    for name in (SPEAKER_MEAN, SPEAKER_SCALE):
        graph.input.append(
            helper.make_tensor_value_info(name, TensorProto.FLOAT, ["speaker_rows", width])
        )
    graph.output.append(helper.make_tensor_value_info(EMBEDDINGS, TensorProto.FLOAT,
                                                      ["n", width]))
    return model


def speaker_metadata(steps):
    """The ``speaker_adaptation`` metadata value (JSON), or None without a normalizer."""
    from sklearn.pipeline import Pipeline

    from ..preprocessing import SpeakerNormalizer, speaker_feature_space

    normalizers = [step for _, step in steps if isinstance(step, SpeakerNormalizer)]
    if not normalizers:
        return None
    (normalizer,) = normalizers
    return json.dumps({
        "min_clips": int(normalizer.min_clips),
        "n_features": int(normalizer.n_features_in_),
        "feature_space": speaker_feature_space(Pipeline(steps)),
    })
