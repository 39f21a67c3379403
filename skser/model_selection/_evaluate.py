"""Session-wise and cross-corpus evaluation of SER estimators, fold by fold on joblib."""

import sys
import time
from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils.parallel import Parallel, delayed

from ..metrics import check_label_targets
from ..utils import (
    CATEGORICAL,
    DIMENSIONAL,
    check_no_missing_labels,
    column_1d,
    num_samples,
    progress,
    take_rows,
)
from ._adapt import check_adapt, routing, speaker_metadata
from ._clips import name_refused_clips
from ._dimensional_report import DimensionalReport, check_dimensional_targets
from ._fit import accepts_validation, check_sampler, fit_with_validation
from ._leakage import audio_fingerprints, check_content_leakage, check_id_leakage
from ._report import SessionReport
from ._split import LeaveOneSessionOut

__all__ = ["evaluate_cross_corpus", "evaluate_sessions"]

_REPORTS = {report.task: report for report in (SessionReport, DimensionalReport)}


def _targets_task(y):
    """The task the targets set: 2-D values are dimensions, 1-D labels classes."""
    return DIMENSIONAL if np.ndim(y) == 2 else CATEGORICAL


def _check_y(y, n_clips, name):
    y = column_1d(y, name=name)
    if y.shape[0] != n_clips:
        raise ValueError(f"{name} has {y.shape[0]} labels for {n_clips} clips")
    return y


def _check_targets(y, n_clips, name):
    """``_check_y`` for class labels: a NaN or None among them is named with its index.

    A 2-D ``y`` is a dimensional task (arousal, valence, dominance): finite numbers.
    """
    if _targets_task(y).is_dimensional:
        return check_dimensional_targets(y, n_clips, name)
    return _check_y(check_no_missing_labels(y, name), n_clips, name)


def _report_columns(task, labels, estimator, y):
    """The report's columns: the classes, or the dimensions the (fitted) head names."""
    if task.is_dimensional:
        return task.output_names(estimator, n_outputs=y.shape[1])
    return labels


def _check_pair(data, name, allow_ids=False):
    """Unpack ``(X, y)`` (or ``(X, y, speakers)``) and check the lengths agree."""
    sizes = (2, 3) if allow_ids else (2,)
    if not isinstance(data, tuple | list) or len(data) not in sizes:
        form = "(X, y) or (X, y, speakers)" if allow_ids else "(X, y)"
        got = (
            f"a {type(data).__name__} of {len(data)} item(s)"
            if isinstance(data, tuple | list)
            else type(data).__name__
        )
        raise ValueError(f"{name} must be a tuple {form}, got {got}")
    X, y = data[0], data[1]
    n_clips = num_samples(X)
    y = _check_targets(y, n_clips, f"{name}'s y")
    ids = None
    if len(data) == 3 and data[2] is not None:
        ids = _check_y(data[2], n_clips, f"{name}'s speakers")
    return X, y, ids


def _first_step(estimator):
    """The step that receives the input: a pipeline's first step that is not passthrough."""
    while isinstance(estimator, Pipeline):
        steps = [step for _, step in estimator.steps if step not in (None, "passthrough")]
        if not steps:
            return None
        estimator = steps[0]
    return estimator


def _waveform_classes():
    """skser's steps that take waveforms, among the modules already imported."""
    for module, name in (
        ("skser.io._loader", "AudioLoader"),
        ("skser.preprocessing._base", "WaveformTransformer"),
        ("skser.embedding._base", "ClipEmbedder"),
    ):
        if module in sys.modules:
            yield getattr(sys.modules[module], name)


def takes_waveforms(estimator, *inputs):
    """Tell whether ``inputs`` are waveforms, so that batches of unequal width may be padded.

    They are when ``estimator`` (or a pipeline's first step) is a skser waveform step
    (``AudioLoader``, a ``skser.preprocessing`` step, an embedder), or when an input is a
    list of 1-D clips. Anything else is a feature matrix, whose width is fixed.
    """
    if isinstance(_first_step(estimator), tuple(_waveform_classes())):
        return True
    return any(
        isinstance(X, list | tuple) and len(X) and all(np.ndim(clip) == 1 for clip in X)
        for X in inputs
    )


