"""Corpora for the command line: a name and a folder in, waveforms and labels out."""

import numpy as np

from ._options import CORPORA, LOADERS

__all__ = ["CORPORA", "LOADERS", "MAX_DURATION", "Corpus", "load_corpus"]

# The pipeline keeps 8 s of each clip; reading no more bounds the batch's memory.
MAX_DURATION = 8.0


class Corpus:
    """Clips of one corpus as a waveform batch, with labels, session groups and speakers.

    Groups and speakers are qualified by the corpus (``ravdess:03``), so the leakage guard
    never confuses the speakers of two corpora.
    """

    def __init__(self, name, X, y, groups, speakers, filenames=None):
        self.name, self.X, self.y, self.filenames = name, X, y, filenames
        self.groups, self.speakers = groups, speakers

    def requalified(self, qualifier):
        """The same clips with ids ``qualifier:NN``: a second synthetic corpus's voices."""
        def rename(ids):
            return np.asarray([f"{qualifier}:{i.split(':', 1)[-1]}" for i in ids.tolist()])

        return Corpus(self.name, self.X, self.y, rename(self.groups), rename(self.speakers),
                      self.filenames)

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
