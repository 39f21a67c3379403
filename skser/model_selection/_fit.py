"""Fitting with a validation set: estimators whose ``fit`` takes ``X_val`` and ``y_val``."""

import inspect

from sklearn import config_context
from sklearn.pipeline import Pipeline

__all__ = [
    "accepts_validation", "check_sampler", "fit_with_validation", "resample_rows",
]


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


def _request_validation(estimator, restore):
    """Make a Pipeline hand (X_val, y_val) to its final step the scikit-learn way.

    ``transform_input=["X_val"]`` makes the pipeline transform the validation clips with
    its fitted earlier steps; the final step's fit request asks for both. Pipelines whose
    ``transform_input`` is changed are noted in ``restore``: scikit-learn refuses to fit a
    pipeline with ``transform_input`` while routing is off, so it is put back after.
    """
    if not isinstance(estimator, Pipeline):
        request = estimator.get_metadata_routing().fit.requests
        if request.get("X_val") is None or request.get("y_val") is None:
            estimator.set_fit_request(X_val=True, y_val=True)
        return
    if "X_val" not in (estimator.transform_input or ()):
        restore.append((estimator, estimator.transform_input))
        estimator.set_params(transform_input=[*(estimator.transform_input or ()), "X_val"])
    _request_validation(estimator.steps[-1][1], restore)


