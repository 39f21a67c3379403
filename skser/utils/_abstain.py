"""Abstention: a class where the model is confident enough, "uncertain" elsewhere (numpy only)."""

from numbers import Real

import numpy as np

__all__ = ["UNCERTAIN", "abstain", "check_min_confidence", "mark_uncertain"]

UNCERTAIN = "uncertain"
"""str: The label of a clip or window whose top probability is under the threshold."""


def check_min_confidence(min_confidence):
    """``min_confidence`` as a float in [0, 1], or None; a ValueError otherwise."""
    if min_confidence is None:
        return None
    if isinstance(min_confidence, bool) or not isinstance(min_confidence, Real) or not (
        0.0 <= min_confidence <= 1.0
    ):
        raise ValueError(
            f"min_confidence must be a probability in [0, 1] or None, got {min_confidence!r}"
        )
    return float(min_confidence)


def mark_uncertain(labels, uncertain, *, label=UNCERTAIN):
    """``labels`` with ``label`` where ``uncertain`` is True.

    Text labels stay a text array; other labels (integers) become an object array, so
    that each keeps its type next to ``label``.

    Parameters
    ----------
    labels : array-like [shape=(n,)]
    uncertain : array-like of bool [shape=(n,)]
    label : str, default="uncertain"

    Returns
    -------
    labels : np.ndarray [shape=(n,)]
    """
    labels = np.asarray(labels)
    uncertain = np.asarray(uncertain, dtype=bool)
    if labels.dtype.kind in "US":
        return np.where(uncertain, label, labels)
    out = labels.astype(object)
    out[uncertain] = label
    return out


def abstain(proba, classes, min_confidence, *, label=UNCERTAIN):
    """The most probable class of each row, or ``label`` where it is not probable enough.

    A row whose top probability is under ``min_confidence`` is labelled ``label``
    ("uncertain") instead of being forced into a class. A scikit-learn classifier keeps
    its ``predict`` (changing it would break the estimator contract): call
    ``abstain(model.predict_proba(X), model.classes_, 0.5)`` instead. The threshold
    means what it says only for calibrated probabilities (skser's default head is; see
    ``FocalLossClassifier(calibration=...)``); the trade-off of coverage and accuracy
    per threshold is in a report's ``coverage_curve()``.

    Parameters
    ----------
    proba : array-like [shape=(n, n_classes)]
        Class probabilities, columns in the order of ``classes``.
    classes : array-like [shape=(n_classes,)]
        The classes, e.g. a classifier's ``classes_``.
    min_confidence : float in [0, 1] or None
        The lowest top probability that gets a class; None (or 0) never abstains.
    label : str, default="uncertain"
        What an abstention is labelled.

    Returns
    -------
    labels : np.ndarray [shape=(n,)]
        A class of ``classes`` or ``label`` per row: a text array for text classes, else
        an object array.

    Examples
    --------
    >>> abstain([[0.7, 0.3], [0.55, 0.45]], ["hap", "sad"], 0.6).tolist()
    ['hap', 'uncertain']
    >>> abstain([[0.2, 0.8]], [0, 1], 0.5).tolist()
    [1]
    """
    min_confidence = check_min_confidence(min_confidence)
    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes)
    if proba.ndim != 2 or proba.shape[1] != classes.shape[0]:
        raise ValueError(
            f"proba must have shape (n, n_classes) with n_classes = {classes.shape[0]} "
            f"classes, got {proba.shape}"
        )
    labels = classes[proba.argmax(axis=1)] if proba.shape[0] else classes[:0]
    if min_confidence is None:
        return labels
    return mark_uncertain(labels, proba.max(axis=1, initial=0.0) < min_confidence, label=label)
