"""Corpora for the command line: a name and a folder in, waveforms and labels out."""

import os

import numpy as np

from ._options import CORPORA, LOADERS

__all__ = ["CORPORA", "LOADERS", "MAX_DURATION", "Corpus", "load_corpus", "load_user_corpus",
           "check_data_path", "check_not_empty", "read_user_data"]

# The pipeline keeps 8 s of each clip; reading no more bounds the batch's memory.
MAX_DURATION = 8.0


class Corpus:
    """Clips of one corpus as a waveform batch, with labels, session groups and speakers.

    Groups and speakers are qualified by the corpus (``ravdess:03``), so the leakage guard
    never confuses the speakers of two corpora.
    """

    def __init__(self, name, X, y, groups, speakers, filenames=None, *, source=None,
                 caveat=None):
        self.name, self.X, self.y, self.filenames = name, X, y, filenames
        self.groups, self.speakers = groups, speakers
        self.source = name if source is None else source
        self.caveat = caveat

    def requalified(self, qualifier):
        """The same clips with ids ``qualifier:NN``: a second synthetic corpus's voices."""
        def rename(ids):
            return np.asarray([f"{qualifier}:{i.split(':', 1)[-1]}" for i in ids.tolist()])

        return Corpus(self.name, self.X, self.y, rename(self.groups), rename(self.speakers),
                      self.filenames, source=self.source, caveat=self.caveat)

    def __len__(self):
        return len(self.y)

    def describe(self):
        if np.ndim(self.y) == 2:  # arousal, valence, dominance
            spread = ", ".join(f"{name} {column.mean():.2f} ± {column.std():.2f}"
                               for name, column in zip(("arousal", "valence", "dominance"),
                                                       np.asarray(self.y).T))
            return (f"{self.name}: {len(self)} clips, {len(np.unique(self.groups))} groups "
                    f"({spread})")
        labels, counts = np.unique(self.y, return_counts=True)
        classes = ", ".join(f"{label} {count}" for label, count in zip(labels, counts))
        return (f"{self.name}: {len(self)} clips, {len(np.unique(self.groups))} groups "
                f"({classes})")


def load_corpus(name, root=None, *, labels="emotion4", seed=0, n_jobs=None, verbose=True,
                speakers=8, clips_per_class=10, targets="emotion", min_classes=1):
    """Read a corpus by name; ``synthetic`` needs no folder and no download.

    ``targets="avd"`` gives arousal, valence and dominance (see the loaders). A corpus
    with fewer than ``min_classes`` emotions is refused before its audio is read.
    """
    from .. import datasets
    from ..io import AudioLoader

    if name == "synthetic":
        X, y, groups = datasets.make_emotional_speech(n_speakers=speakers,
                                             n_clips_per_class=clips_per_class,
                                             random_state=seed, targets=targets)
        return Corpus("synthetic", X, y, groups, groups)
    if name not in LOADERS:
        raise ValueError(f"unknown corpus {name!r}: choose one of {', '.join(CORPORA)}")
    if root is None:
        raise ValueError(f"--root is needed for the {name} corpus (its folder)")
    labels = labels or "emotion4"  # a built-in corpus's default; --data's is "all"
    data = getattr(datasets, LOADERS[name])(root, labels=labels, targets=targets)
    emotions = np.unique(data.target) if targets == "emotion" else None
    if emotions is not None and emotions.size < min_classes:
        raise ValueError(
            f"the {name} corpus under {root} has {emotions.size} emotion(s) with --labels "
            f"{labels} ({', '.join(map(str, emotions)) or 'none'}); a classifier needs at "
            f"least {min_classes}"
        )
    X = AudioLoader(max_duration=MAX_DURATION, n_jobs=n_jobs, verbose=verbose).transform(
        data.filenames
    )
    return Corpus(name, X, data.target, np.asarray(data.groups).astype(str),
                  np.asarray(data.speakers).astype(str), data.filenames)


