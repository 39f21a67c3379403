"""Calibration of class probabilities: ECE, Brier score, log loss, reliability, coverage."""

import numpy as np

from ._classification import check_label_targets, unweighted_accuracy

__all__ = [
    "COVERAGE_THRESHOLDS",
    "brier_score",
    "calibration_scores",
    "coverage_curve",
    "expected_calibration_error",
    "log_loss",
    "reliability_curve",
]

COVERAGE_THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""tuple of float: The top-probability thresholds of :func:`coverage_curve` by default."""


def _check_probabilities(y_true, y_proba, labels):
    """``y_true``, ``y_proba`` as arrays and the index of each clip's true class."""
    y_true, _, labels = check_label_targets(y_true, labels=labels)
    y_proba = np.asarray(y_proba, dtype=float)
    if y_proba.ndim != 2 or y_proba.shape != (y_true.shape[0], labels.shape[0]):
        raise ValueError(
            f"y_proba must have shape (n_clips, n_labels) = {(y_true.shape[0], labels.shape[0])}"
            f", got {y_proba.shape}"
        )
    if not np.isfinite(y_proba).all() or (y_proba < 0).any() or (y_proba > 1).any():
        raise ValueError("y_proba must hold probabilities: finite values in [0, 1]")
    order = np.argsort(labels, kind="stable")
    true_index = order[np.searchsorted(labels[order], y_true)]
    return y_proba, true_index, labels


def reliability_curve(y_true, y_proba, *, labels, n_bins=10):
    """The reliability diagram's numbers: confidence and accuracy per confidence bin.

    Each clip's confidence is its top probability and it is correct when that class is
    its true class (top-label calibration). Clips fall into ``n_bins`` equal-width bins
    of confidence, ``((m - 1) / n_bins, m / n_bins]`` (the first bin includes 0).

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_proba : array-like [shape=(n_clips, n_labels)]
        Class probabilities, columns in the order of ``labels``.
    labels : array-like [shape=(n_labels,)]
        The classes of the columns of ``y_proba`` (e.g. a classifier's ``classes_``).
    n_bins : int >= 1, default=10
        Number of confidence bins.

    Returns
    -------
    curve : dict
        ``bin_edges`` [shape=(n_bins + 1,)], and per bin ``confidence`` (mean top
        probability), ``accuracy`` (fraction correct), both NaN for an empty bin, and
        ``count`` (clips).

    Examples
    --------
    >>> curve = reliability_curve(["a", "b", "b"], [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]],
    ...                           labels=["a", "b"], n_bins=2)
    >>> curve["count"].tolist(), curve["accuracy"].tolist()
    ([0, 3], [nan, 0.666...])
    """
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    n_bins = int(n_bins)
    y_proba, true_index, _ = _check_probabilities(y_true, y_proba, labels)
    confidence = y_proba.max(axis=1)
    correct = y_proba.argmax(axis=1) == true_index
    bins = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(bins, confidence, n_bins) / count
        accuracy = np.bincount(bins, correct, n_bins) / count
    return {
        "bin_edges": np.linspace(0.0, 1.0, n_bins + 1),
        "confidence": mean_confidence,
        "accuracy": accuracy,
        "count": count,
    }


def expected_calibration_error(y_true, y_proba, *, labels, n_bins=10):
    """Expected calibration error (ECE) of the top label, in equal-width bins.

    ``sum_m (n_m / n) * |accuracy_m - confidence_m|`` over the bins of
    :func:`reliability_curve` (Guo et al., 2017): 0 when, in every bin, the share of
    correct clips equals their mean top probability. Below the diagonal (accuracy under
    confidence) a model is over-confident; above it, under-confident.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_proba : array-like [shape=(n_clips, n_labels)]
        Class probabilities, columns in the order of ``labels``.
    labels : array-like [shape=(n_labels,)]
        The classes of the columns of ``y_proba``.
    n_bins : int >= 1, default=10
        Number of confidence bins.

    Returns
    -------
    ece : float in [0, 1]

    Examples
    --------
    >>> expected_calibration_error(["a", "a"], [[0.9, 0.1], [0.1, 0.9]], labels=["a", "b"])
    0.5
    """
    curve = reliability_curve(y_true, y_proba, labels=labels, n_bins=n_bins)
    filled = curve["count"] > 0
    gaps = np.abs(curve["accuracy"][filled] - curve["confidence"][filled])
    return float(np.sum(curve["count"][filled] * gaps) / curve["count"].sum())


def brier_score(y_true, y_proba, *, labels):
    """Multi-class Brier score: the mean squared error of the probability vectors.

    ``mean_i sum_k (p_ik - [y_i = k])**2``, from 0 (certain and right) to 2 (certain
    and wrong); scikit-learn's ``brier_score_loss(y_true, y_proba, labels=labels,
    scale_by_half=False)``.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_proba : array-like [shape=(n_clips, n_labels)]
        Class probabilities, columns in the order of ``labels``.
    labels : array-like [shape=(n_labels,)]
        The classes of the columns of ``y_proba``.

    Returns
    -------
    brier : float in [0, 2]

    Examples
    --------
    >>> brier_score(["a", "b"], [[1.0, 0.0], [0.5, 0.5]], labels=["a", "b"])
    0.25
    """
    y_proba, true_index, _ = _check_probabilities(y_true, y_proba, labels)
    onehot = np.zeros_like(y_proba)
    onehot[np.arange(y_proba.shape[0]), true_index] = 1.0
    return float(np.mean(np.sum((y_proba - onehot) ** 2, axis=1)))


