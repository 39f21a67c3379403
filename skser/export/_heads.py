"""What each task's final step puts in the graph: its checks, outputs and metadata.

:func:`to_onnx` picks the head of the pipeline's task (:func:`skser.utils.task_of`) from
:data:`HEADS` instead of branching on the final step's attributes: a classifier ends in
``label`` and ``probabilities``, a dimensional model in one ``avd`` (or ``predictions``)
output named in the metadata.
"""

import json

import numpy as np

from ..exceptions import ExportError
from ..utils import CATEGORICAL, DIMENSIONAL

__all__ = ["HEADS"]


class _ClassifierHead:
    """A classifier (or a pipeline of transformers only): ``label`` and ``probabilities``."""

    task = CATEGORICAL

    @staticmethod
    def check(steps):
        """Refuse a classifier whose graph would call its decision scores probabilities."""
        from sklearn.base import is_classifier

        name, step = steps[-1]
        if is_classifier(step) and not hasattr(step, "predict_proba"):
            raise ExportError(
                f"the final step {name!r} ({type(step).__name__}) has no predict_proba, so "
                "the graph's 'probabilities' output would hold decision scores that are not "
                "probabilities; wrap it in sklearn.calibration.CalibratedClassifierCV (e.g. "
                "CalibratedClassifierCV(SVC(), ensemble=False)) or end with a classifier "
                "that has predict_proba"
            )

    @classmethod
    def conversion(cls, final):
        """skl2onnx's ``options`` and ``final_types``: probabilities as a tensor, no ZipMap."""
        classes = cls.task.output_names(final)
        return (None if classes is None else {id(final): {"zipmap": False}}), None

    @classmethod
    def metadata(cls, final):
        """The classes (null for a pipeline of transformers, whose output is features)."""
        classes = cls.task.output_names(final)
        return {
            "classes": json.dumps(None if classes is None else classes.tolist()),
            "output": "probabilities" if classes is not None else "features",
        }


class _DimensionalHead:
    """A regressor: one ``[N, n_outputs]`` output, the dimensions named in the metadata."""

    task = DIMENSIONAL

    @staticmethod
    def check(steps):
        """Refuse a speaker-adapted regressor: the runtime adapts classifiers only."""
        from ..preprocessing import SpeakerNormalizer

        name, final = steps[-1]
        if any(isinstance(step, SpeakerNormalizer) for _, step in steps):
            raise ExportError(
                f"step {name!r} ({type(final).__name__}) is speaker-adapted: OnnxPipeline "
                "adapts classifiers only, so a speaker-adapted dimensional model cannot be "
                "exported; use its joblib pipeline, or export a model trained without --adapt"
            )

    @classmethod
    def dimensions(cls, final):
        """The names of a fitted regressor's outputs (``target_names_``, else A/V/D or y0...)."""
        n_outputs = getattr(final, "n_outputs_", None)
        if n_outputs is None:
            coef = getattr(final, "coef_", None)
            n_outputs = 1 if coef is None or np.ndim(coef) < 2 else np.shape(coef)[0]
        return [str(name) for name in cls.task.output_names(final, n_outputs=n_outputs)]

    @classmethod
    def conversion(cls, final):
        """skl2onnx's ``options`` and ``final_types``: one named output of every dimension."""
        from skl2onnx.common.data_types import FloatTensorType

        names = cls.dimensions(final)
        (output,) = cls.task.graph_outputs(names)
        return None, [(output, FloatTensorType([None, len(names)]))]

    @classmethod
    def metadata(cls, final):
        """The task, the output's name and the dimensions in column order."""
        names = cls.dimensions(final)
        (output,) = cls.task.graph_outputs(names)
        return {"classes": json.dumps(None), "output": output, "task": cls.task.name,
                "targets": json.dumps(names)}


HEADS = {head.task: head for head in (_ClassifierHead, _DimensionalHead)}
"""dict: The export head of each :class:`~skser.utils.Task`."""
