"""What each ``skser`` sub-command does."""

import contextlib
import json
import os
import sys

import numpy as np

from ..io import as_batch, load_audio_batch
from ..utils import expand_path
from ._data import load_corpus
from ._embed import speeds_argument

ONNX_SUFFIX = ".onnx"


def load_model(path):
    """A fitted model from a ``.joblib`` pickle or an ``.onnx`` export.

    Only load pickles you trust: unpickling runs code.
    """
    path = expand_path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a model file")
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
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from ._dimensional import is_dimensional

    try:
        check_is_fitted(model)
    except NotFittedError:
        raise ValueError(f"{path} holds an unfitted {type(model).__name__}: save a model "
                         "after fitting it (skser train)") from None
    except TypeError:  # not an estimator: refused below
        pass
    if (not hasattr(model, "predict_proba") or not hasattr(model, "classes_")) and not (
        hasattr(model, "predict") and is_dimensional(model)
    ):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a fitted classifier")
    return model


# A tab or a line break in a file name would break predict's one-line, tab-separated rows.
_ESCAPES = {ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}


def printable(path):
    """``path`` for a tab-separated line: tabs and line breaks written as ``\\t``, ``\\n``."""
    return os.fspath(path).translate(_ESCAPES)


def head_params(args):
    """The head's parameters the command line sets (``--heads``)."""
    heads = getattr(args, "heads", None)
    return {} if heads is None else {"n_ensemble": heads}


def _pipeline(args):
    from ..pipeline import make_ser_pipeline

    return make_ser_pipeline(
        task=getattr(args, "task", "categorical"),
        embedder=args.embedder, model=args.model, local_files_only=args.local_files_only,
        memory=args.cache, augment=args.augment, speeds=speeds_argument(args),
        random_state=args.seed, verbose=args.verbose, **head_params(args),
    )


def sampler_of(args):
    """``NoisyCopies`` for ``--noisy-copies N`` (seeded by ``--seed``), else None."""
    copies = getattr(args, "noisy_copies", 0)
    if not copies:
        return None
    from ..preprocessing import NoisyCopies

    return NoisyCopies(n_copies=copies, random_state=args.seed)


def _corpora(args):
    targets = "avd" if getattr(args, "task", "categorical") == "dimensional" else "emotion"
    synthetic = dict(speakers=args.speakers, clips_per_class=args.clips_per_class,
                     targets=targets)
    corpus = load_corpus(args.corpus, args.root, labels=args.labels, seed=args.seed,
                         n_jobs=args.n_jobs, min_classes=2, **synthetic)
    print(corpus.describe())
    extra = None
    if args.extra_train_corpus:
        extra = load_corpus(args.extra_train_corpus, args.extra_root, labels=args.labels,
                            seed=args.seed + 1, n_jobs=args.n_jobs, **synthetic)
        if extra.name == corpus.name == "synthetic":  # another seed: other voices, same ids
            extra = extra.requalified("synthetic-extra")
        print(f"extra training data, never validation or test: {extra.describe()}")
    return corpus, extra


def _fit_final(pipe, corpus, extra, adapt=None, sampler=None):
    """Fit on every clip but one held-out group, which early stopping validates on.

    A ``sampler`` (``--noisy-copies``) resamples the training clips, never the held-out
    group's.

    The leakage guard checks that no training clip (the extra corpus's included) shares
    a speaker or its audio with the validation group.
    """
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
        from ._speakers import adapt_for_fit

        pipe, fit, context = adapt_for_fit(pipe, fit, corpus, validation, extra)
    with context:
        fit_with_validation(pipe, X, y, sampler=sampler, **fit)
    copies = "" if sampler is None else f" and {sampler.n_copies} noisy copies of each"
    print(f"fitted on {len(y)} clips{copies}; early stopping validated on group {str(held_out)!r} "
          f"({int(validation.sum())} clips)")
    return pipe


