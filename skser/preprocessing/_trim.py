"""Top-dB silence trimming, as ``librosa.effects.trim`` computes it."""

from numbers import Integral, Real

import numpy as np

from ..utils import Interval
from ._base import WaveformTransformer

__all__ = ["Trimmer", "nonsilent_interval"]


def nonsilent_interval(samples, *, top_db=20.0, frame_length=2048, hop_length=512):
    """Return the ``(start, end)`` samples that top-dB trimming keeps.

    The same frames and decisions as ``librosa.effects.trim(samples, top_db=top_db)``:
    centred frames of ``frame_length`` samples every ``hop_length``, zero-padded at both
    ends; a frame is non-silent when its mean power is within ``top_db`` dB of the loudest
    frame's. Computed from a cumulative sum of squares, with no numba and no framing copy.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        One clip, without padding.
    top_db : float > 0, default=20.0
        The threshold below the loudest frame, in dB.
    frame_length : int > 0, default=2048
        Samples per analysis frame.
    hop_length : int > 0, default=512
        Samples between frames.

    Returns
    -------
    start, end : int
        ``samples[start:end]`` is the trimmed clip. ``(0, n)`` for a silent clip.

    Examples
    --------
    >>> import numpy as np
    >>> clip = np.concatenate([np.zeros(8000), np.ones(8000), np.zeros(8000)])
    >>> nonsilent_interval(clip)
    (7168, 17408)
    """
    n = samples.shape[0]
    if n == 0:
        return 0, 0
    half = frame_length // 2
    n_frames = 1 + (n + 2 * half - frame_length) // hop_length
    squares = np.zeros(n + 2 * half + 1, dtype=np.float64)
    np.cumsum(np.square(samples, dtype=np.float64), out=squares[1 + half : 1 + half + n])
    squares[1 + half + n :] = squares[half + n]
    starts = np.arange(n_frames) * hop_length
    power = (squares[starts + frame_length] - squares[starts]) / frame_length
    power_db = 10.0 * np.log10(np.maximum(power, 1e-10))
    reference_db = 10.0 * np.log10(max(power.max(), 1e-10))
    loud = np.flatnonzero(power_db - reference_db > -top_db)
    return int(loud[0] * hop_length), int(min(n, (loud[-1] + 1) * hop_length))


class Trimmer(WaveformTransformer):
    """Trim leading and trailing silence from each clip (top-dB, as librosa does).

    Each clip keeps the span from its first to its last frame within ``top_db`` dB of its
    loudest frame, moved to the start of its row; the rest of the row becomes padding.
    The batch keeps its width. Frames and decisions are those of
    ``librosa.effects.trim(clip, top_db=top_db, frame_length=..., hop_length=...)`` on the
    clip's true length.

    Parameters
    ----------
    top_db : float > 0, default=20.0
        The threshold below the loudest frame, in dB (the paper uses 20 dB).
    frame_length : int > 0, default=2048
        Samples per analysis frame.
    hop_length : int > 0, default=512
        Samples between frames.

    Attributes
    ----------
    n_features_in_ : int
        Width of the batch seen in ``fit`` (informative, not enforced).

    Notes
    -----
    A clip is never emptied: the loudest frame always passes its own threshold, so at
    least one frame is kept. A silent (all-zero) clip has nothing to trim and comes back
    as it is, a row of zeros.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(16000) / 16000
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    >>> clip = np.concatenate([np.zeros(8000), tone, np.zeros(8000)])
    >>> from skser.io import clip_lengths
    >>> X = Trimmer().transform(clip[np.newaxis, :])
    >>> X.shape, clip_lengths(X)
    ((1, 32000), array([16832]))
    """

    _parameter_constraints: dict = {
        "top_db": [Interval(Real, 0, None, closed="neither")],
        "frame_length": [Interval(Integral, 1, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, top_db=20.0, frame_length=2048, hop_length=512):
        self.top_db = top_db
        self.frame_length = frame_length
        self.hop_length = hop_length

    def _transform_batch(self, X, lengths):
        out = np.zeros_like(X)
        for index, length in enumerate(lengths):
            start, end = nonsilent_interval(
                X[index, :length],
                top_db=self.top_db,
                frame_length=self.frame_length,
                hop_length=self.hop_length,
            )
            out[index, : end - start] = X[index, start:end]
        return out
