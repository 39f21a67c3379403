"""A speaker's embedding statistics: running mean and variance, merged and saved as JSON.

Torch-free: :class:`skser.export.OnnxPipeline` uses it on a device.
"""

import json
import os
from numbers import Integral
from pathlib import Path

import numpy as np

__all__ = ["SpeakerStats", "load_speaker_stats", "save_speaker_stats"]

STATS_FORMAT = "skser.speaker_stats"
STATS_VERSION = 1


# Embeddings of real clips are far below this; float32 (what the models compute in)
# overflows soon after.
_LARGEST = 1e30


def _vector(values, name):
    """``values`` as a 1-D float64 array of finite numbers, or a ValueError naming it."""
    try:
        vector = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"speaker statistics' {name} must be a list of numbers: {exc}") from None
    if vector.ndim != 1:
        raise ValueError(f"speaker statistics' {name} must be a flat list of numbers, got "
                         f"shape {vector.shape}")
    if not np.isfinite(vector).all():
        raise ValueError(f"speaker statistics' {name} holds NaN or inf")
    return vector


class SpeakerStats:
    """The count, mean and sum of squared deviations of one speaker's embeddings.

    Read more in the :ref:`User Guide <speaker_adaptation>`.

    Statistics are accumulated in float64 and merged exactly (Chan et al.'s parallel
    form of Welford's update), so a speaker enrolled from a few clips can be updated clip
    by clip, or from another device's statistics, with the result of one pass over all
    the clips.

    Parameters
    ----------
    count : int >= 0
        Clips seen.
    mean : array-like [shape=(n_features,)]
        Their mean embedding.
    m2 : array-like [shape=(n_features,)]
        Sum over the clips of the squared deviations from ``mean``.

    Examples
    --------
    >>> import numpy as np
    >>> E = np.arange(12.0).reshape(6, 2)
    >>> stats = SpeakerStats.from_embeddings(E[:2]).update(E[2:])
    >>> stats.count, stats.mean.tolist(), bool(np.allclose(stats.std, E.std(axis=0)))
    (6, [5.0, 6.0], True)
    """

    def __init__(self, count, mean, m2):
        if isinstance(count, bool) or not isinstance(count, Integral | float | np.floating) \
                or count != int(count) or count < 0:
            raise ValueError("speaker statistics need a count that is a whole number of "
                             f"clips (0 or more), got {count!r}")
        self.count = int(count)
        self.mean, self.m2 = _vector(mean, "mean"), _vector(m2, "m2")
        if self.mean.shape != self.m2.shape:
            raise ValueError(
                f"speaker statistics need mean and m2 of one shape, got mean "
                f"{self.mean.shape}, m2 {self.m2.shape}"
            )
        if (self.m2 < 0).any():
            raise ValueError("speaker statistics need m2 >= 0 (a sum of squared deviations), "
                             f"got {self.m2.min():.3g}")
        if (np.abs(self.mean) > _LARGEST).any() or (self.var > _LARGEST).any():
            raise ValueError(f"speaker statistics beyond {_LARGEST:.0e}: not embeddings of "
                             "real clips")

    @classmethod
    def from_embeddings(cls, embeddings):
        """The statistics of a batch of embeddings ``(n_clips, n_features)``."""
        E = np.asarray(embeddings, dtype=np.float64)
        if E.ndim != 2 or E.shape[0] == 0:
            raise ValueError(f"embeddings must be a non-empty 2-D array, got shape {E.shape}")
        mean = E.mean(axis=0)
        return cls(E.shape[0], mean, ((E - mean) ** 2).sum(axis=0))

    @property
    def n_features(self):
        """int: The embedding's width."""
        return self.mean.shape[0]

    @property
    def var(self):
        """np.ndarray [shape=(n_features,)]: The (population) variance, ``ddof=0``."""
        return self.m2 / max(self.count, 1)

    @property
    def std(self):
        """np.ndarray [shape=(n_features,)]: The (population) standard deviation."""
        return np.sqrt(self.var)

    def merge(self, other):
        """The statistics of both sets of clips, as a new object (Chan's merge)."""
        if other.n_features != self.n_features:
            raise ValueError(
                f"cannot merge statistics of {other.n_features} features into "
                f"{self.n_features}: they come from different embedders"
            )
        count = self.count + other.count
        if count == 0:
            return SpeakerStats(0, self.mean, self.m2)
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / count)
        m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / count)
        return SpeakerStats(count, mean, m2)

    def update(self, embeddings):
        """These statistics updated with more clips' embeddings, as a new object."""
        return self.merge(SpeakerStats.from_embeddings(embeddings))

    def to_dict(self):
        """A JSON-ready dict: ``count``, ``mean``, ``m2``."""
        return {"count": self.count, "mean": self.mean.tolist(), "m2": self.m2.tolist()}

    @classmethod
    def from_dict(cls, data):
        """Read :meth:`to_dict`'s output back."""
        try:
            return cls(data["count"], data["mean"], data["m2"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"speaker statistics need count, mean and m2: {exc}") from exc

    def __repr__(self):
        return f"SpeakerStats(count={self.count}, n_features={self.n_features})"


def save_speaker_stats(stats, path, *, feature_space=None):
    """Write ``{speaker: SpeakerStats}`` to a JSON file.

    Read more in the :ref:`User Guide <speaker_adaptation>`.

    Parameters
    ----------
    stats : dict
        ``{speaker id: SpeakerStats}``; ids are written as strings.
    path : str or os.PathLike
        The ``.json`` file (``~`` is expanded; folders are created).
    feature_space : str, optional
        What the embeddings are (the model's steps before its ``SpeakerNormalizer``);
        :func:`load_speaker_stats` checks it against the model that reads the file.

    Returns
    -------
    path : pathlib.Path
    """
    widths = {s.n_features for s in stats.values()}
    if len(widths) > 1:
        raise ValueError(f"speaker statistics of different widths {sorted(widths)}")
    path = Path(os.path.expanduser(os.fspath(path)))
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": STATS_FORMAT,
        "version": STATS_VERSION,
        "n_features": widths.pop() if widths else None,
        "feature_space": feature_space,
        "speakers": {str(k): v.to_dict() for k, v in stats.items()},
    }
    path.write_text(json.dumps(document))
    return path


