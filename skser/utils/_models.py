"""What a fitted model predicts, read off the model (a pipeline or an OnnxPipeline)."""

from ._task import task_of

__all__ = ["model_dimensions"]


def model_dimensions(model):
    """The dimensions a model predicts, or None for a classifier.

    The model's task (:func:`skser.utils.task_of`) decides: a dimensional model's
    dimensions are the ``target_names_`` it (or a pipeline's final step) names
    (``CCCLossRegressor``, an ``OnnxPipeline`` whose task is dimensional); a classifier,
    or a regressor that names no dimensions, gives None.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> model_dimensions(SimpleNamespace(task="dimensional", target_names_=["arousal"]))
    array(['arousal'], dtype='<U7')
    >>> model_dimensions(SimpleNamespace(classes_=["ang", "neu"])) is None
    True
    """
    task = task_of(model)
    return task.output_names(model) if task.is_dimensional else None