def _check_extra_width(X, X_extra, waveforms):
    """Feature matrices of unequal width are an error naming ``extra_train``."""
    if waveforms or isinstance(X, list | tuple) or isinstance(X_extra, list | tuple):
        return
    shape, extra_shape = np.shape(X), np.shape(X_extra)
    if len(shape) == len(extra_shape) == 2 and shape[1] != extra_shape[1]:
        raise ValueError(
            f"extra_train's X has {extra_shape[1]} columns and X has {shape[1]}: feature "
            "matrices must have the same width (zero padding is for waveform batches only: "
            "an estimator that starts with a skser waveform step or AudioLoader, or lists "
            "of 1-D clips)"
        )
    if hasattr(X, "columns") and hasattr(X_extra, "columns"):
        if list(X.columns) != list(X_extra.columns):
            raise ValueError(
                "extra_train's X has other columns than X: "
                f"{list(X_extra.columns)} and {list(X.columns)}"
            )


def _concat_rows(a, b, waveforms):
    """Stack the rows of two inputs of one kind: arrays, lists, sparse or pandas.

    Two waveform batches of different widths are padded with zeros to the wider.
    """
    if hasattr(a, "iloc"):
        import pandas as pd

        return pd.concat([a, b], ignore_index=True)
    if sp.issparse(a):
        return sp.vstack([a, b], format=a.format)
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return list(a) + list(b)
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != b.ndim:
        raise ValueError(
            f"extra_train's X is {b.ndim}-D and X is {a.ndim}-D: pass the same kind of input"
        )
    if waveforms and a.ndim == 2 and a.shape[1] != b.shape[1]:
        # The waveform convention: clips are padded at the end with zeros.
        width = max(a.shape[1], b.shape[1])
        a = np.pad(a, ((0, 0), (0, width - a.shape[1])))
        b = np.pad(b, ((0, 0), (0, width - b.shape[1])))
    elif a.shape[1:] != b.shape[1:]:
        raise ValueError(f"extra_train's X has rows of shape {b.shape[1:]}, X {a.shape[1:]}")
    return np.concatenate([a, b])


def _annotate(exc, context, diagnose=None):
    """The same kind of exception with ``context`` in front of its message.

    ``diagnose()``, when given, may name the clips at fault instead (a ValueError naming a
    clip by its index in a fold's rows names no clip the caller knows).
    """
    named = diagnose() if diagnose is not None and isinstance(exc, ValueError) else None
    message = f"{context}: {exc if named is None else named}"
    try:
        return type(exc)(message)
    except Exception:
        return RuntimeError(message)


def _name_refused(estimator, X, ids, extra, extra_ids):
    """:func:`name_refused_clips` over ``X`` and ``extra_train``'s X, naming ids too."""

    def label(name, columns):
        def clip(index):
            shown = ", ".join(f"{kind} {_item(values[index])!r}" for kind, values in columns
                              if values is not None)
            return f"{name}[{index}]" + (f" ({shown})" if shown else "")
        return clip

    sources = [(X, label("X", ids))]
    if extra is not None:
        sources.append((extra[0], label("extra_train's X", [("speaker", extra_ids)])))
    return name_refused_clips(estimator, sources)


def _predict(model, X, params, proba):
    """``(predictions, probabilities or None)`` of ``model`` on ``X``.

    The probabilities (``proba`` asked, and the model has ``predict_proba``) do not
    replace ``predict``, whose answer may differ from their argmax (``SVC``). A pipeline
    without routed parameters transforms ``X`` once for both.
    """
    if not (proba and hasattr(model, "predict_proba")):
        return np.asarray(model.predict(X, **params)), None
    if isinstance(model, Pipeline) and not params:
        # What Pipeline.predict does without routed parameters, once for both methods.
        Xt = X
        for _, step in model.steps[:-1]:
            if step is not None and not (isinstance(step, str) and step == "passthrough"):
                Xt = step.transform(Xt)
        final = model.steps[-1][1]
        return np.asarray(final.predict(Xt)), np.asarray(final.predict_proba(Xt), dtype=float)
    return (np.asarray(model.predict(X, **params)),
            np.asarray(model.predict_proba(X, **params), dtype=float))


