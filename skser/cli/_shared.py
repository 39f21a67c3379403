"""What several ``skser`` commands do: load a model, read corpora, fit, evaluate, save,
and run a model on audio files, naming the files it cannot take.

A leaf: it imports no command module. skser's estimators (and with them scikit-learn and
torch) are imported by the functions that use them, so that ``skser --help`` and a
prediction with an ``.onnx`` model load none of them.
"""

import contextlib
import os
import warnings

import numpy as np

from ..utils import expand_path, model_dimensions, task_of
from ._data import check_data_path, load_corpus, load_user_corpus
from ._options import channels_argument, speeds_argument
from ._speakers import adapt_for_fit, adapted_probabilities

__all__ = [
    "ONNX_SUFFIX",
    "check_clip_lengths",
    "check_model_folder",
    "dimensions_of",
    "evaluate_corpus",
    "failing_files",
    "failures",
    "fit_final",
    "folds_in_process",
    "head_params",
    "load_corpora",
    "load_model",
    "make_pipeline",
    "predictions",
    "printable",
    "sampler_of",
    "save",
    "save_timeline",
]

ONNX_SUFFIX = ".onnx"


def load_model(path):
    """A fitted model from a ``.joblib`` pickle or an ``.onnx`` export.

    Only load pickles you trust: unpickling runs code.
    """
    path = expand_path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a model file")
    if path.exists() and not path.is_file():  # (opening a named pipe would block)
        raise ValueError(f"{path} is not a regular file (a named pipe, a device?), not a "
                         "model file")
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    if path.suffix.lower() == ONNX_SUFFIX:
        from ..export import OnnxPipeline

        return OnnxPipeline(path)
    import joblib

    try:
        model = joblib.load(path)
    except Exception as exc:  # unpickling raises anything
        raise ValueError(f"cannot read a model from {path} (damaged, or not saved by skser): "
                         f"{type(exc).__name__}: {exc}") from exc
    _check_loaded(model, path)
    return model


def _check_loaded(model, path):
    """Refuse an unpickled object that is not a fitted classifier or dimensional model."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    refused = ValueError(f"{path} holds a {type(model).__name__}, not a fitted classifier")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise ValueError(f"{path} holds an unfitted {type(model).__name__}: save a model "
                         "after fitting it (skser train)") from None
    except TypeError:  # not an estimator
        raise refused from None
    try:
        task = task_of(model)
    except AttributeError:  # no scikit-learn tags
        raise refused from None
    if task.is_dimensional:
        usable = hasattr(model, "predict") and model_dimensions(model) is not None
    else:
        usable = hasattr(model, "predict_proba") and hasattr(model, "classes_")
    if not usable:
        raise refused
    _check_takes_audio(model, path)


def _check_takes_audio(model, path):
    """Refuse a scikit-learn estimator (or a pipeline of them alone) fitted on a table:
    no step of it reads audio, so every clip would fail on its number of features."""
    steps = [step for _, step in model.steps] if hasattr(model, "steps") else [model]
    width = getattr(model, "n_features_in_", None)
    if width is None or not all(type(step).__module__.startswith("sklearn.")
                                for step in steps if step not in (None, "passthrough")):
        return
    raise ValueError(f"{path} holds a {type(model).__name__} fitted on a table of {width} "
                     "features, not a model that takes audio: use one saved by skser train "
                     "or evaluate --save")


def dimensions_of(model):
    """The names of a dimensional model's outputs (``arousal``, ``valence``...)."""
    return [str(name) for name in model_dimensions(model)]


# A tab or a line break in a file name would break predict's one-line, tab-separated rows.
_ESCAPES = {ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}


def printable(path):
    """``path`` for a tab-separated line: tabs and line breaks written as ``\\t``, ``\\n``."""
    return os.fspath(path).translate(_ESCAPES)


def head_params(args):
    """The head's parameters the command line sets (``--heads``)."""
    heads = getattr(args, "heads", None)
    return {} if heads is None else {"n_ensemble": heads}


def check_model_folder(args):
    """Refuse a ``--model`` naming a local folder that holds no encoder, before any audio
    is read (the encoder is loaded when the first clip is embedded)."""
    model = getattr(args, "model", None)
    if model is None or getattr(args, "embedder", "weight-free") == "weight-free":
        return
    from ..embedding import check_local_folder, model_source

    source, local = model_source(model)
    if local:
        try:
            check_local_folder(source)
        except (OSError, ValueError) as exc:
            raise type(exc)(f"--model: {exc}") from None


