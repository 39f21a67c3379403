"""Window probabilities to one note-level distribution."""

import numpy as np

from ..utils import CATEGORICAL, StrOptions, validate_params

__all__ = ["AGGREGATIONS", "aggregate_probabilities", "check_aggregation", "window_weights"]

AGGREGATIONS = CATEGORICAL.aggregations
"""tuple of str: The aggregation methods of :func:`aggregate_probabilities`."""


def check_aggregation(method, task):
    """Refuse an aggregation that the task's window outputs cannot take.

    ``"confidence"`` weighs windows by the entropy of their probabilities, so a
    dimensional model's values cannot take it.

    Parameters
    ----------
    method : str
    task : skser.utils.Task

    Raises
    ------
    ValueError
        For a method outside ``task.aggregations``.

    Examples
    --------
    >>> from skser.utils import DIMENSIONAL
    >>> check_aggregation("confidence", DIMENSIONAL)
    Traceback (most recent call last):
    ...
    ValueError: aggregation 'confidence' needs class probabilities; a dimensional model's ...
    """
    if method not in task.aggregations:
        raise ValueError(
            f"aggregation {method!r} needs class probabilities; a {task.name} model's "
            f"windows aggregate by {list(task.aggregations)}"
        )


def window_weights(probabilities, *, method="mean", durations=None):
    """Return the weight of each window under an aggregation method.

    Parameters
    ----------
    probabilities : array-like [shape=(n_windows, n_classes)]
        Class probabilities of each window.
    method : {"mean", "duration", "confidence"}, default="mean"
        See :func:`aggregate_probabilities`.
    durations : array-like [shape=(n_windows,)], optional
        Seconds of speech in each window; needed by ``"duration"``.

    Returns
    -------
    weights : np.ndarray [shape=(n_windows,)]
        Non-negative, summing to 1.

    Examples
    --------
    >>> window_weights([[0.5, 0.5], [1.0, 0.0]], method="confidence").tolist()
    [0.0, 1.0]
    """
    probabilities = _check_probabilities(probabilities)
    n_windows, n_classes = probabilities.shape
    if method == "mean":
        weights = np.ones(n_windows)
    elif method == "duration":
        if durations is None:
            raise ValueError("aggregation='duration' needs the speech duration of each window")
        weights = np.asarray(durations, dtype=float).reshape(-1)
        if weights.shape[0] != n_windows:
            raise ValueError(
                f"got {weights.shape[0]} durations for {n_windows} windows of probabilities"
            )
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError("window durations must be finite and non-negative")
    elif method == "confidence":
        if n_classes == 1:
            weights = np.ones(n_windows)
        else:
            p = np.clip(probabilities, 0.0, 1.0)
            logs = np.log(np.where(p > 0, p, 1.0))
            entropy = -(p * logs).sum(axis=1)
            weights = np.clip(1.0 - entropy / np.log(n_classes), 0.0, 1.0)
            weights[weights < 1e-12] = 0.0  # uniform up to rounding
    else:
        raise ValueError(f"unknown aggregation {method!r}: choose among {list(AGGREGATIONS)}")
    total = weights.sum()
    if total <= 0:
        # Nothing to prefer one window over another (every window uniform, or no speech
        # measured): fall back to the plain mean rather than divide by zero.
        return np.full(n_windows, 1.0 / n_windows)
    return weights / total


@validate_params(
    {
        "probabilities": ["array-like"],
        "method": [StrOptions(set(AGGREGATIONS))],
        "durations": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def aggregate_probabilities(probabilities, *, method="mean", durations=None):
    """Average window probabilities into one distribution for the whole note.

    - ``"mean"``: the plain mean of the windows' probabilities, as the paper proposes.
    - ``"duration"``: a mean weighted by each window's seconds of speech, so a short
      tail window or a window that is mostly a pause counts less.
    - ``"confidence"``: a mean weighted by each window's certainty,
      ``1 - H(p) / log(n_classes)`` with ``H`` the entropy of its probabilities: a
      window with one clear class weighs 1 and a uniform (undecided) one 0. Entropy
      rather than the top probability, because it reads the whole distribution and
      gives an undecided window no weight at all (the top probability is never below
      ``1 / n_classes``).

    When every weight is zero (every window uniform, say) the plain mean is returned.

    Parameters
    ----------
    probabilities : array-like [shape=(n_windows, n_classes)]
        Class probabilities of each window, rows summing to 1.
    method : {"mean", "duration", "confidence"}, default="mean"
        How windows are weighted.
    durations : array-like [shape=(n_windows,)], optional
        Seconds of speech in each window; needed by ``"duration"``.

    Returns
    -------
    proba : np.ndarray [shape=(n_classes,)]
        The note's class probabilities (summing to 1 when the rows do).

    Examples
    --------
    >>> P = [[0.9, 0.1], [0.2, 0.8]]
    >>> aggregate_probabilities(P).tolist()
    [0.55, 0.45]
    >>> aggregate_probabilities(P, method="duration", durations=[8.0, 2.0]).tolist()
    [0.76, 0.24]
    """
    probabilities = _check_probabilities(probabilities)
    weights = window_weights(probabilities, method=method, durations=durations)
    return weights @ probabilities


def _check_probabilities(probabilities):
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim != 2 or probabilities.shape[0] == 0 or probabilities.shape[1] == 0:
        raise ValueError(
            "probabilities must be a non-empty 2-D array (n_windows, n_classes), got shape "
            f"{probabilities.shape}"
        )
    if not np.isfinite(probabilities).all():
        raise ValueError("probabilities hold NaN or inf")
    return probabilities