def _fit_predict(estimator, X_train, y_train, X_val, y_val, X_test, where, return_estimator,
                 routed=None, sampler=None, proba=False, diagnose=None,
                 validation_sampler=None):
    model = clone(estimator)
    routed = routed or {}
    start = time.perf_counter()
    try:
        with routing(routed):
            fit_with_validation(model, X_train, y_train, X_val=X_val, y_val=y_val,
                                params=routed.get("fit"), val_params=routed.get("val"),
                                sampler=sampler, validation_sampler=validation_sampler)
    except Exception as exc:
        raise _annotate(exc, f"fitting failed in {where}", diagnose) from exc
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    try:
        with routing(routed):
            y_pred, y_proba = _predict(model, X_test, routed.get("predict", {}), proba)
    except Exception as exc:
        raise _annotate(exc, f"predicting failed in {where}", diagnose) from exc
    return {
        "y_pred": y_pred,
        "y_proba": y_proba,
        "classes": getattr(model, "classes_", None) if y_proba is not None else None,
        "fit_time": fit_time,
        "predict_time": time.perf_counter() - start,
        "n_train": num_samples(X_train),
        "estimator": model if return_estimator else None,
    }


def _fit_predict_fold(
    estimator, X, y, extra, waveforms, train, val, test, where, return_estimator,
    adapt_ids=None, sampler=None, proba=False, diagnose=None, validation_sampler=None,
):
    X_train, y_train = take_rows(X, train), y[train]
    if extra is not None:
        X_train = _concat_rows(X_train, extra[0], waveforms)
        y_train = np.concatenate([y_train, extra[1]])
    X_val, y_val = (take_rows(X, val), y[val]) if len(val) else (None, None)
    return _fit_predict(
        estimator,
        X_train,
        y_train,
        X_val,
        y_val,
        take_rows(X, test),
        where,
        return_estimator,
        speaker_metadata(adapt_ids, train, val, test, extra),
        sampler,
        proba,
        diagnose,
        validation_sampler,
    )


def _run_folds(jobs, *, n_jobs, verbose, total, desc):
    """Run the fold jobs through joblib, with a progress bar over finished folds."""
    if not verbose:
        return Parallel(n_jobs=n_jobs)(jobs)
    try:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    except ValueError:  # a backend that cannot stream results
        parallel = Parallel(n_jobs=n_jobs)
    return list(progress(parallel(jobs), verbose=verbose, desc=desc, total=total, unit="fold"))


def _item(value):
    return value.item() if isinstance(value, np.generic) else value


def _where(fold, test_group):
    return f"fold {fold} (test group {_item(test_group)!r})"


def _whole_set(source, name, ids, X, waveforms):
    """A set of :func:`_check_fold_leakage` made of all the clips of ``X``."""
    prints = audio_fingerprints(X, waveforms=waveforms)
    return source, name, ids, prints, np.arange(num_samples(X))


def _check_fold_leakage(where, test, sources, kind):
    """Both checks of one fold: ids, then content (see :mod:`._leakage`).

    ``test`` and each of ``sources`` is ``(source, name, ids, fingerprints, index)``:
    ``ids`` and ``fingerprints`` cover the whole input that ``name`` names, ``index``
    selects the set's clips in it; ``ids`` may be None.
    """
    _, test_name, test_ids, test_prints, test_index = test
    if test_ids is not None:
        check_id_leakage(
            where,
            test_ids[test_index],
            [(source, None if ids is None else ids[index]) for source, _, ids, _, index in sources],
            kind,
        )
    check_content_leakage(
        where,
        (test_name, test_prints, test_index, test_ids),
        [(source, name, prints, index, ids) for source, name, ids, prints, index in sources],
    )


