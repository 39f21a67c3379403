"""Checks of class labels shared by skser's estimators, metrics and evaluation."""

import numpy as np

__all__ = ["KnownLabelsScoreMixin", "check_known_labels", "check_no_missing_labels"]


def check_no_missing_labels(y, name="y", kind="class"):
    """Raise a ValueError naming ``name`` and the first missing label (NaN, None or "").

    Empty or whitespace-only text (``""``, ``"  "``) is missing too, as the manifest
    loader reads an empty cell: it would otherwise become a class of its own.

    Labels that mix text with numbers (``"ang"`` and ``3``) are refused too, naming one of
    each: they sort and compare nowhere.

    Text labels read from a table often carry a NaN where a cell was empty; numpy and
    scikit-learn then fail comparing a float with a string. This check says where.

    Parameters
    ----------
    y : array-like [shape=(n_clips,)]
        Class labels.
    name : str, default="y"
        What to call ``y`` in the message.
    kind : str, default="class"
        What each clip needs (``"group"`` for session ids).

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
    >>> check_no_missing_labels(["ang", " ", "sad", ""], name="labels")
    Traceback (most recent call last):
    ...
    ValueError: labels holds a missing label (empty text ' ') at index 1 (2 in all): every \
clip needs a class
    """
    if y is None:  # no labels at all: the caller's own validation says so
        return y
    values = np.asarray(y) if hasattr(y, "dtype") else np.asarray(y, dtype=object)
    if values.dtype.kind in "US":
        _check_no_empty_text(values.ravel(), name, kind)
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
            f"{name} holds a missing label ({what}) at index {index}: every clip needs a {kind}"
        )
    if values.dtype.kind == "O":
        text = np.array([isinstance(v, str | bytes) for v in flat])
        if text.any() and not text.all():
            first, other = int(np.flatnonzero(text)[0]), int(np.flatnonzero(~text)[0])
            raise ValueError(
                f"{name} mixes text and other labels: index {first} is {flat[first]!r}, "
                f"index {other} is {flat[other]!r}; use one type for every label"
            )
        if text.any():
            _check_no_empty_text(flat, name, kind)
    return y


def _check_no_empty_text(flat, name, kind):
    """Refuse an empty or whitespace-only text label: a label table's empty cell."""
    # str and bytes, not np.str_, in the message
    texts = [str(v) if isinstance(v, str) else bytes(v) for v in flat.tolist()]
    empty = np.flatnonzero([not v.strip() for v in texts])
    if empty.size:
        index = int(empty[0])
        more = f" ({empty.size} in all)" if empty.size > 1 else ""
        raise ValueError(
            f"{name} holds a missing label (empty text {texts[index]!r}) at index {index}"
            f"{more}: every clip needs a {kind}"
        )


def check_known_labels(y, classes, name="y"):
    """Raise a ValueError listing the labels of ``y`` that are not among ``classes``.

    A fitted classifier predicts only its ``classes_``: a label outside them can never be
    predicted right, so a score counting it as an error would be a silent wrong number.
    Labels compare as Python values: ``1`` is not ``"1"``. Check missing labels first
    (:func:`check_no_missing_labels`).

    Parameters
    ----------
    y : array-like [shape=(n_clips,)]
        Class labels.
    classes : array-like [shape=(n_classes,)]
        The known classes (an estimator's ``classes_``).
    name : str, default="y"
        What to call ``y`` in the message.

    Returns
    -------
    y : array-like
        ``y`` unchanged.

    Examples
    --------
    >>> check_known_labels(["hap", "sad", "hap"], np.array(["hap", "sad"]))
    ['hap', 'sad', 'hap']
    >>> check_known_labels(["hap", "calm", "anger"], np.array(["hap", "sad"]))
    Traceback (most recent call last):
    ...
    ValueError: y holds 2 label(s) that are not among the classes ['hap', 'sad']: 'calm' \
(first at index 1), 'anger' (first at index 2)
    """
    values = np.asarray(y) if hasattr(y, "dtype") else np.asarray(y, dtype=object)
    known = set(np.asarray(classes).tolist())
    first = {}
    for index, value in enumerate(values.ravel().tolist()):
        if value not in known and value not in first:
            first[value] = index
    if first:
        shown = ", ".join(f"{value!r} (first at index {index})"
                          for value, index in list(first.items())[:8])
        more = f" and {len(first) - 8} more" if len(first) > 8 else ""
        raise ValueError(
            f"{name} holds {len(first)} label(s) that are not among the classes "
            f"{np.asarray(classes).tolist()}: {shown}{more}"
        )
    return y


class KnownLabelsScoreMixin:
    """``score`` that refuses labels a classifier can never predict right.

    Put before scikit-learn's ``ClassifierMixin``, whose mean accuracy it returns.
    """

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (WA) of ``predict(X)`` against ``y``.

        Parameters
        ----------
        X : array-like
            What ``predict`` takes.
        y : array-like [shape=(n_samples,)]
            True labels, each one of ``classes_``.
        sample_weight : array-like [shape=(n_samples,)], optional

        Returns
        -------
        score : float

        Raises
        ------
        ValueError
            If ``y`` has a missing label (NaN, None or empty text, named with its index) or a
            label not in ``classes_`` (listed): it could only ever be counted wrong.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        check_no_missing_labels(y, "y")
        check_known_labels(y, self.classes_, "y")
        return super().score(X, y, sample_weight=sample_weight)
