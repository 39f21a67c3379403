"""What a fitted model predicts, read off the model (a pipeline or an OnnxPipeline)."""

import numpy as np

__all__ = ["model_dimensions"]


def model_dimensions(model):
    """The dimensions a model predicts, or None for a classifier.

    A model is dimensional when it is an ``OnnxPipeline`` whose task is dimensional, or a
    fitted regressor that names its outputs in ``target_names_`` (``CCCLossRegressor``,
    or a ``Pipeline`` ending in one).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> model_dimensions(SimpleNamespace(task="dimensional", target_names_=["arousal"]))
    array(['arousal'], dtype='<U7')
    >>> model_dimensions(SimpleNamespace(classes_=["ang", "neu"])) is None
    True
    """
    if getattr(model, "task", None) == "dimensional":
        return np.asarray(model.target_names_)
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    names = getattr(final, "target_names_", None)
    if getattr(model, "classes_", None) is not None or names is None:
        return None
    return np.asarray(names)
