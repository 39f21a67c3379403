"""Leave-one-session-out cross-validation, with an optional validation session."""

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_array, indexable

from ..utils import num_samples

__all__ = ["LeaveOneSessionOut"]

_VALIDATION = (None, "next")


class LeaveOneSessionOut(BaseCrossValidator):
    """Leave-one-session-out cross-validator, with an optional validation session.

    Read more in the :ref:`User Guide <evaluation>`.

    Each fold tests on one group (a session or a speaker) and trains on the others, so no
    speaker is ever in both sets. With ``validation="next"`` each fold also holds out the
    next group, cyclically in sorted group order, as a validation set (for early stopping
    or model selection): fold ``i`` tests on group ``i``, validates on group
    ``(i + 1) % n_groups`` and trains on the rest.

    :meth:`split` yields ``(train, test)`` as every scikit-learn splitter does, so it works
    as ``cv=`` in ``cross_validate`` and ``GridSearchCV`` (pass ``groups=``). With
    ``validation="next"`` the validation group is left out of ``train``: in a plain
    ``cross_validate`` that session is simply unused. :meth:`split_with_validation` yields
    ``(train, val, test)``; :func:`evaluate_sessions` hands ``val`` to estimators that take
    a validation set.

    Parameters
    ----------
    validation : {None, "next"}, default=None
        None: no validation group. ``"next"``: hold out the next group as validation.

    Notes
    -----
    Folds come in sorted group order: fold ``i`` tests on ``np.unique(groups)[i]``.
    Random K-fold over clips mixes each speaker's clips into training and test sets and
    overstates accuracy; skser never uses it by default.

    Examples
    --------
    >>> import numpy as np
    >>> groups = np.array(["s1", "s1", "s2", "s2", "s3", "s3"])
    >>> cv = LeaveOneSessionOut(validation="next")
    >>> cv.get_n_splits(groups=groups)
    3
    >>> for train, val, test in cv.split_with_validation(np.zeros(6), groups=groups):
    ...     print(train.tolist(), val.tolist(), test.tolist())
    [4, 5] [2, 3] [0, 1]
    [0, 1] [4, 5] [2, 3]
    [2, 3] [0, 1] [4, 5]
    >>> [test.tolist() for _, test in LeaveOneSessionOut().split(np.zeros(6), groups=groups)]
    [[0, 1], [2, 3], [4, 5]]
    """

    # Under metadata routing, ``cross_validate(..., params={"groups": groups})`` routes
    # groups to split (what sklearn's GroupsConsumerMixin declares, by the public protocol).
    __metadata_request__split = {"groups": True}

    def __init__(self, *, validation=None):
        self.validation = validation

    def _check_groups(self, groups, n_samples=None):
        if self.validation not in _VALIDATION:
            raise ValueError(f"validation must be None or 'next', got {self.validation!r}")
        if groups is None:
            raise ValueError(
                "The 'groups' parameter should not be None: pass the session or speaker "
                "of each clip (groups=...)"
            )
        groups = check_array(groups, input_name="groups", ensure_2d=False, dtype=None)
        if groups.ndim != 1:
            raise ValueError(f"groups must be 1-D, one id per clip, got shape {groups.shape}")
        if n_samples is not None and groups.shape[0] != n_samples:
            raise ValueError(
                f"groups has {groups.shape[0]} ids for {n_samples} clips: pass one per clip"
            )
        unique = np.unique(groups)
        needed = 2 if self.validation is None else 3
        if unique.shape[0] < needed:
            why = (
                "a test group and a training group"
                if needed == 2
                else ("a test, a validation and a training group")
            )
            hint = "; pass validation=None to do without" if unique.shape[0] == 2 else ""
            raise ValueError(
                f"{type(self).__name__}(validation={self.validation!r}) needs at least "
                f"{needed} groups ({why}); got {unique.shape[0]}: {unique.tolist()}{hint}"
            )
        return groups, unique

    def _iter_folds(self, X, groups):
        """Yield ``(test_group, val_group, train, val, test)`` for each fold."""
        groups, unique = self._check_groups(groups, num_samples(X))
        indices = np.arange(groups.shape[0])
        for position, test_group in enumerate(unique):
            test = groups == test_group
            if self.validation is None:
                val_group, val = None, np.zeros_like(test)
            else:
                val_group = unique[(position + 1) % unique.shape[0]]
                val = groups == val_group
            train = ~(test | val)
            yield test_group, val_group, indices[train], indices[val], indices[test]

    def split(self, X, y=None, groups=None):
        """Generate the training and test indices of each fold.

        Parameters
        ----------
        X : array-like [shape=(n_clips, ...)]
            The clips (only their number is used).
        y : array-like [shape=(n_clips,)], optional
            Ignored.
        groups : array-like [shape=(n_clips,)]
            The session or speaker of each clip.

        Yields
        ------
        train : np.ndarray [shape=(n_train,)]
            Training indices; the validation group, if any, is not among them.
        test : np.ndarray [shape=(n_test,)]
            Test indices: the clips of one group.
        """
        X, y, groups = indexable(X, y, groups)
        for _, _, train, _, test in self._iter_folds(X, groups):
            yield train, test

    def split_with_validation(self, X, y=None, groups=None):
        """Generate the training, validation and test indices of each fold.

        Parameters
        ----------
        X : array-like [shape=(n_clips, ...)]
            The clips (only their number is used).
        y : array-like [shape=(n_clips,)], optional
            Ignored.
        groups : array-like [shape=(n_clips,)]
            The session or speaker of each clip.

        Yields
        ------
        train : np.ndarray [shape=(n_train,)]
            Training indices.
        val : np.ndarray [shape=(n_val,)]
            Validation indices: the clips of the next group; empty when
            ``validation=None``.
        test : np.ndarray [shape=(n_test,)]
            Test indices: the clips of one group.
        """
        X, y, groups = indexable(X, y, groups)
        for _, _, train, val, test in self._iter_folds(X, groups):
            yield train, val, test

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of folds: the number of distinct groups.

        Parameters
        ----------
        X : object
            Ignored.
        y : object
            Ignored.
        groups : array-like [shape=(n_clips,)]
            The session or speaker of each clip.

        Returns
        -------
        n_splits : int
        """
        return int(self._check_groups(groups)[1].shape[0])