def evaluate_sessions(
    estimator,
    X,
    y,
    groups,
    *,
    speakers=None,
    extra_train=None,
    validation="next",
    n_jobs=None,
    verbose=False,
    labels=None,
    return_estimator=False,
    adapt=None,
    sampler=None,
    validation_sampler=None,
):
    """Evaluate a classifier session by session: leave one session out, every fold.

    Read more in the :ref:`User Guide <evaluation>`.

    The paper's protocol. Each fold (see :class:`LeaveOneSessionOut`) tests on one group,
    validates on the next one (``validation="next"``) and trains on the rest; a clone of
    ``estimator`` is fitted per fold and predicts the test group.

    **Validation.** An estimator whose ``fit`` takes ``X_val`` and ``y_val`` (such as
    skser's ``FocalLossClassifier``), or a ``Pipeline`` ending in one, is handed the
    validation session (see :func:`fit_with_validation`: a pipeline's earlier steps are
    fitted on the training rows and transform the validation rows). Any other estimator is
    trained on the training sessions only and the validation session is unused, so every
    estimator compared under one setting sees the same training data.

    **Leakage guard.** Before anything is fitted, each fold's test set is checked against
    its training sessions, its validation session and ``extra_train``; a ``ValueError``
    names what they share:

    - *ids*: a speaker (``speakers``; without them, a group) of the test set in the
      training or validation sessions, or in ``extra_train``'s speakers when it is a
      3-tuple. Groups alone never share ids across a fold's sets, so with ``groups`` alone
      the id check guards ``extra_train`` only: pass ``speakers`` when a session may hold
      a speaker of another one. Ids are compared as given; skser's loaders qualify theirs
      by corpus (``ravdess:03``), so corpora never collide by accident.
    - *content*: a clip whose samples equal a test clip's, in the training or validation
      sessions or ``extra_train``, whatever the ids. Each clip is hashed once: waveforms
      up to their true length, file paths after loading; silent clips are skipped. The
      message names the clips by index. Audio only: file paths, and waveforms by the rule
      under ``extra_train``; feature matrices are not compared (distinct clips may share
      discrete feature values).

    **Speaker adaptation.** ``adapt="speaker"`` also evaluates the estimator with a
    :class:`~skser.preprocessing.SpeakerNormalizer` before its final step (see
    :func:`~skser.preprocessing.make_speaker_adapted`), on the same folds: training and
    validation speakers are standardised by their own statistics, and each test speaker
    by the statistics of its own test clips, unlabeled (transductive). Speakers are
    ``speakers``, else ``groups``. The returned report is the plain protocol's, with the
    adapted one in ``report.adapted``; each says which protocol made its numbers.

    **Resampled training rows.** A ``sampler`` (such as
    :class:`~skser.preprocessing.NoisyCopies`, noisy copies of each training clip) is
    applied to each fold's training rows, ``extra_train`` included, after the leakage
    guard; test rows are never resampled, validation rows only by a
    ``validation_sampler``, and the report's description names the samplers.

    **Parallelism.** The folds run through joblib (``n_jobs``); inside
    ``with joblib.parallel_backend("dask"):`` they run on a Dask cluster.

    Parameters
    ----------
    estimator : estimator
        A classifier or a pipeline ending in one; it is cloned, never fitted itself.
    X : array-like [shape=(n_clips, ...)] or list
        The clips as the estimator takes them: a waveform batch, file paths, features.
        Rows are taken with ``skser.utils.take_rows``.
    y : array-like [shape=(n_clips,)]
        The class of each clip.
    groups : array-like [shape=(n_clips,)]
        The session (or speaker) of each clip; one fold per group.
    speakers : array-like [shape=(n_clips,)], optional
        The speaker of each clip, checked for leakage across the folds' sets.
    extra_train : tuple (X_extra, y_extra) or (X_extra, y_extra, speakers_extra), optional
        Clips added to every fold's training set, never to validation or test (the
        paper's cross-corpus training). ``X_extra`` is the same kind of input as ``X``.
        Two waveform batches of different widths are padded with zeros to the wider;
        inputs are waveforms when the estimator (or a pipeline's first step) is a skser
        waveform step (``AudioLoader``, a ``skser.preprocessing`` step, an embedder) or
        when ``X`` or ``X_extra`` is a list of 1-D clips. Feature matrices of different
        widths raise ``ValueError``. ``speakers_extra`` are checked against each fold's
        test speakers (or test groups when ``speakers`` is None); the clips' content is
        checked always.
    validation : {"next", None}, default="next"
        Hold out the next group of each fold as a validation set, or not.
    n_jobs : int, optional
        Folds run in parallel (joblib); None means 1 unless in a joblib context.
    verbose : bool, default=False
        Show a progress bar over finished folds.
    labels : array-like [shape=(n_labels,)], optional
        The classes, in report order. Default: the sorted classes of ``y`` (and
        ``y_extra``). A class outside ``labels`` raises ``ValueError``.
    return_estimator : bool, default=False
        Keep each fold's fitted estimator in ``report.folds[i].estimator``.
    adapt : {None, "speaker"}, default=None
        Also run the speaker-adapted protocol (transductive), into ``report.adapted``.
        With ``extra_train``, its speakers are needed: ``(X_extra, y_extra, speakers)``.
    sampler : object with ``fit_resample(X, y)`` and ``sample_indices_``, optional
        Resamples each fold's training rows (cloned per fold), as
        :func:`fit_with_validation` does; ``n_train`` counts the rows before it.
    validation_sampler : object with ``fit_resample(X, y)`` and ``sample_indices_``, \
optional
        Resamples each fold's validation rows (cloned per fold), as
        :func:`fit_with_validation` does: pass the ``sampler`` of noisy copies again and
        early stopping and the head's temperature see the same conditions as training.

    Returns
    -------
    report : SessionReport
        Per-fold WA, UA, macro-F1 and per-class F1, their mean and std, the summed
        confusion matrix, and the out-of-fold prediction of every clip
        (``report.protocol == "plain"``; ``report.adapted`` with ``adapt``). For a
        classifier with ``predict_proba``, also its out-of-fold probabilities
        (``report.y_proba``) and their calibration (``report.calibration``, the
        reliability diagram and the accuracy/coverage trade-off).

    Raises
    ------
    ValueError
        For too few groups (2, or 3 with validation), inputs of different lengths, a
        missing label (NaN or None, named by index), unknown labels, feature matrices of
        different widths, leakage (naming the ids or the clips), or an estimator that
        fails in a fold (the message names the fold and its test group; the error keeps
        its type). Clips that the estimator's skser embedder refuses (silent, too short
        once trimmed, NaN) are named by their index in ``X`` (or ``extra_train``'s X),
        with their group and speaker, not by their index in the fold's rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> y = np.tile(["hap", "sad"], 30)
    >>> X = rng.normal(size=(60, 3)) + (y == "hap")[:, np.newaxis]
    >>> groups = np.repeat(["s1", "s2", "s3"], 20)
    >>> report = evaluate_sessions(LogisticRegression(), X, y, groups)
    >>> report.n_folds, report.y_pred.shape
    (3, (60,))
    >>> [(fold.test_group, fold.val_group) for fold in report.folds]
    [('s1', 's2'), ('s2', 's3'), ('s3', 's1')]
    >>> int(report.confusion_matrix.sum())
    60
    """
    n_clips = num_samples(X)
    y = _check_targets(y, n_clips, "y")
    groups = _check_y(check_no_missing_labels(groups, "groups", "group"), n_clips, "groups")
    if speakers is not None:
        speakers = _check_y(check_no_missing_labels(speakers, "speakers", "speaker"), n_clips,
                            "speakers")
    extra, extra_ids = None, None
    if extra_train is not None:
        X_extra, y_extra, extra_ids = _check_pair(extra_train, "extra_train", allow_ids=True)
        extra = (X_extra, y_extra)
    waveforms = takes_waveforms(estimator, X, *([] if extra is None else [extra[0]]))
    if extra is not None:
        _check_extra_width(X, extra[0], waveforms)
    all_y = y if extra is None else np.concatenate([y, extra[1]])
    task = _targets_task(y)
    if not task.is_dimensional:
        labels = check_label_targets(all_y, labels=labels)[2]

    for given in (sampler, validation_sampler):
        if given is not None:
            check_sampler(given)
    splitter = LeaveOneSessionOut(validation=validation)
    folds = list(splitter._iter_folds(X, groups))
    ids, kind = (groups, "groups") if speakers is None else (speakers, "speakers")
    prints = audio_fingerprints(X, waveforms=waveforms, n_jobs=n_jobs, verbose=verbose)
    extra_source = ()
    if extra is not None:
        extra_prints = audio_fingerprints(
            extra[0], waveforms=waveforms, n_jobs=n_jobs, verbose=verbose
        )
        extra_source = (
            (
                "extra training data (extra_train)",
                "extra_train's X",
                extra_ids,
                extra_prints,
                np.arange(num_samples(extra[0])),
            ),
        )
    for index, (test_group, _, train, val, test) in enumerate(folds):
        _check_fold_leakage(
            _where(index, test_group),
            ("test set", "X", ids, prints, test),
            [
                ("training sessions", "X", ids, prints, train),
                ("validation session", "X", ids, prints, val),
                *extra_source,
            ],
            kind,
        )

    adapt_ids = check_adapt(adapt, groups if speakers is None else speakers, extra, extra_ids)
    # A clip refused in a fold is named by its index in X, not in the fold's rows.
    named_ids = [("group", groups)] + ([] if speakers is None else [("speaker", speakers)])
    diagnose = partial(_name_refused, estimator, X, named_ids, extra, extra_ids)
    common = dict(task=task, folds=folds, X=X, y=y, groups=groups, extra=extra,
                  waveforms=waveforms, diagnose=diagnose,
                  labels=labels, validation=validation, n_jobs=n_jobs, verbose=verbose,
                  return_estimator=return_estimator, sampler=sampler,
                  validation_sampler=validation_sampler)
    report = _session_report(estimator, **common)
    if adapt is not None:
        from ..preprocessing import make_speaker_adapted

        report.adapted = _session_report(
            make_speaker_adapted(estimator), adapt_ids=adapt_ids, protocol=adapt, **common
        )
    return report


