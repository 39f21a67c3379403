"""Speaker adaptation on the command line: ``--adapt``, ``--speakers``, ``--speaker-stats``
(``skser enroll`` writes the statistics). A leaf: it imports no command module."""

import csv
import os
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "adapt_for_fit",
    "adapted_probabilities",
    "check_probabilities",
    "feature_space",
    "min_clips",
    "read_speakers_csv",
    "read_stats",
    "with_speaker_stats",
]


def _expand(path):
    return Path(os.path.expanduser(os.fspath(path)))


def read_speakers_csv(path, files):
    """The speaker of each of ``files``, from a CSV with columns ``path,speaker``.

    A row's path matches a file as written, or as the same file on disk (relative
    paths in the CSV are tried from the current folder and from the CSV's folder).
    Raises ValueError naming the files the CSV does not list.
    """
    path = _expand(path)
    if path.is_dir():
        raise ValueError(f"--speakers {path} is a folder, not a CSV file")
    if not path.is_file():
        raise FileNotFoundError(f"speakers CSV not found: {path}")
    # utf-8-sig: a spreadsheet's CSV often starts with a byte-order mark.
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = [name.strip() for name in reader.fieldnames or []]
            if not {"path", "speaker"} <= set(fields):
                raise ValueError(f"{path} must have the columns path,speaker; got "
                                 f"{reader.fieldnames}")
            reader.fieldnames = fields
            rows = [(row["path"], (row["speaker"] or "").strip()) for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path} is not a readable CSV file: {exc}") from None
    by_name, first = {}, {}
    for name, speaker in rows:
        if not name or not speaker:
            raise ValueError(f"{path}: the row for {name!r} has no "
                             f"{'speaker' if name else 'path'}")
        # The same file twice (as written, or as the same file from the current folder)
        # with two speakers is refused; the CSV-relative reading only fills gaps.
        for key in (name, os.path.realpath(_expand(name))):
            if key in first and by_name[key] != speaker:
                raise ValueError(f"{path} gives {name!r} two speakers: {by_name[key]!r} "
                                 f"(row for {first[key]!r}) and {speaker!r}")
            first.setdefault(key, name)
            by_name[key] = speaker
        by_name.setdefault(os.path.realpath(path.parent / _expand(name)), speaker)
    speakers, missing = [], []
    for file in map(os.fspath, files):
        speaker = by_name.get(file, by_name.get(os.path.realpath(_expand(file))))
        if speaker is None:
            missing.append(file)
        speakers.append(speaker)
    if missing:
        raise ValueError(f"{path} names no speaker for {len(missing)} file(s): "
                         f"{', '.join(missing[:5])}")
    return np.asarray(speakers, dtype=str)


def feature_space(model):
    from ..preprocessing import speaker_feature_space

    adaptation = getattr(model, "speaker_adaptation_", None)
    if adaptation is not None:
        return adaptation["feature_space"], adaptation["n_features"]
    space = speaker_feature_space(model)
    if space is None:
        raise ValueError(
            f"the model ({type(model).__name__}) is not speaker-adapted: train it with "
            "`skser train --adapt speaker` to use speakers or speaker statistics"
        )
    return space, _normalizer(model).n_features_in_


def _normalizer(model):
    """The pipeline's SpeakerNormalizer step, or None."""
    from ..preprocessing import SpeakerNormalizer

    return next((s for _, s in getattr(model, "steps", []) if isinstance(s, SpeakerNormalizer)),
                None)


def read_stats(path, model):
    """Speaker statistics for ``model`` from a JSON file (checked against its embedder)."""
    from ..preprocessing import load_speaker_stats

    space, width = feature_space(model)
    return load_speaker_stats(path, feature_space=space, n_features=width)


def _predict_proba(model, X, method="predict_proba", **metadata):
    if hasattr(model, "speaker_adaptation_"):  # OnnxPipeline
        return getattr(model, method)(X, **metadata)
    from sklearn import config_context

    with config_context(enable_metadata_routing=True):
        return getattr(model, method)(X, **metadata)


def check_probabilities(pipe, runtime, X):
    """Both models' probabilities on ``X``; a speaker-adapted pair treats ``X`` as one
    unseen speaker (standardised by its own clips), the path the export adds."""
    if getattr(runtime, "speaker_adaptation_", None) is None:
        return pipe.predict_proba(X), runtime.predict_proba(X)
    speakers = np.full(len(X), "export-check")
    return (_predict_proba(pipe, X, speakers=speakers),
            runtime.predict_proba(X, speakers=speakers))


def adapted_probabilities(model, X, files, args, method="predict_proba"):
    """``predict_proba`` (or ``method``) with ``--speakers`` (CSV) and ``--speaker-stats``
    (JSON)."""
    feature_space(model)
    speakers = read_speakers_csv(args.speakers, files) if args.speakers else None
    stats = read_stats(args.speaker_stats, model) if args.speaker_stats else None
    if speakers is None and stats is not None:
        if len(stats) != 1:
            raise ValueError(f"{args.speaker_stats} holds {len(stats)} speakers: pass "
                             "--speakers CSV to say whose each file is")
        stats = next(iter(stats.values()))
    return _predict_proba(model, X, method, speakers=speakers, speaker_stats=stats)


class _WithSpeakerStats:
    """A model whose every ``predict_proba`` uses one enrolled speaker's statistics."""

    def __init__(self, model, stats):
        self.model, self.stats = model, stats
        self.classes_ = model.classes_
        if hasattr(model, "sample_rate"):
            self.sample_rate = model.sample_rate

    def predict_proba(self, X):
        return _predict_proba(self.model, X, speaker_stats=self.stats)


def with_speaker_stats(model, path, speaker=None):
    """``model`` standardising every clip by one speaker of the statistics file."""
    stats = read_stats(path, model)
    if speaker is None:
        if len(stats) != 1:
            raise ValueError(f"{path} holds speakers {sorted(stats)[:5]}: pick one with "
                             "--speaker")
        speaker = next(iter(stats))
    if speaker not in stats:
        raise ValueError(f"{path} has no speaker {speaker!r}; it has {sorted(stats)[:5]}")
    print(f"standardising by the enrolled statistics of speaker {speaker!r} "
          f"({stats[speaker].count} clips)", file=sys.stderr)
    return _WithSpeakerStats(model, stats[speaker])


def adapt_for_fit(pipe, fit, corpus, validation, extra):
    """The speaker-adapted pipeline, its fit arguments with speakers, and the routing
    context to fit it in (speakers: the corpora's qualified ids, ``ravdess:03``)."""
    from sklearn import config_context

    from ..preprocessing import make_speaker_adapted

    speakers = corpus.speakers[~validation]
    if extra is not None:
        speakers = np.concatenate([speakers, extra.speakers])
    fit = dict(fit, params={"speakers": speakers},
               val_params={"speakers": corpus.speakers[validation]})
    print(f"speaker adaptation: a SpeakerNormalizer before the head, statistics of "
          f"{len(np.unique(speakers))} training speakers")
    return make_speaker_adapted(pipe), fit, config_context(enable_metadata_routing=True)


def min_clips(model):
    """The fewest clips the model's speaker statistics may come from."""
    settings = getattr(model, "speaker_adaptation_", None)
    if settings:
        return int(settings["min_clips"])
    normalizer = _normalizer(model)
    return 1 if normalizer is None else int(normalizer.min_clips)