def fit_with_validation(estimator, X, y, *, X_val=None, y_val=None, params=None,
                        val_params=None, sampler=None, validation_sampler=None):
    """Fit ``estimator`` on ``(X, y)``, handing it ``(X_val, y_val)`` when it takes them.

    Read more in the :ref:`User Guide <evaluation>`.

    - An estimator whose ``fit`` takes ``X_val`` and ``y_val`` gets them as keywords.
    - A ``Pipeline`` whose final step takes them gets them through scikit-learn's own
      mechanism (scikit-learn >= 1.6): ``Pipeline(..., transform_input=["X_val"])`` with
      metadata routing. Its earlier steps are fitted on the training rows and transform
      the validation rows; the final step is fitted with the transformed validation set.
      Routing is enabled and ``transform_input`` set for the duration of the fit only,
      because scikit-learn refuses to fit a pipeline with ``transform_input`` while
      routing is off; a final step with no fit request for ``X_val`` and ``y_val``
      (``FocalLossClassifier`` requests them by default) gets one. Training
      only behaviour stays training only: a ``WaveformAugmenter`` augments the training
      clips and passes the validation clips through.
    - Any other estimator is fitted on ``(X, y)`` alone; the validation set is unused.

    A ``sampler`` (such as :class:`~skser.preprocessing.NoisyCopies`) resamples the
    training rows first, ``sampler.fit_resample(X, y)`` on a clone; the per-clip arrays in
    ``params`` follow the rows through its ``sample_indices_``. The validation rows are
    resampled only by a ``validation_sampler`` (``val_params`` following them): noisy
    copies of the validation clips make early stopping, and the temperature a
    ``FocalLossClassifier`` fits on them, see the conditions the copies of the training
    clips bring (:ref:`recording_conditions`).

    ``params`` (such as ``speakers``) are routed to the steps that request them, as
    ``pipeline.fit(X, y, **params)`` routes them; ``val_params`` are routed to the
    steps' ``transform`` of the validation rows, as ``pipeline.predict`` routes them.
    Both need ``sklearn.set_config(enable_metadata_routing=True)``. scikit-learn's
    ``transform_input`` would transform the validation rows with the *training* rows'
    metadata, so with ``val_params`` the pipeline is fitted step by step instead, each
    step's metadata routed by scikit-learn's ``process_routing``.

    The same fit, without this helper (``FocalLossClassifier`` requests both)::

        with sklearn.config_context(enable_metadata_routing=True):
            pipe.set_params(transform_input=["X_val"])
            pipe.fit(X, y, X_val=X_val, y_val=y_val)

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
    sampler : object with ``fit_resample(X, y)`` and ``sample_indices_``, optional
        Resamples the training rows (more rows: noisy copies).
    validation_sampler : object with ``fit_resample(X, y)`` and ``sample_indices_``, \
optional
        Resamples the validation rows, on a clone of its own (noisy copies drawn from the
        validation clips alone). Often the same object as ``sampler``.

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
    if sampler is not None:
        X, y, params = resample_rows(sampler, X, y, params)
    if validation_sampler is not None and X_val is not None and y_val is not None:
        X_val, y_val, val_params = resample_rows(validation_sampler, X_val, y_val, val_params)
    if X_val is None or y_val is None or not accepts_validation(estimator):
        return estimator.fit(X, y, **params)
    if not isinstance(estimator, Pipeline):
        return estimator.fit(X, y, X_val=X_val, y_val=y_val, **params)
    if params or val_params:
        return _fit_step_by_step(estimator, X, y, X_val, y_val, params, val_params or {})
    restore = []
    try:
        with config_context(enable_metadata_routing=True):
            _request_validation(estimator, restore)
            return estimator.fit(X, y, X_val=X_val, y_val=y_val)
    finally:
        for pipeline, transform_input in restore:
            pipeline.set_params(transform_input=transform_input)


def check_sampler(sampler):
    """Refuse a ``sampler`` without ``fit_resample``, naming what it is."""
    if not callable(getattr(sampler, "fit_resample", None)):
        raise TypeError(
            "sampler must have fit_resample(X, y), as skser.preprocessing.NoisyCopies or an "
            f"imbalanced-learn sampler has; got {type(sampler).__name__}"
        )


def resample_rows(sampler, X, y, params=None):
    """``sampler.fit_resample(X, y)`` on a clone, with ``params`` following the rows.

    Parameters
    ----------
    sampler : object with ``fit_resample(X, y)`` and ``sample_indices_``
        Such as :class:`~skser.preprocessing.NoisyCopies`; cloned, never fitted itself.
    X, y : array-like
        The rows (training or validation) and their targets.
    params : dict, optional
        Metadata; each array of one value per row of ``X`` is indexed like the rows.

    Returns
    -------
    X_resampled, y_resampled, params_resampled
    """
    from sklearn.base import clone

    from ..utils import num_samples, take_rows

    check_sampler(sampler)
    n_rows = num_samples(X)
    sampler = clone(sampler)
    X, y = sampler.fit_resample(X, y)
    indices = getattr(sampler, "sample_indices_", None)
    if indices is None:
        raise TypeError(f"{type(sampler).__name__} has no sample_indices_ after fit_resample: "
                        "skser cannot tell which rows the metadata belong to")
    resampled = {}
    for name, value in (params or {}).items():
        per_row = hasattr(value, "__len__") and not isinstance(value, str | dict)
        resampled[name] = (take_rows(value, indices)
                           if per_row and num_samples(value) == n_rows else value)
    return X, y, resampled


def _fit_step_by_step(pipeline, X, y, X_val, y_val, params, val_params):
    """Fit a pipeline whose training and validation rows carry their own metadata."""
    from sklearn.utils.metadata_routing import process_routing

    routed = process_routing(pipeline, "fit", **params)
    routed_val = process_routing(pipeline, "predict", **val_params)
    Xt, X_val_t = X, X_val
    for name, transformer in pipeline.steps[:-1]:
        if _is_passthrough(transformer):
            continue
        Xt = transformer.fit_transform(Xt, y, **routed[name].get("fit_transform", {}))
        X_val_t = transformer.transform(X_val_t, **routed_val[name].get("transform", {}))
    name, final = pipeline.steps[-1]
    fit_with_validation(final, Xt, y, X_val=X_val_t, y_val=y_val,
                        params=routed[name].get("fit", {}))
    return pipeline
