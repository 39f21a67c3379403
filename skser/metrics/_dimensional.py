"""Metrics of dimensional emotion: per-dimension CCC, Pearson r and MAE, and their scorers."""

import numpy as np
from sklearn.metrics import make_scorer

from ._regression import _as_outputs, concordance_correlation_coefficient

__all__ = [
    "DIMENSIONAL_SCORING",
    "dimensional_scores",
    "mean_absolute_error_per_dimension",
    "pearson_correlation",
]

AVD = ("arousal", "valence", "dominance")


def _pair(y_true, y_pred):
    y_true, y_pred = _as_outputs(y_true, "y_true"), _as_outputs(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.shape[0] < 2:
        raise ValueError(f"needs at least 2 clips, got {y_true.shape[0]}")
    return y_true, y_pred


def pearson_correlation(y_true, y_pred):
    """Pearson's r of each dimension (column) between true and predicted values.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n_clips,) or (n_clips, n_dims)]

    Returns
    -------
    r : np.ndarray [shape=(n_dims,)]
        A constant prediction has r 0 (not NaN), as a constant prediction's CCC is 0.

    Raises
    ------
    ValueError
        For shapes that differ, fewer than 2 clips, NaN or inf, or a constant ``y_true``
        column.

    Examples
    --------
    >>> pearson_correlation([[0, 1], [1, 0], [2, 1]], [[0, 5], [2, 5], [4, 5]]).tolist()
    [1.0, 0.0]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    constant = np.flatnonzero(np.ptp(y_true, axis=0) == 0)
    if constant.size:
        raise ValueError(f"y_true is constant in output(s) {constant.tolist()}: r is undefined")
    true, pred = y_true - y_true.mean(0), y_pred - y_pred.mean(0)
    denominator = np.sqrt((true**2).sum(0) * (pred**2).sum(0))
    covariance = (true * pred).sum(0)
    return np.divide(covariance, denominator, out=np.zeros_like(covariance),
                     where=denominator > 0)


def mean_absolute_error_per_dimension(y_true, y_pred):
    """Mean absolute error of each dimension (column).

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n_clips,) or (n_clips, n_dims)]

    Returns
    -------
    mae : np.ndarray [shape=(n_dims,)]

    Examples
    --------
    >>> mean_absolute_error_per_dimension([[0, 1], [1, 0]], [[0.5, 1], [1, 1]]).tolist()
    [0.25, 0.5]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return np.abs(y_true - y_pred).mean(0)


def dimensional_scores(y_true, y_pred, *, names=AVD):
    """CCC, Pearson r and MAE of each dimension, as one dict per metric.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n_clips, n_dims)]
        Columns are dimensions, in the order of ``names``.
    names : sequence of str, default=("arousal", "valence", "dominance")
        The dimensions' names.

    Returns
    -------
    scores : dict
        ``{"ccc": {name: value}, "pearson_r": {...}, "mae": {...}}``.

    Examples
    --------
    >>> t = [[0.1, 0.9, 0.5], [0.5, 0.5, 0.6], [0.9, 0.1, 0.4]]
    >>> scores = dimensional_scores(t, t)
    >>> scores["ccc"]["arousal"], scores["mae"]["dominance"]
    (1.0, 0.0)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    names = list(names)
    if len(names) != y_true.shape[1]:
        raise ValueError(f"names has {len(names)} entries for {y_true.shape[1]} dimensions")
    values = {
        "ccc": concordance_correlation_coefficient(y_true, y_pred, multioutput="raw_values"),
        "pearson_r": pearson_correlation(y_true, y_pred),
        "mae": mean_absolute_error_per_dimension(y_true, y_pred),
    }
    return {
        metric: {name: float(value) for name, value in zip(names, column)}
        for metric, column in values.items()
    }


def _ccc_of(y_true, y_pred, *, dimension):
    y_true, y_pred = _pair(y_true, y_pred)
    return float(
        concordance_correlation_coefficient(y_true[:, dimension], y_pred[:, dimension])
    )


def _mean_pearson(y_true, y_pred):
    return float(pearson_correlation(y_true, y_pred).mean())


def _mean_mae(y_true, y_pred):
    return float(mean_absolute_error_per_dimension(y_true, y_pred).mean())


DIMENSIONAL_SCORING = {
    "ccc": make_scorer(concordance_correlation_coefficient),
    **{
        f"ccc_{name}": make_scorer(_ccc_of, dimension=index)
        for index, name in enumerate(AVD)
    },
    "pearson_r": make_scorer(_mean_pearson),
    "neg_mae": make_scorer(_mean_mae, greater_is_better=False),
}
"""dict: scorers of arousal/valence/dominance models, for ``cross_validate(scoring=...)``.

Mean CCC (``test_ccc``), each dimension's CCC (``test_ccc_arousal``, ``test_ccc_valence``,
``test_ccc_dominance``; ``y`` columns in that order), mean Pearson r (``test_pearson_r``) and
minus the mean absolute error (``test_neg_mae``, negated so that higher is better)."""