def make_pipeline(args, *, verbose=None):
    """The default pipeline the data options describe.

    ``verbose`` (default ``args.verbose``): progress bars while embedding and over the
    head's epochs.
    """
    from ..pipeline import make_ser_pipeline

    verbose = args.verbose if verbose is None else verbose
    check_model_folder(args)
    pipe = make_ser_pipeline(
        task=getattr(args, "task", "categorical"),
        embedder=args.embedder, model=args.model, local_files_only=args.local_files_only,
        memory=args.cache, augment=args.augment, speeds=speeds_argument(args),
        channels=channels_argument(args), random_state=args.seed, verbose=verbose,
        **head_params(args),
    )
    pipe[-1].set_params(verbose=verbose)  # make_ser_pipeline's verbose is the embedder's
    return pipe


# --noisy-copies auto: bench_robustness.py's "channels" variant (multi-condition training).
AUTO_COPIES = {"n_copies": 2, "kinds": ("white", "babble", "floor", "telephone", "room"),
               "snr_db": (0.0, 30.0)}


def sampler_of(args):
    """``NoisyCopies`` for ``--noisy-copies`` (seeded by ``--seed``), else None.

    ``auto`` is multi-condition training (``AUTO_COPIES``) for the weight-free emotion
    classes model trained from audio, and no copies otherwise (an encoder's embedding costs
    too much to triple; the dimensional head was not measured with them).
    """
    params = {"n_copies": getattr(args, "noisy_copies", 0)}
    kinds = getattr(args, "copy_kinds", None)
    if params["n_copies"] == "auto":
        default_model = (getattr(args, "embedder", "weight-free") == "weight-free"
                         and getattr(args, "task", "categorical") == "categorical")
        params = dict(AUTO_COPIES) if default_model else {"n_copies": 0}
    if not params["n_copies"]:
        if kinds:
            raise ValueError("--copy-kinds needs --noisy-copies N (N >= 1)")
        return None
    from ..preprocessing import NoisyCopies

    if kinds:
        params["kinds"] = tuple(dict.fromkeys(kinds))
    return NoisyCopies(random_state=args.seed, **params)


def load_corpora(args):
    """The corpus the data options name, and the extra training corpus or None."""
    dimensional = getattr(args, "task", "categorical") == "dimensional"
    if getattr(args, "extra_train_data", None):  # before the main corpus is read
        check_data_path(args.extra_train_data, "--extra-train-data",
                        getattr(args, "path_column", "path"))
    corpus = _main_corpus(args, dimensional)
    print(corpus.describe())
    if corpus.caveat:
        print(f"warning: {corpus.caveat}")
    extra = None
    if args.extra_train_corpus:
        extra = load_corpus(args.extra_train_corpus, args.extra_root, labels=args.labels,
                            seed=args.seed + 1, n_jobs=args.n_jobs, verbose=args.verbose,
                            **_synthetic(args, dimensional))
        if extra.name == corpus.name == "synthetic":  # another seed: other voices, same ids
            extra = extra.requalified("synthetic-extra")
    elif getattr(args, "extra_train_data", None):
        extra = load_user_corpus(args.extra_train_data, args, seed=args.seed + 1,
                                 n_jobs=args.n_jobs, verbose=args.verbose,
                                 targets=_user_targets(args, dimensional),
                                 allow_no_speakers=True, option="--extra-train-data")
        # Its ids may be anything, the main corpus's too: qualified, they never collide.
        extra = extra.requalified(f"extra-{extra.name}")
    if extra is not None:
        print(f"extra training data, never validation or test: {extra.describe()}")
    return corpus, extra


def _synthetic(args, dimensional):
    return dict(speakers=args.speakers, clips_per_class=args.clips_per_class,
                targets="avd" if dimensional else "emotion")


def _user_targets(args, dimensional):
    """The rating columns of ``--data`` for the dimensional task (``--targets``)."""
    targets = getattr(args, "targets", None)
    if dimensional and not targets:
        raise ValueError("--task dimensional with --data needs --targets: the columns of "
                         "numeric ratings (e.g. --targets arousal valence dominance)")
    if targets and not dimensional:
        raise ValueError("--targets names rating columns for --task dimensional")
    return targets if dimensional else None


