"""Top-dB silence trimming, as ``librosa.effects.trim`` computes it."""

from numbers import Integral, Real

import numpy as np

from ..io import nonsilent_interval
from ..utils import Interval
from ._base import WaveformTransformer

__all__ = ["Trimmer", "nonsilent_interval"]


class Trimmer(WaveformTransformer):
    """Trim leading and trailing silence from each clip (top-dB, as librosa does).

    Read more in the :ref:`User Guide <waveform_convention>`.

    Each clip keeps the span from its first to its last frame within ``top_db`` dB of its
    loudest frame, moved to the start of its row; the rest of the row becomes padding.
    The batch keeps its width. Frames and decisions are those of
    ``librosa.effects.trim(clip, top_db=top_db, frame_length=..., hop_length=...)`` on the
    clip's true length.

    In steady noise (a fan, a street, a line's hiss) every frame is within ``top_db`` of
    the loudest and nothing is trimmed: the clip keeps seconds of noise alone around the
    speech, which a model takes for long pauses (sad speech). ``noise_margin_db`` also
    trims the frames at either end within that many dB of the clip's noise floor, where
    it has a steady one (see :func:`skser.preprocessing.nonsilent_interval`);
    :func:`~skser.pipeline.make_ser_pipeline` sets it to 6 dB.

    Parameters
    ----------
    top_db : float > 0, default=20.0
        The threshold below the loudest frame, in dB (the paper uses 20 dB).
    frame_length : int > 0, default=2048
        Samples per analysis frame.
    hop_length : int > 0, default=512
        Samples between frames.
    noise_margin_db : float >= 0 or None, default=None
        Also trim the ends within this many dB of a steady noise floor. None trims by
        ``top_db`` alone (the paper's trimming, librosa's).

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
        "noise_margin_db": [Interval(Real, 0, None, closed="left"), None],
    }

    def __init__(self, *, top_db=20.0, frame_length=2048, hop_length=512,
                 noise_margin_db=None):
        self.top_db = top_db
        self.frame_length = frame_length
        self.hop_length = hop_length
        self.noise_margin_db = noise_margin_db

    def __setstate__(self, state):
        # A Trimmer pickled before noise_margin_db existed trimmed by top-dB alone.
        super().__setstate__({"noise_margin_db": None, **state})

    def _transform_batch(self, X, lengths):
        out = np.zeros_like(X)
        for index, length in enumerate(lengths):
            start, end = nonsilent_interval(
                X[index, :length],
                top_db=self.top_db,
                frame_length=self.frame_length,
                hop_length=self.hop_length,
                noise_margin_db=self.noise_margin_db,
            )
            out[index, : end - start] = X[index, start:end]
        return out
