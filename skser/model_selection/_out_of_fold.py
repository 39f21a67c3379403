"""The out-of-fold assembly that SessionReport and DimensionalReport share."""

import numpy as np

__all__ = ["assemble_out_of_fold"]


def assemble_out_of_fold(folds, y_true, y_pred, groups=None):
    """Put each fold's true values and predictions back at its clips' rows.

    Parameters
    ----------
    folds : list
        Fold results with ``fold``, ``test_index``, ``test_group``, ``y_true`` and
        ``y_pred`` attributes (:class:`FoldResult`, :class:`DimensionalFoldResult`).
    y_true, y_pred : np.ndarray [shape=(n_clips,) or (n_clips, n_dims)]
        Pre-allocated with the dtype the report keeps; filled in place.
    groups : array-like [shape=(n_clips,)] or None, default=None
        The group of each clip; None takes each tested clip's fold's ``test_group``.

    Returns
    -------
    test_fold : np.ndarray [shape=(n_clips,)]
        The fold that tested each clip, -1 for clips no fold tested.
    groups : np.ndarray [shape=(n_clips,)]

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> folds = [SimpleNamespace(fold=0, test_index=np.array([1]), test_group="b",
    ...                          y_true=np.array([5.0]), y_pred=np.array([4.0])),
    ...          SimpleNamespace(fold=1, test_index=np.array([0]), test_group="a",
    ...                          y_true=np.array([3.0]), y_pred=np.array([3.5]))]
    >>> y_true, y_pred = np.empty(2), np.empty(2)
    >>> test_fold, groups = assemble_out_of_fold(folds, y_true, y_pred)
    >>> y_true.tolist(), y_pred.tolist(), test_fold.tolist(), groups.tolist()
    ([3.0, 5.0], [3.5, 4.0], [1, 0], ['a', 'b'])
    """
    test_fold = np.full(len(y_true), -1)
    for fold in folds:
        y_true[fold.test_index] = fold.y_true
        y_pred[fold.test_index] = fold.y_pred
        test_fold[fold.test_index] = fold.fold
    if groups is not None:
        return test_fold, np.asarray(groups)
    return test_fold, np.asarray([folds[f].test_group for f in test_fold], dtype=object)
