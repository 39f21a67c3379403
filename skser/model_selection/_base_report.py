"""What the reports of both tasks share: folds, out-of-fold predictions, mean and std."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..utils import Task
from ._adapt import PROTOCOLS
from ._out_of_fold import assemble_out_of_fold

__all__ = ["BaseFoldResult", "BaseReport"]


@dataclass(eq=False)
class BaseFoldResult:
    """The common part of :class:`FoldResult` and :class:`DimensionalFoldResult`.

    A subclass adds its columns (``labels`` or ``names``, named by ``columns_name``),
    ``estimator`` and its scores, computed in ``__post_init__``.

    Attributes
    ----------
    fold : int
        The fold's index.
    test_group : object
        The group (session, speaker, or ``"test"`` across corpora) the fold tests on.
    val_group : object or None
        The validation group, or None.
    test_index : np.ndarray [shape=(n_test,)]
        The rows of ``X`` tested.
    y_true, y_pred : np.ndarray [shape=(n_test,) or (n_test, n_dims)]
        True and predicted targets of those rows.
    n_train : int
        Training clips, extra training clips included.
    n_val : int
        Validation clips.
    used_validation : bool
        Whether the estimator was handed the validation set.
    fit_time, predict_time : float
        Seconds spent fitting and predicting.
    """

    fold: int
    test_group: object
    val_group: object
    test_index: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray
    n_train: int
    n_val: int
    used_validation: bool
    fit_time: float
    predict_time: float

    columns_name: ClassVar[str]  # "labels" or "names"

    @classmethod
    def _build(cls, columns, **fields):
        """A fold result of these ``columns`` (classes or dimensions)."""
        return cls(**{cls.columns_name: columns}, **fields)


class BaseReport:
    """The common part of :class:`SessionReport` and :class:`DimensionalReport`.

    Holds the folds, the out-of-fold ``y_true`` and ``y_pred`` of every clip, the
    protocol and the fold statistics (:attr:`mean`, :attr:`std` of :attr:`scores`). A
    subclass names its task, its fold result class and its columns, says which
    targets it scores (:meth:`check_targets`) and how it prints.

    Attributes
    ----------
    folds : list
        One fold result per fold, in fold order.
    y_true, y_pred : np.ndarray [shape=(n_clips,) or (n_clips, n_dims)]
        True targets and out-of-fold predictions, in the order of the input rows.
    groups, test_fold : np.ndarray [shape=(n_clips,)]
        The group of each clip and the fold that tested it (-1 for none).
    description : str
    protocol : str
        ``"plain"``, or ``"speaker"`` (speaker-adapted, transductive); see ``PROTOCOLS``.
    adapted : report or None
        The speaker-adapted protocol on the same folds.
    """

    task: ClassVar[Task]
    fold_class: ClassVar[type]

    def __init__(self, folds, *, n_clips, groups=None, description="", protocol="plain",
                 adapted=None):
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {sorted(PROTOCOLS)}, got {protocol!r}")
        self.protocol = protocol
        self.adapted = adapted
        self.folds = list(folds)
        self.description = description
        self.y_true, self.y_pred = self._allocate(n_clips)
        self.test_fold, self.groups = assemble_out_of_fold(
            self.folds, self.y_true, self.y_pred, groups
        )

    @classmethod
    def _build(cls, folds, columns, **kwargs):
        """A report of these ``columns`` (classes or dimensions)."""
        return cls(folds, **{cls.fold_class.columns_name: columns}, **kwargs)

    @property
    def n_folds(self):
        """int: The number of folds."""
        return len(self.folds)

    @property
    def _n_tested(self):
        return int((self.test_fold >= 0).sum())

    def _aggregate(self, function):
        out = {}
        for name, values in self.scores.items():
            kept = values[~np.isnan(values)]
            out[name] = float(function(kept)) if kept.size else float("nan")
        return out

    @property
    def mean(self):
        """dict: The mean over folds of each score of :attr:`scores` (folds where a score
        is undefined, NaN, are left out of its mean)."""
        return self._aggregate(np.mean)

    @property
    def std(self):
        """dict: The standard deviation over folds (``ddof=0``, as ``np.std``) of each
        score of :attr:`scores`."""
        return self._aggregate(np.std)

    def _head_lines(self, columns_word, columns):
        """The first lines of ``str``: the folds, the clips, the columns, the validation."""
        lines = [
            f"{self.n_folds} fold(s), {self._n_tested} clips tested, {columns_word} "
            + ", ".join(str(k) for k in columns.tolist())
        ]
        if any(f.val_group is not None for f in self.folds):
            used = all(f.used_validation for f in self.folds)
            lines.append(
                "validation set: "
                + ("handed to the estimator" if used else "unused (the estimator takes none)")
            )
        return lines

    @classmethod
    def fold_extras(cls, result, columns):
        """Keyword arguments of a fold result beyond predictions (nothing by default).

        ``result`` is what a fold's fit and prediction gave: a dict with ``y_pred``,
        ``y_proba`` (or None) and ``classes`` (the model's, the columns of ``y_proba``).
        """
        return {}

    @classmethod
    def check_predictions(cls, y_true, y_pred, columns):
        """Refuse a fold's predictions that the report cannot score (nothing by default)."""

    @classmethod
    def _cross_corpus_extras(cls, y_true, y_pred, columns, arousal):
        """Keyword arguments a cross-corpus report adds (the classes' arousal view)."""
        return {}
