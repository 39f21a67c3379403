"""skl2onnx converters of the Wav2Small students: front end and network, spliced in."""

import io
import warnings

import numpy as np
import torch

__all__ = ["register_student_converters"]

FRONT_END_PREFIX = "Wav2SmallFrontEnd"


def _export(module, examples, input_names, output_names, dynamic_axes, opset):
    import onnx

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(), tuple(examples), buffer, input_names=input_names,
            output_names=output_names, dynamic_axes=dynamic_axes, opset_version=opset,
            do_constant_folding=True, dynamo=False,
        )
    return onnx.load_from_string(buffer.getvalue())


class _Probabilities(torch.nn.Module):
    """A classifier student's network ending in a softmax."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, logmel, n_frames):
        return torch.softmax(self.network(logmel, n_frames), dim=1)


def _splice_student(scope, operator, container, classifier):
    """Splice the float front end and the network; return the network's output name."""
    import copy

    from ..distillation import StudentFrontEndGraph
    from ._splice import splice_graph

    student = operator.raw_operator
    opset = container.target_opset
    front_end = StudentFrontEndGraph(copy.deepcopy(student.module_.front_end),
                                     student.min_samples)
    waveforms = 0.1 * torch.randn(2, 16000, generator=torch.Generator().manual_seed(0))
    model = _export(front_end, [waveforms], ["waveforms"], ["logmel", "n_frames"],
                    {"waveforms": {0: "n", 1: "width"}, "logmel": {0: "n", 2: "frames"},
                     "n_frames": {0: "n"}}, opset)
    logmel, n_frames = splice_graph(scope, container, model, [operator.inputs[0].onnx_name],
                                    FRONT_END_PREFIX, "w2sf")
    network = copy.deepcopy(student.module_.network).eval()
    if classifier:
        network = _Probabilities(network)
    with torch.no_grad():
        example = front_end(waveforms)
    model = _export(network, list(example), ["logmel", "n_frames"], ["output"],
                    {"logmel": {0: "n", 2: "frames"}, "n_frames": {0: "n"},
                     "output": {0: "n"}}, opset)
    prefix = type(student).__name__
    (output,) = splice_graph(scope, container, model, [logmel, n_frames], prefix, "w2s")
    return output, prefix


def _convert_classifier(scope, operator, container):
    probabilities, prefix = _splice_student(scope, operator, container, classifier=True)
    label_output, probability_output = operator.outputs[0], operator.outputs[1]
    container.add_node("Identity", [probabilities], [probability_output.onnx_name],
                       name=scope.get_unique_operator_name(f"{prefix}/probabilities"))
    best = scope.get_unique_variable_name("best_class")
    container.add_node("ArgMax", [probabilities], [best], axis=1, keepdims=0,
                       name=scope.get_unique_operator_name(f"{prefix}/argmax"))
    classes = np.asarray(operator.raw_operator.classes_)
    if classes.dtype.kind in "iub":
        values, tensor_type = classes.astype(np.int64), 7  # INT64
    else:
        values, tensor_type = np.asarray([str(c) for c in classes], dtype=object), 8  # STRING
    names = scope.get_unique_variable_name("classes")
    container.add_initializer(names, tensor_type, [len(values)], values.tolist())
    container.add_node("Gather", [names, best], [label_output.onnx_name], axis=0,
                       name=scope.get_unique_operator_name(f"{prefix}/label"))


def _convert_regressor(scope, operator, container):
    values, prefix = _splice_student(scope, operator, container, classifier=False)
    container.add_node("Identity", [values], [operator.outputs[0].onnx_name],
                       name=scope.get_unique_operator_name(f"{prefix}/values"))


def _classifier_shape(operator):
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes

    calculate_linear_classifier_output_shapes(operator)


def _regressor_shape(operator):
    from skl2onnx.common.data_types import FloatTensorType

    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = FloatTensorType([n, operator.raw_operator.n_outputs_])


def register_student_converters(options):
    """Register the Wav2Small students' converters (:func:`register_converters` calls it).

    Each student becomes two spliced torch graphs: the front end (per-clip
    normalization, STFT convolution, log-mel; lengths from the padding, in the graph;
    node names ``Wav2SmallFrontEnd_*``, kept in float by quantization) and the network
    (node names after the student's class, whose convolutions and linear layers int8
    quantizes). A classifier ends in ``label`` and ``probabilities``; a regressor in one
    ``[N, n_outputs]`` output.
    """
    from skl2onnx import update_registered_converter

    from ..distillation import Wav2SmallClassifier, Wav2SmallRegressor

    update_registered_converter(Wav2SmallClassifier, "SkserWav2SmallClassifier",
                                _classifier_shape, _convert_classifier, overwrite=True,
                                options=options)
    update_registered_converter(Wav2SmallRegressor, "SkserWav2SmallRegressor",
                                _regressor_shape, _convert_regressor, overwrite=True)