def _main_corpus(args, dimensional):
    if getattr(args, "data", None):
        if args.corpus != "synthetic" or args.root:
            raise ValueError("--data names your own corpus and --corpus/--root a built-in "
                             "one: give one of them")
        return load_user_corpus(args.data, args, seed=args.seed, n_jobs=args.n_jobs,
                                verbose=args.verbose,
                                targets=_user_targets(args, dimensional),
                                allow_no_speakers=getattr(args, "allow_no_speakers", False),
                                min_classes=2)
    for option in ("targets", "label_map", "classes"):
        if getattr(args, option, None):
            raise ValueError(f"--{option.replace('_', '-')} reads --data: a built-in "
                             "--corpus has its own labels")
    return load_corpus(args.corpus, args.root, labels=args.labels, seed=args.seed,
                       n_jobs=args.n_jobs, verbose=args.verbose, min_classes=2,
                       **_synthetic(args, dimensional))


def check_clip_lengths(pipe, *corpora):
    """Refuse, naming their files, the clips of ``corpora`` that the pipeline's embedder
    would refuse once its waveform steps have trimmed them (silent or too short), or that
    one of those steps refuses.

    Fitting would refuse them too, but by their index in a fold's training set, which
    no file or manifest row matches. The training-only augmenters are left out: a clip
    is tested without them (:func:`skser.model_selection.refused_clips`).
    """
    from ..io import SAMPLE_RATE
    from ..model_selection import refused_clips

    embedder = next((step for _, step in pipe.steps if hasattr(step, "min_samples")), None)
    if embedder is None:
        return
    for corpus in corpora:
        if corpus is None or not hasattr(corpus.X, "shape"):
            continue
        refused = refused_clips(pipe, corpus.X)
        if not refused:
            continue
        files = corpus.filenames
        named = []
        for index, length, reason in refused[:8]:
            name = os.fspath(files[index]) if files is not None else f"clip {index}"
            named.append(f"{name}: {reason}" if reason is not None else
                         f"{name} ({length} samples{': silent' if length == 0 else ''})")
        more = f" and {len(refused) - 8} more" if len(refused) > 8 else ""
        what = (f"are silent or shorter than the {embedder.min_samples} samples "
                f"({1000 * embedder.min_samples / SAMPLE_RATE:.0f} ms) "
                f"{type(embedder).__name__} needs once trimmed"
                if any(reason is None for _, _, reason in refused)
                else "cannot be preprocessed")
        raise ValueError(f"{corpus.source}: {len(refused)} clip(s) {what}: "
                         f"{'; '.join(named)}{more}. Leave them out of the data")


def fit_final(pipe, corpus, extra, adapt=None, sampler=None):
    """Fit on every clip but one held-out group, which early stopping validates on.

    A ``sampler`` (``--noisy-copies``) adds noisy copies of the training clips and of the
    held-out group's, so that early stopping and the head's temperature see the
    conditions it trains for.

    The leakage guard checks that no training clip (the extra corpus's included) shares
    a speaker or its audio with the validation group.
    """
    from ..io import as_batch
    from ..model_selection import check_leakage, fit_with_validation

    groups = np.unique(corpus.groups)
    if groups.size < 2:
        raise ValueError(
            f"the corpus has {groups.size} group (speaker or session): training holds one "
            "out for early stopping and needs at least one more to train on"
        )
    held_out = groups[-1]
    validation = corpus.groups == held_out
    training = {"training data": (corpus.X[~validation], corpus.speakers[~validation])}
    if extra is not None:
        training["extra training data (--extra-train-corpus)"] = (extra.X, extra.speakers)
    check_leakage((corpus.X[validation], corpus.speakers[validation]), training,
                  where=f"the final fit (validation group {str(held_out)!r})",
                  held_out="validation set")
    X, y = corpus.X[~validation], corpus.y[~validation]
    if extra is not None:
        X, y = as_batch([*X, *extra.X]), np.concatenate([y, extra.y])
    fit = dict(X_val=corpus.X[validation], y_val=corpus.y[validation])
    context = contextlib.nullcontext()
    if adapt:
        pipe, fit, context = adapt_for_fit(pipe, fit, corpus, validation, extra)
    with context:
        fit_with_validation(pipe, X, y, sampler=sampler, validation_sampler=sampler, **fit)
    copies = "" if sampler is None else f" and {sampler.n_copies} noisy copies of each"
    val_copies = "" if sampler is None else " and their copies"
    print(f"fitted on {len(y)} clips{copies}; early stopping validated on group {str(held_out)!r} "
          f"({int(validation.sum())} clips{val_copies})")
    return pipe