def log_loss(y_true, y_proba, *, labels):
    """Negative log-likelihood (log loss) of the true classes, natural log.

    ``-mean_i log p_i,y_i``, each probability clipped to at least the float64 epsilon
    so that a confident mistake costs about 36 rather than infinity; for rows summing to
    1 this is ``sklearn.metrics.log_loss(y_true, y_proba, labels=labels)``.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_proba : array-like [shape=(n_clips, n_labels)]
        Class probabilities, columns in the order of ``labels``.
    labels : array-like [shape=(n_labels,)]
        The classes of the columns of ``y_proba``.

    Returns
    -------
    nll : float >= 0

    Examples
    --------
    >>> round(log_loss(["a", "b"], [[0.5, 0.5], [0.5, 0.5]], labels=["a", "b"]), 4)
    0.6931
    """
    y_proba, true_index, _ = _check_probabilities(y_true, y_proba, labels)
    true_proba = y_proba[np.arange(y_proba.shape[0]), true_index]
    return float(-np.mean(np.log(np.clip(true_proba, np.finfo(float).eps, 1.0)))) + 0.0


def calibration_scores(y_true, y_proba, *, labels, n_bins=10):
    """ECE, Brier score and negative log-likelihood in one dict.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_proba : array-like [shape=(n_clips, n_labels)]
        Class probabilities, columns in the order of ``labels``.
    labels : array-like [shape=(n_labels,)]
        The classes of the columns of ``y_proba``.
    n_bins : int >= 1, default=10
        Bins of the ECE.

    Returns
    -------
    scores : dict
        ``{"ece": ..., "brier": ..., "nll": ...}`` (see
        :func:`expected_calibration_error`, :func:`brier_score`, :func:`log_loss`).

    Examples
    --------
    >>> scores = calibration_scores(["a", "b"], [[0.8, 0.2], [0.2, 0.8]], labels=["a", "b"])
    >>> {name: round(value, 4) for name, value in scores.items()}
    {'ece': 0.2, 'brier': 0.08, 'nll': 0.2231}
    """
    return {
        "ece": expected_calibration_error(y_true, y_proba, labels=labels, n_bins=n_bins),
        "brier": brier_score(y_true, y_proba, labels=labels),
        "nll": log_loss(y_true, y_proba, labels=labels),
    }


def coverage_curve(y_true, y_proba, *, labels, thresholds=COVERAGE_THRESHOLDS):
    """The accuracy/coverage trade-off of abstaining under a top probability.

    At each threshold, a clip is answered when its top probability reaches it and left
    "uncertain" otherwise (see :func:`skser.utils.abstain`); the curve gives the share of
    clips answered and their WA and UA.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,)]
        True classes.
    y_proba : array-like [shape=(n_clips, n_labels)]
        Class probabilities, columns in the order of ``labels``.
    labels : array-like [shape=(n_labels,)]
        The classes of the columns of ``y_proba``.
    thresholds : sequence of float in [0, 1], default=COVERAGE_THRESHOLDS
        The minimum top probabilities, ``(0.0, 0.3, 0.4, ..., 0.9)`` by default.

    Returns
    -------
    curve : dict
        ``threshold``, ``coverage`` (fraction of clips answered), ``n`` (clips
        answered), ``wa`` and ``ua`` of the answered clips (NaN where none is; UA over
        the classes among them), arrays of one value per threshold.

    Examples
    --------
    >>> curve = coverage_curve(["a", "b", "b"], [[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]],
    ...                        labels=["a", "b"], thresholds=[0.0, 0.7])
    >>> curve["coverage"].round(3).tolist(), curve["wa"].round(3).tolist()
    ([1.0, 0.667], [0.667, 1.0])
    """
    y_proba, true_index, labels = _check_probabilities(y_true, y_proba, labels)
    thresholds = np.asarray(thresholds, dtype=float).reshape(-1)
    if ((thresholds < 0) | (thresholds > 1)).any():
        raise ValueError(f"thresholds must be in [0, 1], got {thresholds.tolist()}")
    confidence = y_proba.max(axis=1)
    predicted = y_proba.argmax(axis=1)
    n, wa, ua = [], [], []
    for threshold in thresholds:
        kept = confidence >= threshold
        n.append(int(kept.sum()))
        if not kept.any():
            wa.append(np.nan)
            ua.append(np.nan)
            continue
        wa.append(float(np.mean(predicted[kept] == true_index[kept])))
        ua.append(unweighted_accuracy(true_index[kept], predicted[kept],
                                      labels=np.arange(labels.size)))
    n = np.asarray(n)
    return {
        "threshold": thresholds,
        "coverage": n / y_proba.shape[0],
        "n": n,
        "wa": np.asarray(wa),
        "ua": np.asarray(ua),
    }
