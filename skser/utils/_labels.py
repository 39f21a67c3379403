"""Checks of class labels shared by skser's estimators, metrics and evaluation."""

import numpy as np

__all__ = ["check_no_missing_labels"]


def check_no_missing_labels(y, name="y"):
    """Raise a ValueError naming ``name`` and the first missing label (NaN or None).

    Text labels read from a table often carry a NaN where a cell was empty; numpy and
    scikit-learn then fail comparing a float with a string. This check says where.

    Parameters
    ----------
    y : array-like [shape=(n_clips,)]
        Class labels.
    name : str, default="y"
        What to call ``y`` in the message.

    Returns
    -------
    y : array-like
        ``y`` unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> check_no_missing_labels(np.array(["hap", np.nan, "sad"], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: y holds a missing label (NaN) at index 1: every clip needs a class
    """
    if y is None:  # no labels at all: the caller's own validation says so
        return y
    values = np.asarray(y) if hasattr(y, "dtype") else np.asarray(y, dtype=object)
    if values.dtype.kind not in "fO":
        return y
    flat = values.ravel()
    if values.dtype.kind == "f":
        bad = np.flatnonzero(np.isnan(flat))
    else:
        bad = np.flatnonzero([v is None or (isinstance(v, float) and v != v) for v in flat])
    if bad.size:
        index = int(bad[0])
        what = "None" if flat[index] is None else "NaN"
        raise ValueError(
            f"{name} holds a missing label ({what}) at index {index}: every clip needs a class"
        )
    return y
