"""Class-label metrics of speech emotion recognition: WA, UA, macro-F1, per-class scores."""

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_consistent_length

from ..utils import check_no_missing_labels, column_1d

__all__ = [
    "check_label_targets",
    "macro_f1",
    "per_class_f1",
    "per_class_recall",
    "unweighted_accuracy",
    "weighted_accuracy",
]


def _is_text(values):
    if values.dtype.kind in "US":
        return True
    return values.dtype.kind == "O" and all(isinstance(v, str) for v in values.tolist())


def _check_1d_labels(values, name):
    if not (hasattr(values, "dtype") and values.dtype.kind == "f"):
        # Text labels with a NaN or None among them (a list would turn NaN into "nan").
        check_no_missing_labels(values, name)
    values = column_1d(values, name=name, warn=True)
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty: it holds 0 labels")
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or inf")
    kind = type_of_target(values, input_name=name)
    if kind not in ("binary", "multiclass"):
        hint = (
            "; use concordance_correlation_coefficient for dimensional targets (arousal, "
            "valence, dominance)"
            if kind.startswith("continuous")
            else ""
        )
        raise ValueError(f"{name} must hold class labels, got {kind} targets{hint}")
    return values


def _unknown(values, labels):
    return np.unique(values[~np.isin(values, labels)]).tolist()


def check_label_targets(y_true, y_pred=None, *, labels=None):
    """Check class-label targets and return them with the label set.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_pred : array-like [shape=(n_clips,)], optional
        Predicted classes.
    labels : array-like [shape=(n_labels,)], optional
        The classes, in the order results are reported. Default: the sorted union of the
        classes in ``y_true`` and ``y_pred``.

    Returns
    -------
    y_true : np.ndarray [shape=(n_clips,)]
    y_pred : np.ndarray [shape=(n_clips,)] or None
    labels : np.ndarray [shape=(n_labels,)]

    Raises
    ------
    ValueError
        For lengths that differ, empty or continuous targets, NaN, text labels mixed with
        numbers, repeated ``labels``, or a class that is not in ``labels`` (named).

    Examples
    --------
    >>> y_true, y_pred, labels = check_label_targets(["hap", "sad"], ["sad", "sad"])
    >>> labels.tolist()
    ['hap', 'sad']
    >>> check_label_targets(["hap", "sad"], ["sad", "fea"], labels=["hap", "sad"])
    Traceback (most recent call last):
    ...
    ValueError: y_pred holds labels that are not in labels: ['fea'] (labels: ['hap', 'sad'])
    """
    y_true = _check_1d_labels(y_true, "y_true")
    arrays = [("y_true", y_true)]
    if y_pred is not None:
        y_pred = _check_1d_labels(y_pred, "y_pred")
        check_consistent_length(y_true, y_pred)
        arrays.append(("y_pred", y_pred))
    if labels is not None:
        labels = column_1d(labels, name="labels")
        if labels.shape[0] == 0:
            raise ValueError("labels is empty")
        if np.unique(labels).shape[0] != labels.shape[0]:
            raise ValueError(f"labels holds repeated classes: {labels.tolist()}")
        arrays.append(("labels", labels))
    text = {name: _is_text(values) for name, values in arrays}
    if len(set(text.values())) > 1:
        kinds = ", ".join(f"{name} {'text' if t else 'numbers'}" for name, t in text.items())
        raise ValueError(f"labels must all be text or all be numbers, got {kinds}")
    if labels is None:
        labels = np.unique(np.concatenate([values for _, values in arrays]))
    else:
        for name, values in arrays[:-1]:
            unknown = _unknown(values, labels)
            if unknown:
                raise ValueError(
                    f"{name} holds labels that are not in labels: {unknown} "
                    f"(labels: {labels.tolist()})"
                )
    return y_true, y_pred, labels


def weighted_accuracy(y_true, y_pred, *, labels=None, sample_weight=None):
    """Weighted accuracy (WA): the fraction of clips classified correctly.

    "Weighted" because each class counts in proportion to its number of clips; this is
    plain accuracy, ``sklearn.metrics.accuracy_score``.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_pred : array-like [shape=(n_clips,)]
        Predicted classes.
    labels : array-like [shape=(n_labels,)], optional
        The known classes; a class outside them raises ``ValueError``.
    sample_weight : array-like [shape=(n_clips,)], optional
        Weights of the clips.

    Returns
    -------
    wa : float in [0, 1]

    Examples
    --------
    >>> weighted_accuracy(["ang", "ang", "ang", "sad"], ["ang", "ang", "ang", "ang"])
    0.75
    """
    y_true, y_pred, _ = check_label_targets(y_true, y_pred, labels=labels)
    return float(np.average(y_true == y_pred, weights=sample_weight))