def _session_report(estimator, *, task, folds, X, y, groups, extra, waveforms, labels,
                    validation, n_jobs, verbose, return_estimator, adapt_ids=None,
                    protocol="plain", sampler=None, diagnose=None,
                    validation_sampler=None):
    """Run the folds of :func:`evaluate_sessions` for one protocol; the task's report."""
    jobs = (
        delayed(_fit_predict_fold)(
            estimator,
            X,
            y,
            extra,
            waveforms,
            train,
            val,
            test,
            _where(index, test_group),
            return_estimator,
            adapt_ids,
            sampler,
            not task.is_dimensional,
            diagnose,
            validation_sampler,
        )
        for index, (test_group, _, train, val, test) in enumerate(folds)
    )
    results = _run_folds(
        jobs, n_jobs=n_jobs, verbose=verbose, total=len(folds), desc=f"sessions, {protocol}"
    )
    used_validation = validation is not None and accepts_validation(estimator)
    held_out = "" if validation is None else ", validation on the next group"
    resampled = "" if sampler is None else f", training rows resampled by {sampler!r}"
    if validation_sampler is not None and held_out:
        resampled += f", validation rows resampled by {validation_sampler!r}"
    description = (
        f"Leave-one-session-out: {type(estimator).__name__}, {len(folds)} folds{held_out}"
        f"{resampled}"
    )
    report_class = _REPORTS[task]
    columns = _report_columns(task, labels, results[0]["estimator"] or estimator, y)
    fold_results = []
    for index, ((test_group, val_group, _, val, test), result) in enumerate(zip(folds, results)):
        try:
            report_class.check_predictions(y[test], result["y_pred"], columns)
        except ValueError as exc:
            raise _annotate(exc, f"predictions of {_where(index, test_group)}") from exc
        fold_results.append(
            report_class.fold_class._build(
                columns,
                fold=index,
                test_group=_item(test_group),
                val_group=_item(val_group),
                test_index=test,
                y_true=y[test],
                y_pred=result["y_pred"],
                n_train=result["n_train"],
                n_val=len(val),
                used_validation=used_validation,
                fit_time=result["fit_time"],
                predict_time=result["predict_time"],
                estimator=result["estimator"],
                **report_class.fold_extras(result, columns),
            )
        )
    return report_class._build(
        fold_results,
        columns,
        n_clips=len(y),
        groups=groups,
        protocol=protocol,
        description=description,
    )


