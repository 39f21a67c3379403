"""Fitting with a validation set: estimators whose ``fit`` takes ``X_val`` and ``y_val``."""

import inspect

from sklearn.pipeline import Pipeline

__all__ = ["accepts_validation", "fit_with_validation"]


def _is_passthrough(step):
    return step is None or (isinstance(step, str) and step == "passthrough")


def accepts_validation(estimator):
    """Tell whether ``estimator.fit`` takes a validation set (``X_val`` and ``y_val``).

    A ``Pipeline`` takes one when its final step does.

    Parameters
    ----------
    estimator : estimator
        An estimator, fitted or not.

    Returns
    -------
    bool

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> accepts_validation(make_pipeline(StandardScaler(), LogisticRegression()))
    False
    """
    if isinstance(estimator, Pipeline):
        return accepts_validation(estimator.steps[-1][1])
    if _is_passthrough(estimator) or not hasattr(estimator, "fit"):
        return False
    parameters = inspect.signature(estimator.fit).parameters
    return "X_val" in parameters and "y_val" in parameters


def fit_with_validation(estimator, X, y, *, X_val=None, y_val=None, params=None,
                        val_params=None):
    """Fit ``estimator`` on ``(X, y)``, handing it ``(X_val, y_val)`` when it takes them.

    - An estimator whose ``fit`` takes ``X_val`` and ``y_val`` gets them as keywords.
    - A ``Pipeline`` whose final step takes them is fitted step by step: each earlier step
      is fitted on the training rows (``fit_transform``) and transforms the validation
      rows (``transform``), and the final step is fitted with the transformed validation
      set. The result is a fitted pipeline, as ``pipeline.fit`` would leave it. Training
      only behaviour stays training only: a ``WaveformAugmenter`` augments the training
      clips and passes the validation clips through.
    - Any other estimator is fitted on ``(X, y)`` alone; the validation set is unused.

    ``params`` (such as ``speakers``) are routed to the steps that request them, as
    ``pipeline.fit(X, y, **params)`` routes them; ``val_params`` are routed to the
    steps' ``transform`` of the validation rows, as ``pipeline.predict`` routes them.
    Both need ``sklearn.set_config(enable_metadata_routing=True)``.

    Parameters
    ----------
    estimator : estimator
        The estimator to fit, in place.
    X : array-like [shape=(n_clips, ...)]
        Training clips (waveforms, paths or features: whatever the estimator takes).
    y : array-like [shape=(n_clips,)]
        Training targets.
    X_val : array-like [shape=(n_val, ...)], optional
        Validation clips.
    y_val : array-like [shape=(n_val,)], optional
        Validation targets.
    params : dict, optional
        Metadata of the training rows, routed (metadata routing must be enabled).
    val_params : dict, optional
        Metadata of the validation rows, routed to the transforms.

    Returns
    -------
    estimator : estimator
        The fitted estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> model = fit_with_validation(LogisticRegression(), X, y, X_val=X[:2], y_val=y[:2])
    >>> model.predict([[0.1], [2.9]]).tolist()
    [0, 1]
    """
    params = params or {}
    if X_val is None or y_val is None or not accepts_validation(estimator):
        return estimator.fit(X, y, **params)
    if not isinstance(estimator, Pipeline):
        return estimator.fit(X, y, X_val=X_val, y_val=y_val, **params)
    routed, routed_val = _route(estimator, params, val_params or {})
    Xt, X_val_t = X, X_val
    for name, transformer in estimator.steps[:-1]:
        if _is_passthrough(transformer):
            continue
        Xt = transformer.fit_transform(Xt, y, **routed[name].get("fit_transform", {}))
        X_val_t = transformer.transform(X_val_t, **routed_val[name].get("transform", {}))
    name, final = estimator.steps[-1]
    fit_with_validation(final, Xt, y, X_val=X_val_t, y_val=y_val,
                        params=routed[name].get("fit", {}))
    return estimator


def _route(pipeline, params, val_params):
    """Per-step metadata, as ``pipeline.fit`` and ``pipeline.predict`` would route it."""
    if not params and not val_params:
        empty = {name: {} for name, _ in pipeline.steps}
        return empty, empty
    from sklearn.utils.metadata_routing import process_routing

    return (process_routing(pipeline, "fit", **params),
            process_routing(pipeline, "predict", **val_params))
