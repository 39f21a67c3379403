"""Scorers for ``cross_validate`` and ``GridSearchCV``: by object, or by skser's names."""

import copy

from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.metrics import get_scorer_names as _sklearn_get_scorer_names
from sklearn.metrics import make_scorer

from ._classification import macro_f1, unweighted_accuracy, weighted_accuracy
from ._regression import concordance_correlation_coefficient

__all__ = [
    "SER_SCORING",
    "ccc_scorer",
    "get_scorer",
    "get_scorer_names",
    "macro_f1_scorer",
    "ua_scorer",
    "wa_scorer",
]

wa_scorer = make_scorer(weighted_accuracy)
"""Scorer of :func:`weighted_accuracy` (WA), for ``scoring=``."""

ua_scorer = make_scorer(unweighted_accuracy)
"""Scorer of :func:`unweighted_accuracy` (UA), for ``scoring=``."""

macro_f1_scorer = make_scorer(macro_f1)
"""Scorer of :func:`macro_f1`, for ``scoring=``."""

ccc_scorer = make_scorer(concordance_correlation_coefficient)
"""Scorer of :func:`concordance_correlation_coefficient` (mean over outputs)."""

_SCORERS = {
    "wa": wa_scorer,
    "weighted_accuracy": wa_scorer,
    "ua": ua_scorer,
    "unweighted_accuracy": ua_scorer,
    "macro_f1": macro_f1_scorer,
    "ccc": ccc_scorer,
    "concordance_correlation_coefficient": ccc_scorer,
}

SER_SCORING = {"wa": wa_scorer, "ua": ua_scorer, "macro_f1": macro_f1_scorer}
"""dict: WA, UA and macro-F1, for ``cross_validate(..., scoring=SER_SCORING)``.

The results come back as ``test_wa``, ``test_ua`` and ``test_macro_f1``."""


def get_scorer_names():
    """Return the scorer names :func:`get_scorer` knows: skser's, then scikit-learn's.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> names = get_scorer_names()
    >>> names[:4], "accuracy" in names
    (['ccc', 'concordance_correlation_coefficient', 'macro_f1', 'ua'], True)
    """
    return sorted(_SCORERS) + [n for n in _sklearn_get_scorer_names() if n not in _SCORERS]


def get_scorer(scoring):
    """Get a scorer by name: skser's names first, then scikit-learn's.

    scikit-learn has no public registry for new scorer names, so ``scoring="ua"`` does not
    work inside ``cross_validate`` itself; pass ``get_scorer("ua")``, a scorer object such
    as :data:`ua_scorer`, or the dict :data:`SER_SCORING` instead.

    Parameters
    ----------
    scoring : str, callable or None
        ``"wa"`` (``"weighted_accuracy"``), ``"ua"`` (``"unweighted_accuracy"``),
        ``"macro_f1"``, ``"ccc"`` (``"concordance_correlation_coefficient"``), or any
        name of ``sklearn.metrics.get_scorer_names()``. A callable (or None) is returned
        as it is.

    Returns
    -------
    scorer : callable
        A new copy of the scorer, called as ``scorer(estimator, X, y)``.

    Raises
    ------
    ValueError
        For a name neither skser nor scikit-learn knows.

    Examples
    --------
    >>> get_scorer("ua")
    make_scorer(unweighted_accuracy, response_method='predict')
    >>> get_scorer("balanced_accuracy")
    make_scorer(balanced_accuracy_score, response_method='predict')
    """
    if isinstance(scoring, str):
        if scoring in _SCORERS:
            return copy.deepcopy(_SCORERS[scoring])
        if scoring not in _sklearn_get_scorer_names():
            raise ValueError(
                f"{scoring!r} is not a scorer name: skser knows {sorted(_SCORERS)}, and "
                "scikit-learn's names are listed by sklearn.metrics.get_scorer_names()"
            )
    return _sklearn_get_scorer(scoring)
