"""Rows of any input kind (arrays, lists, sparse matrices, pandas), with public calls only."""

import numpy as np

__all__ = ["column_1d", "indices_note", "num_samples", "shortfall", "take_rows"]


def indices_note(indices, limit=5):
    """``" (indices [2, 5])"`` naming the rows of a message, or ``""`` when there is only one.

    Examples
    --------
    >>> indices_note([3]), indices_note([2, 5]), indices_note(range(7))
    ('', ' (indices [2, 5])', ' (indices [0, 1, 2, 3, 4]...)')
    """
    indices = [int(index) for index in indices]
    if len(indices) < 2:
        return ""
    return f" (indices {indices[:limit]}{'...' if len(indices) > limit else ''})"


def shortfall(short, lengths):
    """The subject and the detail of a message about the clips ``short`` of a batch.

    Parameters
    ----------
    short : array-like of int
        The indices of the clips at fault (at least one).
    lengths : array-like of int
        Each clip's length, one per clip of the batch.

    Returns
    -------
    subject, detail : str
        ``"2 clip(s) are"`` and ``"clip 4 has 200 (indices [4, 5])"``, or ``"the clip is"``
        and ``"it has 200"`` for a batch of one clip (where an index says nothing).

    Examples
    --------
    >>> shortfall([1, 2], [900, 200, 0])
    ('2 clip(s) are', 'clip 1 has 200 (indices [1, 2])')
    >>> shortfall([0], [200])
    ('the clip is', 'it has 200')
    """
    short, lengths = np.asarray(short), np.asarray(lengths)
    first = int(short[0])
    if lengths.size == 1:
        return "the clip is", f"it has {int(lengths[first])}"
    return (f"{short.size} clip(s) are",
            f"clip {first} has {int(lengths[first])}{indices_note(short)}")


def num_samples(X):
    """The number of rows (clips) of ``X``.

    Examples
    --------
    >>> num_samples([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]), num_samples(np.zeros((4, 9)))
    (3, 4)
    """
    shape = getattr(X, "shape", None)
    if shape is not None:
        if len(shape) == 0:
            raise TypeError(f"a 0-D array is not a collection of clips: {X!r}")
        return int(shape[0])
    if not hasattr(X, "__len__"):
        raise TypeError(f"expected a collection of clips, got a {type(X).__name__}")
    return len(X)


def take_rows(X, indices):
    """Rows ``indices`` of ``X``, keeping its kind.

    Pandas objects are indexed by position (``iloc``), arrays and sparse matrices by
    fancy indexing, and lists and tuples give a list.

    Examples
    --------
    >>> take_rows(["a.wav", "b.wav", "c.wav"], np.array([2, 0]))
    ['c.wav', 'a.wav']
    >>> take_rows(np.arange(6).reshape(3, 2), [1]).tolist()
    [[2, 3]]
    """
    indices = np.asarray(indices)
    if hasattr(X, "iloc"):
        return X.iloc[indices]
    if isinstance(X, list | tuple):
        return [X[i] for i in indices.tolist()]
    if hasattr(X, "shape"):
        return X[indices]
    return np.asarray(X)[indices]


def column_1d(values, *, name, warn=False):
    """``values`` as a 1-D array; a column vector is raveled, anything else is refused.

    ``sklearn.utils.validation.column_or_1d`` names the array only from scikit-learn
    1.7; this names it (``name``) on every supported version.

    Examples
    --------
    >>> column_1d([[1], [2]], name="y").tolist()
    [1, 2]
    >>> column_1d([[1, 2]], name="groups")
    Traceback (most recent call last):
    ...
    ValueError: groups should be a 1d array, got an array of shape (1, 2) instead.
    """
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        if warn:
            import warnings

            from sklearn.exceptions import DataConversionWarning

            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change "
                "the shape of y to (n_samples, ), for example using ravel().",
                DataConversionWarning, stacklevel=2,
            )
        return array.ravel()
    if array.ndim != 1:
        raise ValueError(
            f"{name} should be a 1d array, got an array of shape {array.shape} instead."
        )
    return array
