"""Export of dimensional (arousal, valence, dominance) heads: one ``avd`` output."""

import json

import numpy as np

__all__ = ["dimensional_outputs", "register_regression_converters"]

AVD = ("arousal", "valence", "dominance")


def output_names(final):
    """The names of a fitted regressor's outputs (``target_names_``, else A/V/D or y0...)."""
    names = getattr(final, "target_names_", None)
    n_outputs = getattr(final, "n_outputs_", None)
    if n_outputs is None:
        coef = getattr(final, "coef_", None)
        n_outputs = 1 if coef is None or np.ndim(coef) < 2 else np.shape(coef)[0]
    if names is None:
        names = AVD if n_outputs == len(AVD) else [f"y{i}" for i in range(n_outputs)]
    return [str(name) for name in names]


def dimensional_outputs(final):
    """``(output name, metadata)`` of a regression pipeline's graph.

    The output is ``"avd"`` ``[N, 3]`` when the dimensions are arousal, valence and
    dominance, else ``"predictions"`` ``[N, n_outputs]``; the metadata records the task
    and the dimensions' names in column order.
    """
    names = output_names(final)
    output = "avd" if tuple(names) == AVD else "predictions"
    return output, {"task": "dimensional", "targets": json.dumps(names), "output": output}


def _regressor_shape(operator):
    from skl2onnx.common.data_types import FloatTensorType

    n_outputs = operator.raw_operator.n_outputs_
    operator.outputs[0].type = FloatTensorType([operator.inputs[0].get_first_dimension(),
                                                n_outputs])


def _convert_ccc_loss_regressor(scope, operator, container):
    import torch

    from ._graphs import torch_to_onnx
    from ._splice import splice_graph

    regressor = operator.raw_operator
    example = torch.zeros(2, regressor.n_features_in_)
    model = torch_to_onnx(regressor.module_, example, input_name="features",
                          output_name="predictions", opset=container.target_opset)
    prefix = type(regressor).__name__
    (predictions,) = splice_graph(
        scope, container, model, [operator.inputs[0].onnx_name], prefix, "head"
    )
    container.add_node("Identity", [predictions], [operator.outputs[0].onnx_name],
                       name=scope.get_unique_operator_name(f"{prefix}/output"))


def register_regression_converters():
    """Register the ``CCCLossRegressor`` converter: its head's torch module, spliced in."""
    from skl2onnx import update_registered_converter

    from ..regression import CCCLossRegressor

    update_registered_converter(
        CCCLossRegressor, "SkserCCCLossRegressor", _regressor_shape,
        _convert_ccc_loss_regressor, overwrite=True,
    )