# Folds of clips when the user's data names no speakers (--allow-no-speakers).
NO_SPEAKER_FOLDS = 5
NO_SPEAKERS_CAVEAT = (
    "NOT SPEAKER-INDEPENDENT: the data names no speakers, so clips were split into random "
    "folds and one speaker's clips may be in both training and test; expect lower figures "
    "on new speakers")


def check_not_empty(path, option, path_column="path"):
    """Refuse a manifest ``path`` of zero bytes, naming ``option`` (it has no columns)."""
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise ValueError(f"{option} {path} is an empty file: a manifest has a header row "
                         f"(the columns, {path_column!r} among them) and a row per clip")


def check_data_path(path, option, path_column="path"):
    """``path`` expanded, once it names a folder or a manifest that is not empty; else an
    error naming ``option``."""
    from ..utils import expand_path

    folder = expand_path(path)
    if not folder.exists():
        raise FileNotFoundError(f"{option}: no such folder or manifest: {folder}")
    check_not_empty(folder, option, path_column)
    return folder


def read_user_data(path, args, *, targets=None, option="--data"):
    """The Bunch of the user's folder or manifest at ``path``, read with the ``--data``
    options (columns, label map, classes, ``--labels``); errors name ``option``."""
    from .. import datasets

    folder = check_data_path(path, option, args.path_column)
    options = dict(label_column=args.label_column, targets=targets,
                   speaker_column=getattr(args, "speaker_column", None),
                   session_column=getattr(args, "session_column", None),
                   label_map=args.label_map, labels=args.labels or "all",
                   classes=args.classes, skip_unreadable=args.skip_unreadable)
    if folder.is_dir():
        return datasets.load_audiofolder(folder, **options)
    return datasets.load_manifest(folder, path_column=args.path_column, **options)


def load_user_corpus(path, args, *, seed=0, n_jobs=None, verbose=True, targets=None,
                     allow_no_speakers=False, min_classes=1, option="--data"):
    """The user's corpus as a :class:`Corpus`: their ids as given, their audio read.

    Without speaker ids a corpus is refused, unless ``allow_no_speakers``: then its clips
    fall into random folds and the corpus carries :data:`NO_SPEAKERS_CAVEAT`.
    """
    from ..io import AudioLoader

    data = read_user_data(path, args, targets=targets, option=option)
    source, name = str(path), str(data.corpus[0])
    if targets is None:
        emotions = np.unique(data.target)
        if emotions.size < min_classes:
            raise ValueError(f"{option} {source} has {emotions.size} class(es) "
                             f"({', '.join(map(str, emotions))}); a classifier needs at "
                             f"least {min_classes}")
    caveat = None
    groups, speakers = data.groups, data.speakers
    if speakers is None:
        if not allow_no_speakers:
            raise ValueError(
                f"{option} {source} names no speakers (no 'speaker' column; name one with "
                "--speaker-column): a speaker-independent evaluation is impossible. Pass "
                "--allow-no-speakers to go on with random folds of clips, reported as not "
                "speaker-independent")
        rng = np.random.default_rng(seed)
        folds = rng.permutation(np.arange(len(data.filenames)) % NO_SPEAKER_FOLDS)
        groups = np.asarray([f"fold{k + 1}" for k in folds])
        speakers = np.asarray([f"{name}:clip{i}" for i in range(len(data.filenames))])
        caveat = NO_SPEAKERS_CAVEAT
    if getattr(data, "data", None) is not None:  # a dataset's decoded clips
        X = data.data
    else:
        X = AudioLoader(max_duration=MAX_DURATION, n_jobs=n_jobs, verbose=verbose).transform(
            list(data.filenames))
    return Corpus(name, X, data.target, np.asarray(groups).astype(str),
                  np.asarray(speakers).astype(str), data.filenames, source=source,
                  caveat=caveat)