def load_speaker_stats(path, *, feature_space=None, n_features=None):
    """Read a file written by :func:`save_speaker_stats`.

    Read more in the :ref:`User Guide <speaker_adaptation>`.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.json`` file (``~`` is expanded).
    feature_space : str, optional
        The reading model's feature space; a file written for another raises ValueError.
    n_features : int, optional
        The reading model's embedding width; another width raises ValueError.

    Returns
    -------
    stats : dict
        ``{speaker id (str): SpeakerStats}``.
    """
    path = Path(os.path.expanduser(os.fspath(path)))
    if not path.is_file():
        raise FileNotFoundError(f"speaker statistics file not found: {path}")
    try:
        document = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a JSON file: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != STATS_FORMAT:
        raise ValueError(f"{path} is not a skser speaker statistics file")
    stored = document.get("feature_space")
    if feature_space is not None and stored is not None and stored != feature_space:
        raise ValueError(
            f"{path} was computed with another embedder than this model's: enroll the "
            "speakers again with this model"
        )
    version = document.get("version")
    if not isinstance(version, int) or not 1 <= version <= STATS_VERSION:
        raise ValueError(f"{path} is speaker statistics version {version!r}; this skser reads "
                         f"versions 1 to {STATS_VERSION}")
    speakers = document.get("speakers")
    if not isinstance(speakers, dict):
        raise ValueError(f"{path} has no 'speakers' mapping")
    stats = {}
    for key, value in speakers.items():
        try:
            stats[str(key)] = SpeakerStats.from_dict(value)
            if stats[str(key)].count == 0:
                raise ValueError("a count of 0 clips")
        except ValueError as exc:
            raise ValueError(f"{path}: speaker {key!r}: {exc}") from None
    width = document.get("n_features")
    if n_features is not None and width is not None and width != n_features:
        raise ValueError(
            f"{path} holds statistics of {width} features; this model's embeddings have "
            f"{n_features}"
        )
    return stats