def _evaluate(pipe, corpus, extra, n_jobs, adapt=None, sampler=None):
    from ..model_selection import evaluate_sessions

    n_groups = np.unique(corpus.groups).size
    if n_groups < 3:
        raise ValueError(
            f"evaluate needs at least 3 groups (speakers or sessions): each fold tests on "
            f"one, early-stops on the next and trains on the rest; the corpus has {n_groups}"
        )
    return evaluate_sessions(
        pipe, corpus.X, corpus.y, corpus.groups, speakers=corpus.speakers,
        extra_train=None if extra is None else (extra.X, extra.y, extra.speakers),
        validation="next", n_jobs=n_jobs, verbose=True, adapt=adapt, sampler=sampler,
    )


def train(args):
    if getattr(args, "features", None):
        from ._embed import train_features

        return train_features(args)
    pipe = _pipeline(args)  # its parameters are checked before any audio is read
    corpus, extra = _corpora(args)
    pipe = _fit_final(pipe, corpus, extra, getattr(args, "adapt", None), sampler_of(args))
    _save(pipe, args.out)
    return 0


def _save(pipe, path):
    import joblib

    path = expand_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipe, path)
    print(f"saved the fitted pipeline to {path} ({path.stat().st_size / 1e6:.1f} MB)")


def evaluate(args):
    from ._report import report_title, write_report

    if getattr(args, "features", None):
        from ._embed import evaluate_features

        return evaluate_features(args)
    pipe = _pipeline(args)  # its parameters are checked before any audio is read
    corpus, extra = _corpora(args)
    report = _evaluate(pipe, corpus, extra, args.n_jobs, getattr(args, "adapt", None),
                       sampler_of(args))
    print(report)
    if args.report:
        path = write_report(report, args.report, title=report_title(corpus, report, extra))
        print(f"wrote the report to {path}")
    return 0


def _probabilities(model, files, args=None, method="predict_proba"):
    """Probabilities of the files the model can classify, and the error of each other one.

    The batch is classified at once; only when that fails is each file tried alone, so a
    silent or too-short file is named (not given by its index) and the others still get
    their verdict. ``method="predict"`` gives a dimensional model's values the same way.
    """
    X, files, unreadable = _readable_files(files, getattr(model, "sample_rate", 16000))
    try:
        return _batch_probabilities(model, X, files, args, method), files, unreadable
    except ValueError:
        failed = _failing_files(getattr(model, method), X, files)
        if not failed:
            raise
    keep = [i for i, f in enumerate(files) if f not in failed]
    if not keep:
        raise ValueError("no file can be classified: " + _failures({**unreadable, **failed}))
    kept = [files[i] for i in keep]
    return (_batch_probabilities(model, X[keep], kept, args, method), kept,
            {**unreadable, **failed})


def _readable_files(files, rate):
    """The batch of the files that decode, those files, and ``{file: error}`` of the rest."""
    from ..io import load_audio

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
        raise ValueError("no file can be read: " + _failures(failed))
    return as_batch(clips), kept, failed


def _batch_probabilities(model, X, files, args, method="predict_proba"):
    if getattr(args, "speakers", None) or getattr(args, "speaker_stats", None):
        from ._speakers import adapted_probabilities

        return adapted_probabilities(model, X, files, args, method)
    return getattr(model, method)(X)


def _failing_files(run, X, files):
    """``{file: message}`` for each clip of ``X`` on which ``run`` alone raises."""
    import warnings

    failed = {}
    for index, file in enumerate(files):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run(X[index : index + 1])
        except ValueError as exc:
            failed[file] = " ".join(str(exc).split())
    return failed


def _failures(failed):
    return "; ".join(f"{file}: {message}" for file, message in failed.items())


