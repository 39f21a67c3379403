"""The ``CCCLossRegressor`` converter: its head's torch module, spliced in.

The graph's output and metadata of a dimensional model are its head's
(:mod:`skser.export._heads`).
"""

__all__ = ["register_regression_converters"]


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
