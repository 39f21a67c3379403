"""The concordance correlation coefficient, for dimensional emotion targets."""

import numpy as np

__all__ = ["concordance_correlation_coefficient"]

_MULTIOUTPUT = ("raw_values", "uniform_average")


def _as_outputs(values, name):
    values = np.asarray(values)
    if values.dtype.kind not in "iufb":
        raise ValueError(f"{name} must hold numbers, got dtype {values.dtype}")
    if values.ndim == 1:
        values = values[:, np.newaxis]
    elif values.ndim != 2:
        raise ValueError(
            f"{name} must be 1-D (n_clips,) or 2-D (n_clips, n_outputs), got shape {values.shape}"
        )
    values = values.astype(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        clip, output = np.argwhere(bad)[0].tolist()
        raise ValueError(
            f"{name} contains NaN or inf (clip {clip}, output {output}; {int(bad.sum())} "
            "values in all)"
        )
    return values


def concordance_correlation_coefficient(y_true, y_pred, *, multioutput="uniform_average"):
    """Lin's concordance correlation coefficient (CCC) between true and predicted values.

    The usual score of dimensional emotion recognition (arousal, valence, dominance)::

        ccc = 2 cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p)) ** 2)

    with population (1/n) variances and covariance. It is 1 for perfect agreement, 0 for
    none, -1 for perfect reversal; unlike Pearson's r it drops when the predictions are
    shifted or scaled.

    Parameters
    ----------
    y_true : array-like [shape=(n_clips,) or (n_clips, n_outputs)]
        True values, one column per dimension.
    y_pred : array-like [shape=(n_clips,) or (n_clips, n_outputs)]
        Predicted values, the same shape.
    multioutput : {"uniform_average", "raw_values"} or array-like [shape=(n_outputs,)], \
default="uniform_average"
        How to combine the dimensions: their mean, each one's CCC, or a weighted mean.

    Returns
    -------
    ccc : float or np.ndarray [shape=(n_outputs,)]
        A float, or one value per output with ``multioutput="raw_values"``.

    Raises
    ------
    ValueError
        For shapes that differ, fewer than 2 clips, NaN or inf (naming the clip and the
        output), non-numeric values, an unknown ``multioutput``, or a constant ``y_true``
        output: agreement with a reference that does not vary is not defined.

    Notes
    -----
    A constant ``y_pred`` against a varying ``y_true`` has a CCC of exactly 0 (the
    covariance is 0 and the denominator is not), so a collapsed regressor scores 0 rather
    than stopping a grid search.

    Examples
    --------
    >>> concordance_correlation_coefficient([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    >>> concordance_correlation_coefficient([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    0.571...
    >>> y_true = [[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]]
    >>> y_pred = [[1.0, 1.0], [2.0, 0.0], [3.0, 1.0]]
    >>> concordance_correlation_coefficient(y_true, y_pred, multioutput="raw_values").tolist()
    [1.0, -0.8]
    """
    y_true = _as_outputs(y_true, "y_true")
    y_pred = _as_outputs(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.shape[0] < 2:
        raise ValueError(f"the CCC needs at least 2 clips, got {y_true.shape[0]}")
    constant = np.flatnonzero(np.ptp(y_true, axis=0) == 0)
    if constant.size:
        raise ValueError(
            f"y_true is constant in output(s) {constant.tolist()}: the CCC is not defined "
            "for a reference that does not vary"
        )
    mean_true, mean_pred = y_true.mean(axis=0), y_pred.mean(axis=0)
    var_true, var_pred = y_true.var(axis=0), y_pred.var(axis=0)
    covariance = ((y_true - mean_true) * (y_pred - mean_pred)).mean(axis=0)
    ccc = 2 * covariance / (var_true + var_pred + (mean_true - mean_pred) ** 2)
    if isinstance(multioutput, str):
        if multioutput not in _MULTIOUTPUT:
            raise ValueError(
                f"multioutput must be one of {_MULTIOUTPUT} or an array of weights, got "
                f"{multioutput!r}"
            )
        if multioutput == "raw_values":
            return ccc
        return float(ccc.mean())
    weights = np.asarray(multioutput, dtype=np.float64)
    if weights.shape != ccc.shape:
        raise ValueError(
            f"multioutput weights must have shape ({ccc.shape[0]},), one per output, got "
            f"{weights.shape}"
        )
    return float(np.average(ccc, weights=weights))