def evaluate_cross_corpus(
    estimator, train, test, *, validation=None, labels=None, arousal=None, return_estimator=False
):
    """Train on one corpus, test on another: the paper's cross-corpus evaluation.

    Read more in the :ref:`User Guide <evaluation>`.

    A clone of ``estimator`` is fitted on ``train`` (handed ``validation`` when it takes
    a validation set, as in :func:`evaluate_sessions`) and predicts ``test``.

    The leakage guard of :func:`evaluate_sessions` runs first: a clip of ``test`` whose
    samples equal one of ``train`` or ``validation``, or (when the tuples carry speakers)
    a test speaker among theirs, raises ``ValueError`` naming the clips or ids.

    Parameters
    ----------
    estimator : estimator
        A classifier or a pipeline ending in one; it is cloned.
    train : tuple (X, y) or (X, y, speakers)
        The training corpus.
    test : tuple (X, y) or (X, y, speakers)
        The test corpus.
    validation : tuple (X_val, y_val) or (X_val, y_val, speakers), optional
        A validation set for estimators whose ``fit`` takes ``X_val``/``y_val``; unused by
        the others.
    labels : array-like [shape=(n_labels,)], optional
        The classes, in report order. Default: the sorted classes of all the targets.
    arousal : dict or False, optional
        ``{label: level}`` for every class, for the arousal view. Default: :data:`AROUSAL`
        (ang, hap: high; neu, sad: low) when the classes are among those four, else no
        view. ``False``: no arousal view.
    return_estimator : bool, default=False
        Keep the fitted estimator in ``report.folds[0].estimator``.

    Returns
    -------
    report : SessionReport
        One fold (test group ``"test"``); ``report.arousal`` (an :class:`ArousalView`,
        or None) holds the 2x2 high/low arousal confusion matrix and the per-class
        recall. Probabilities and calibration as in :func:`evaluate_sessions`.

    Raises
    ------
    ValueError
        For inputs of different lengths, missing or unknown labels, or leakage between
        ``test`` and ``train`` or ``validation`` (naming the clips or the speakers).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> y = np.tile(["ang", "hap", "neu", "sad"], 20)
    >>> X = rng.normal(size=(80, 4)) + 2 * (y[:, np.newaxis] == ["ang", "hap", "neu", "sad"])
    >>> report = evaluate_cross_corpus(LogisticRegression(), (X[:40], y[:40]), (X[40:], y[40:]))
    >>> report.arousal.levels, report.arousal.confusion_matrix.sum(axis=1).tolist()
    (('high', 'low'), [20, 20])
    """
    X_train, y_train, train_ids = _check_pair(train, "train", allow_ids=True)
    X_test, y_test, test_ids = _check_pair(test, "test", allow_ids=True)
    X_val = y_val = val_ids = None
    targets = [y_train, y_test]
    if validation is not None:
        X_val, y_val, val_ids = _check_pair(validation, "validation", allow_ids=True)
        targets.append(y_val)
    task = _targets_task(y_test)
    if not task.is_dimensional:
        labels = check_label_targets(np.concatenate(targets), labels=labels)[2]
    inputs = [X_train, X_test] + ([] if X_val is None else [X_val])
    waveforms = takes_waveforms(estimator, *inputs)
    training = [_whole_set("training corpus (train)", "train's X", train_ids, X_train, waveforms)]
    if validation is not None:
        training.append(
            _whole_set("validation set (validation)", "validation's X", val_ids, X_val, waveforms)
        )
    _check_fold_leakage(
        "the cross-corpus evaluation",
        _whole_set("test set", "test's X", test_ids, X_test, waveforms),
        training,
        "speakers",
    )
    where = "the cross-corpus fit (test group 'test')"
    result = _fit_predict(
        estimator, X_train, y_train, X_val, y_val, X_test, where, return_estimator,
        proba=not task.is_dimensional,
    )
    report_class = _REPORTS[task]
    columns = _report_columns(task, labels, result["estimator"] or estimator, y_test)
    try:
        report_class.check_predictions(y_test, result["y_pred"], columns)
    except ValueError as exc:
        raise _annotate(exc, f"predictions of {where}") from exc
    fold = report_class.fold_class._build(
        columns,
        fold=0,
        test_group="test",
        val_group=None if validation is None else "validation",
        test_index=np.arange(y_test.shape[0]),
        y_true=y_test,
        y_pred=result["y_pred"],
        n_train=result["n_train"],
        n_val=0 if y_val is None else y_val.shape[0],
        used_validation=validation is not None and accepts_validation(estimator),
        fit_time=result["fit_time"],
        predict_time=result["predict_time"],
        estimator=result["estimator"],
        **report_class.fold_extras(result, columns),
    )
    return report_class._build(
        [fold],
        columns,
        n_clips=y_test.shape[0],
        description=f"Cross-corpus: {type(estimator).__name__}",
        **report_class._cross_corpus_extras(y_test, result["y_pred"], columns, arousal),
    )
