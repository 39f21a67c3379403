"""The task a model does, decided once: emotion classes, or dimensions (arousal, valence...).

Every place that treats classifiers and dimensional models differently (reports, voice
notes, export, the command line) asks :func:`task_of` once and reads the answer off the
returned :class:`Task`, instead of guessing from a model's attributes. Torch-free, and
scikit-learn-free for an :class:`~skser.export.OnnxPipeline` (the deployment install).
"""

from dataclasses import dataclass

__all__ = ["CATEGORICAL", "DIMENSIONAL", "TASKS", "Task", "task_of"]


@dataclass(frozen=True)
class Task:
    """What a kind of model predicts, and the method that gives its scores.

    Parameters
    ----------
    name : {"categorical", "dimensional"}
        The task's name, as ``OnnxPipeline.task`` and ``--task`` spell it.
    method : {"predict_proba", "predict"}
        The model method whose output is averaged over views, windows or heads: class
        probabilities, or the dimensions' values.
    """

    name: str
    method: str

    @property
    def is_dimensional(self):
        """Whether the model predicts dimensions' values rather than classes."""
        return self.name == "dimensional"

    def __str__(self):
        return self.name


CATEGORICAL = Task("categorical", "predict_proba")
DIMENSIONAL = Task("dimensional", "predict")
TASKS = {task.name: task for task in (CATEGORICAL, DIMENSIONAL)}


def task_of(model):
    """The :class:`Task` of a model: a fitted or unfitted estimator, pipeline or OnnxPipeline.

    An object with a ``task`` attribute (``OnnxPipeline``) says it; otherwise scikit-learn's
    tags decide (:func:`sklearn.base.is_regressor`; a ``Pipeline`` takes its final step's).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression, Ridge
    >>> task_of(LogisticRegression()).name, task_of(Ridge()).name
    ('categorical', 'dimensional')
    >>> from types import SimpleNamespace
    >>> task_of(SimpleNamespace(task="dimensional")) is DIMENSIONAL
    True
    """
    name = getattr(model, "task", None)
    if isinstance(name, str):
        try:
            return TASKS[name]
        except KeyError:
            raise ValueError(f"unknown task {name!r}: expected one of {sorted(TASKS)}") from None
    from sklearn.base import is_regressor

    return DIMENSIONAL if is_regressor(model) else CATEGORICAL