def predict(args):
    from . import _dimensional

    model = load_model(args.model)
    if _dimensional.is_dimensional(model):
        return _dimensional.predict(args, model)
    probabilities, files, failed = _probabilities(model, args.files, args)
    classes = np.asarray(model.classes_)
    rows = [
        {
            "file": os.fspath(path),
            "label": classes[row.argmax()].item(),
            "probabilities": {str(c): round(float(p), 4) for c, p in zip(classes, row)},
        }
        for path, row in zip(files, probabilities)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            scores = " ".join(f"{c}={p:.2f}" for c, p in row["probabilities"].items())
            print(f"{printable(row['file'])}\t{row['label']}\t{scores}")
    for file, message in failed.items():
        print(f"skser: error: {file}: {message}", file=sys.stderr)
    return 1 if failed else 0


def _calibration_clips(paths):
    from ..datasets import find_audio

    files = []
    for path in map(expand_path, paths or []):
        files.extend(find_audio(path) if path.is_dir() else [path])
    if not files:
        return None, None
    files = [os.fspath(f) for f in files[:: max(1, len(files) // 64)][:64]]
    return files, load_audio_batch(files, max_duration=8.0)


def export(args):
    from ..datasets import make_emotional_speech
    from ..export import OnnxPipeline, to_onnx

    if args.model.lower().endswith(ONNX_SUFFIX):
        raise ValueError("export takes a fitted .joblib pipeline, not an .onnx model")
    if args.quantize in ("int8", "int8-static") and not args.calibration:
        # Said before the pipeline (and torch) is loaded.
        raise ValueError(
            f"--quantize {args.quantize} is static int8, calibrated on real clips: pass "
            "--calibration DIR (a few dozen clips like those the model will see), or use "
            "--quantize int8-dynamic, which needs none"
        )
    pipe = load_model(args.model)
    files, calibration = _calibration_clips(args.calibration)
    out = expand_path(args.out)
    try:
        model = to_onnx(pipe, quantize=args.quantize, calibration=calibration)
    except ValueError as exc:
        from ..export import check_calibration

        failed = {} if calibration is None else _failing_files(
            lambda clip: check_calibration(pipe, clip), calibration, files)
        if failed:
            raise ValueError("calibration files the model cannot use (silent or too short "
                             f"once trimmed): {_failures(failed)}") from exc
        raise
    check = calibration if calibration is not None else make_emotional_speech(
        n_speakers=2, n_clips_per_class=2, random_state=0
    )[0]
    from ._dimensional import export_check, is_dimensional
    from ._speakers import check_probabilities

    # The check runs on the model in memory: --out is written (or replaced) only once
    # it has passed, so a failed export never leaves a broken model behind.
    if is_dimensional(pipe):
        summary = export_check(pipe, OnnxPipeline(model).predict, check)
    else:
        expected, exported = check_probabilities(pipe, OnnxPipeline(model), check)
        agreement = float((expected.argmax(1) == exported.argmax(1)).mean())
        summary = (f"check on {len(check)} clips: max |probability difference| "
                   f"{np.abs(expected - exported).max():.2e}, top-1 agreement "
                   f"{100 * agreement:.0f}%")
    _write_onnx(model, out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, quantization: "
          f"{args.quantize or 'none'})")
    print(summary)
    return 0


def _write_onnx(model, out):
    """Save ``model`` to ``out`` through a temporary file beside it (atomic replace)."""
    import onnx

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        onnx.save(model, os.fspath(partial))
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


# analyze_voice_note's default: speech segments shorter than this are dropped.
MIN_SPEECH = 0.5


def analyze(args):
    from ..voice_note import analyze_voice_note

    if getattr(args, "speaker", None) and not getattr(args, "speaker_stats", None):
        raise ValueError("--speaker picks a speaker of --speaker-stats FILE: pass that too")
    if not args.window >= MIN_SPEECH:  # NaN too
        raise ValueError(f"--window must be at least {MIN_SPEECH} s, the shortest stretch of "
                         f"speech analyze classifies; got {args.window}")
    model = load_model(args.model)
    if getattr(args, "speaker_stats", None):
        from ._speakers import with_speaker_stats

        model = with_speaker_stats(model, args.speaker_stats, args.speaker)
    result = analyze_voice_note(
        model, args.file, vad=None if args.vad == "none" else args.vad, window=args.window,
        min_speech=MIN_SPEECH,
        aggregation=args.aggregation, verbose=not args.json,
    )
    from ._dimensional import analyze_json, is_dimensional

    if args.json and is_dimensional(model):
        print(analyze_json(result, args.file))
    else:
        print(result.to_json(indent=2) if args.json else result.format_table())
    if args.plot:
        path = _save_timeline(result, args.plot)
        # With --json, stdout holds the JSON alone.
        print(f"wrote the timeline to {path}", file=sys.stderr if args.json else sys.stdout)
    return 0 if result.has_speech else 1


def _save_timeline(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = expand_path(path)
    axes = result.plot_timeline()
    axes.figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(axes.figure)
    return path