def unweighted_accuracy(y_true, y_pred, *, labels=None, sample_weight=None):
    """Unweighted accuracy (UA): the mean of the per-class recalls (UAR).

    Every class counts equally, whatever its number of clips; this is
    ``sklearn.metrics.balanced_accuracy_score``. Classes absent from ``y_true`` have no
    recall and are left out of the mean.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_pred : array-like [shape=(n_clips,)]
        Predicted classes.
    labels : array-like [shape=(n_labels,)], optional
        The known classes; a class outside them raises ``ValueError``.
    sample_weight : array-like [shape=(n_clips,)], optional
        Weights of the clips.

    Returns
    -------
    ua : float in [0, 1]

    Examples
    --------
    >>> unweighted_accuracy(["ang", "ang", "ang", "sad"], ["ang", "ang", "ang", "ang"])
    0.5
    """
    recall = per_class_recall(y_true, y_pred, labels=labels, sample_weight=sample_weight)
    return float(np.nanmean(list(recall.values())))


def per_class_recall(y_true, y_pred, *, labels=None, sample_weight=None):
    """The recall of each class: the fraction of its clips predicted as it.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_pred : array-like [shape=(n_clips,)]
        Predicted classes.
    labels : array-like [shape=(n_labels,)], optional
        The classes to report, in this order. Default: the sorted union of the classes in
        ``y_true`` and ``y_pred``.
    sample_weight : array-like [shape=(n_clips,)], optional
        Weights of the clips.

    Returns
    -------
    recall : dict
        ``{label: recall}`` in the order of ``labels``; NaN for a class with no clip in
        ``y_true``.

    Examples
    --------
    >>> per_class_recall(["ang", "ang", "sad"], ["ang", "sad", "sad"], labels=["sad", "ang"])
    {'sad': 1.0, 'ang': 0.5}
    """
    y_true, y_pred, labels = check_label_targets(y_true, y_pred, labels=labels)
    counts = confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sample_weight)
    support = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(support > 0, np.diag(counts) / support, np.nan)
    return dict(zip(labels.tolist(), recall.tolist()))


def macro_f1(y_true, y_pred, *, labels=None, sample_weight=None, zero_division=0.0):
    """Macro-F1: the unweighted mean of the per-class F1 scores.

    ``sklearn.metrics.f1_score(y_true, y_pred, average="macro")``, after skser's label
    checks.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_pred : array-like [shape=(n_clips,)]
        Predicted classes.
    labels : array-like [shape=(n_labels,)], optional
        The classes to average over. Default: those in ``y_true`` or ``y_pred``.
    sample_weight : array-like [shape=(n_clips,)], optional
        Weights of the clips.
    zero_division : {0.0, 1.0, np.nan}, default=0.0
        The F1 of a class in ``labels`` that is neither true nor predicted anywhere.

    Returns
    -------
    f1 : float in [0, 1]

    Examples
    --------
    >>> macro_f1(["ang", "ang", "sad", "sad"], ["ang", "sad", "sad", "sad"])
    0.733...
    """
    y_true, y_pred, labels = check_label_targets(y_true, y_pred, labels=labels)
    return float(
        f1_score(
            y_true,
            y_pred,
            labels=labels,
            average="macro",
            sample_weight=sample_weight,
            zero_division=zero_division,
        )
    )


def per_class_f1(y_true, y_pred, *, labels=None, sample_weight=None, zero_division=0.0):
    """The F1 score of each class, as a dict.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_pred : array-like [shape=(n_clips,)]
        Predicted classes.
    labels : array-like [shape=(n_labels,)], optional
        The classes to report, in this order. Default: the sorted union of the classes in
        ``y_true`` and ``y_pred``.
    sample_weight : array-like [shape=(n_clips,)], optional
        Weights of the clips.
    zero_division : {0.0, 1.0, np.nan}, default=0.0
        The F1 of a class that is neither true nor predicted anywhere.

    Returns
    -------
    f1 : dict
        ``{label: f1}`` (Python scalars) in the order of ``labels``.

    Examples
    --------
    >>> per_class_f1(["ang", "ang", "sad", "sad"], ["ang", "sad", "sad", "sad"])
    {'ang': 0.666..., 'sad': 0.8}
    """
    y_true, y_pred, labels = check_label_targets(y_true, y_pred, labels=labels)
    scores = f1_score(
        y_true,
        y_pred,
        labels=labels,
        average=None,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return dict(zip(labels.tolist(), np.asarray(scores, dtype=float).tolist()))
