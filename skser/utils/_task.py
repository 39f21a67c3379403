"""The task a model does, decided once: emotion classes, or dimensions (arousal, valence...).

Every place that treats classifiers and dimensional models differently (reports, voice
notes, export, the command line) asks :func:`task_of` once and reads the answer off the
returned :class:`Task`, instead of guessing from a model's attributes. Torch-free, and
scikit-learn-free for an :class:`~skser.export.OnnxPipeline` (the deployment install).
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["CATEGORICAL", "DIMENSIONAL", "TASKS", "Task", "task_of"]

AVD = ("arousal", "valence", "dominance")
"""tuple of str: The dimensions of a three-output dimensional model, in column order."""


@dataclass(frozen=True)
class Task:
    """What a kind of model predicts, and how skser reads, averages and exports it.

    Parameters
    ----------
    name : {"categorical", "dimensional"}
        The task's name, as ``OnnxPipeline.task`` and ``--task`` spell it.
    method : {"predict_proba", "predict"}
        The model method whose output is averaged over views, windows or heads: class
        probabilities, or the dimensions' values.
    names_attribute : {"classes_", "target_names_"}
        The fitted attribute that names the columns of ``method``'s output.
    aggregations : tuple of str
        How the outputs of a voice note's windows may be averaged into the note's:
        ``"confidence"`` (weights from the entropy of probabilities) is categorical only.

    Examples
    --------
    >>> CATEGORICAL.method, DIMENSIONAL.method
    ('predict_proba', 'predict')
    >>> DIMENSIONAL.aggregations
    ('mean', 'duration')
    >>> DIMENSIONAL.graph_outputs(AVD), CATEGORICAL.graph_outputs(["ang", "sad"])
    (('avd',), ('label', 'probabilities'))
    """

    name: str
    method: str
    names_attribute: str
    aggregations: tuple

    @property
    def is_dimensional(self):
        """Whether the model predicts dimensions' values rather than classes."""
        return self.name == "dimensional"

    def output_names(self, model, n_outputs=None):
        """The names of the columns a model predicts: its classes, or its dimensions.

        Read from ``names_attribute`` of the model, or of a pipeline's final step. A
        dimensional model that names none (or names another number of columns than
        ``n_outputs``) gets arousal, valence and dominance for three outputs, else
        ``y0``, ``y1``, ...; with ``n_outputs`` None, it gets None, as an unfitted
        classifier does.

        Parameters
        ----------
        model : object
            An estimator, a pipeline or an ``OnnxPipeline``.
        n_outputs : int, optional
            The number of columns the caller knows the model predicts.

        Returns
        -------
        names : np.ndarray [shape=(n_outputs,)] or None

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> CATEGORICAL.output_names(SimpleNamespace(classes_=["ang", "sad"])).tolist()
        ['ang', 'sad']
        >>> DIMENSIONAL.output_names(SimpleNamespace(), n_outputs=3).tolist()
        ['arousal', 'valence', 'dominance']
        >>> DIMENSIONAL.output_names(SimpleNamespace(), n_outputs=2).tolist()
        ['y0', 'y1']
        """
        names = getattr(model, self.names_attribute, None)
        if names is None and hasattr(model, "steps"):  # a Pipeline: its final step's
            names = getattr(model.steps[-1][1], self.names_attribute, None)
        if names is not None and (n_outputs is None or len(names) == n_outputs):
            return np.asarray(names)
        if not self.is_dimensional or n_outputs is None:
            return None
        return np.asarray(AVD if n_outputs == len(AVD) else [f"y{i}" for i in range(n_outputs)])

    def graph_outputs(self, names):
        """The outputs of an exported ONNX graph of this task, by name.

        A classifier gives ``label`` and ``probabilities``; a dimensional model one
        ``[N, n_outputs]`` output, ``avd`` when its columns are arousal, valence and
        dominance, else ``predictions``.

        Parameters
        ----------
        names : sequence of str
            The model's output names (:meth:`output_names`).

        Returns
        -------
        outputs : tuple of str
        """
        if not self.is_dimensional:
            return ("label", "probabilities")
        return ("avd",) if tuple(str(name) for name in names) == AVD else ("predictions",)

    def __str__(self):
        return self.name


CATEGORICAL = Task("categorical", "predict_proba", "classes_", ("mean", "duration", "confidence"))
DIMENSIONAL = Task("dimensional", "predict", "target_names_", ("mean", "duration"))
TASKS = {task.name: task for task in (CATEGORICAL, DIMENSIONAL)}


def task_of(model):
    """The :class:`Task` of a model: a fitted or unfitted estimator, pipeline or OnnxPipeline.

    An object with a ``task`` attribute (``OnnxPipeline``) says it; otherwise scikit-learn's
    tags decide (:func:`sklearn.base.is_regressor`; a ``Pipeline`` takes its final step's).
    An object without scikit-learn's tags (a wrapper written by hand) is categorical when
    it has ``predict_proba``, else dimensional.

    Parameters
    ----------
    model : object

    Returns
    -------
    task : Task
        :data:`CATEGORICAL` or :data:`DIMENSIONAL`.

    Raises
    ------
    ValueError
        For a ``task`` attribute that names no task.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression, Ridge
    >>> task_of(LogisticRegression()).name, task_of(Ridge()).name
    ('categorical', 'dimensional')
    >>> from types import SimpleNamespace
    >>> task_of(SimpleNamespace(task="dimensional")) is DIMENSIONAL
    True
    >>> task_of(SimpleNamespace(predict_proba=len)) is CATEGORICAL
    True
    """
    name = getattr(model, "task", None)
    if isinstance(name, str):
        try:
            return TASKS[name]
        except KeyError:
            raise ValueError(f"unknown task {name!r}: expected one of {sorted(TASKS)}") from None
    if not hasattr(model, "__sklearn_tags__"):
        return CATEGORICAL if hasattr(model, "predict_proba") else DIMENSIONAL
    from sklearn.base import is_regressor

    return DIMENSIONAL if is_regressor(model) else CATEGORICAL
