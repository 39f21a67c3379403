"""Input validation shared by skser's waveform estimators."""

from sklearn.utils.validation import validate_data

__all__ = ["validate_waveforms"]


def validate_waveforms(estimator, X, *, reset):
    """Check a waveform batch for ``estimator`` and return it as float32 2-D.

    In ``fit`` (``reset=True``) it records ``n_features_in_``, the width of the batch.
    The width is not checked later: waveform batches of any length go through a fitted
    pipeline (see :mod:`skser.io._waveform`).

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or applied.
    X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
        The clips.
    reset : bool
        True in ``fit``, False afterwards.

    Returns
    -------
    X : np.ndarray [shape=(n_clips, n_samples), dtype=float32]
    """
    from ..io import as_batch  # skser.io imports this module

    X = as_batch(X)
    if reset:
        validate_data(estimator, X, reset=True, skip_check_array=True)
    return X

