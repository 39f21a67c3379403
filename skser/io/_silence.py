"""Where top-dB trimming cuts a clip: numpy only, for the deployment runtime as well."""

import numpy as np

__all__ = ["nonsilent_interval"]


def nonsilent_interval(samples, *, top_db=20.0, frame_length=2048, hop_length=512):
    """Return the ``(start, end)`` samples that top-dB trimming keeps.

    The same frames and decisions as ``librosa.effects.trim(samples, top_db=top_db)``:
    centred frames of ``frame_length`` samples every ``hop_length``, zero-padded at both
    ends; a frame is non-silent when its mean power is within ``top_db`` dB of the loudest
    frame's. Computed from a cumulative sum of squares, with no numba and no framing copy.
    Unlike librosa, no absolute power floor applies, so a clip trims the same at any
    level (librosa stops trimming clips quieter than about -75 dBFS).

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
    reference = power.max()
    if not reference > 0:
        return 0, n
    # Relative to the loudest frame only: librosa also floors each power at 1e-10 (-100
    # dB), which keeps every frame of a clip whose peak is under about -75 dBFS.
    loud = np.flatnonzero(power > reference * 10.0 ** (-top_db / 10.0))
    return int(loud[0] * hop_length), int(min(n, (loud[-1] + 1) * hop_length))
