"""Warnings attributed to the user's line, not to skser's or scikit-learn's internals."""

import os
import sys
import warnings

import numpy as np

__all__ = ["warn_at_caller", "ravel_column_vector"]

_SKSER = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _internal_prefixes():
    import sklearn

    return (_SKSER, os.path.dirname(os.path.abspath(sklearn.__file__)) + os.sep)


def warn_at_caller(message, category=UserWarning):
    """``warnings.warn`` with the stack level of the first frame outside skser and sklearn.

    A fixed ``stacklevel`` points into scikit-learn's wrappers (``validate_params``,
    ``_fit_context``) whenever a decorated function warns; the user's own line is what
    the warning should name.

    Parameters
    ----------
    message : str
    category : type of Warning, default=UserWarning
    """
    internal = _internal_prefixes()
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(internal):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level if frame is not None else 2)


def ravel_column_vector(y):
    """``y`` of shape ``(n, 1)`` as ``(n,)``, with scikit-learn's DataConversionWarning.

    The warning is scikit-learn's own (``check_estimator`` looks for it), attributed to
    the caller of ``fit`` instead of scikit-learn's validation module.
    """
    from sklearn.exceptions import DataConversionWarning

    if y is None:
        return y
    array = np.asarray(y)  # array-likes that refuse numpy functions still convert
    if array.ndim == 2 and array.shape[1] == 1:
        warn_at_caller(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
        )
        return array.ravel()
    return y