def evaluate_corpus(pipe, corpus, extra, n_jobs, adapt=None, sampler=None, *, verbose=True):
    """Leave-one-session-out on the corpus (``verbose``: a progress bar over folds)."""
    from ..model_selection import evaluate_sessions

    n_groups = np.unique(corpus.groups).size
    if n_groups < 3:
        raise ValueError(
            f"evaluate needs at least 3 groups (speakers or sessions): each fold tests on "
            f"one, early-stops on the next and trains on the rest; the corpus has {n_groups}"
        )
    if np.ndim(corpus.y) == 1:
        _check_classes_span_groups(corpus)
    return evaluate_sessions(
        pipe, corpus.X, corpus.y, corpus.groups, speakers=corpus.speakers,
        extra_train=None if extra is None else (extra.X, extra.y, extra.speakers),
        validation="next", n_jobs=n_jobs, verbose=verbose, adapt=adapt, sampler=sampler,
        validation_sampler=sampler,
    )


def _check_classes_span_groups(corpus):
    """Refuse classes a leave-one-group-out evaluation cannot both train on and test."""
    thin = []
    for label in np.unique(corpus.y):
        rows = corpus.y == label
        n_groups = np.unique(corpus.groups[rows]).size
        if n_groups < 2:
            thin.append(f"{str(label)!r} ({int(rows.sum())} clip(s) in {n_groups} group)")
    if thin:
        raise ValueError(
            f"{corpus.source}: class(es) {', '.join(thin)} occur in a single speaker or "
            "session: each fold would test them untrained, or train on them untested; "
            "collect clips of more speakers, or leave the class out (--classes)")


def folds_in_process(n_jobs):
    """Whether ``n_jobs`` runs the folds here: only then may the folds' own bars show."""
    return n_jobs in (None, 1)


def save(model, path):
    """Pickle a fitted model to ``path``, its progress bars off (it predicts quietly)."""
    import joblib

    quiet = {name: False for name, value in model.get_params(deep=True).items()
             if name.rpartition("__")[2] == "verbose" and value}
    model.set_params(**quiet)
    path = expand_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    print(f"saved the fitted pipeline to {path} ({path.stat().st_size / 1e6:.1f} MB)")


def predictions(model, files, args=None, method="predict_proba"):
    """A model's outputs for the files it can take, and the error of each other one.

    The batch is classified at once; only when that fails is each file tried alone, so a
    silent or too-short file is named (not given by its index) and the others still get
    their verdict. ``method`` is the task's (:func:`skser.utils.task_of`): class
    probabilities, or a dimensional model's values (``"predict"``).
    """
    X, files, unreadable = _readable_files(files, getattr(model, "sample_rate", 16000))
    try:
        return _batch_predictions(model, X, files, args, method), files, unreadable
    except ValueError:
        failed = failing_files(getattr(model, method), X, files)
        if not failed:
            raise
    keep = [i for i, f in enumerate(files) if f not in failed]
    if not keep:
        raise ValueError("no file can be classified: " + failures({**unreadable, **failed}))
    kept = [files[i] for i in keep]
    return (_batch_predictions(model, X[keep], kept, args, method), kept,
            {**unreadable, **failed})


def _readable_files(files, rate):
    """The batch of the files that decode, those files, and ``{file: error}`` of the rest."""
    from ..io import as_batch, load_audio, load_audio_batch

    paths = [os.fspath(f) for f in files]
    try:
        return load_audio_batch(paths, sample_rate=rate), list(files), {}
    except (OSError, ValueError):
        pass
    clips, kept, failed = [], [], {}
    for file, path in zip(files, paths):
        try:
            clips.append(load_audio(path, sample_rate=rate))
        except (OSError, ValueError) as exc:
            failed[file] = " ".join(str(exc).split())
        else:
            kept.append(file)
    if not kept:
        raise ValueError("no file can be read: " + failures(failed))
    return as_batch(clips), kept, failed


def _batch_predictions(model, X, files, args, method="predict_proba"):
    if getattr(args, "speakers", None) or getattr(args, "speaker_stats", None):
        return adapted_probabilities(model, X, files, args, method)
    return getattr(model, method)(X)


def failing_files(run, X, files):
    """``{file: message}`` for each clip of ``X`` on which ``run`` alone raises."""
    failed = {}
    for index, file in enumerate(files):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run(X[index : index + 1])
        except ValueError as exc:
            failed[file] = " ".join(str(exc).split())
    return failed


def failures(failed):
    """``{file: message}`` as one line."""
    return "; ".join(f"{file}: {message}" for file, message in failed.items())


def save_timeline(result, path):
    """Draw a voice note's timeline to ``path`` (matplotlib, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = expand_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # as check_output promised
    axes = result.plot_timeline()
    axes.figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(axes.figure)
    return path
