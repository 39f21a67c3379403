"""Where top-dB trimming cuts a clip: numpy only, for the deployment runtime as well."""

import numpy as np

__all__ = ["nonsilent_interval"]

# The noise floor (``noise_margin_db``): the frame power a tenth of the clip's frames are
# at or under, counted as steady noise where at least a quarter of the frames lie within
# a factor 2 (3 dB) of it. Speech is not steady: a clip of speech alone has its quiet
# frames spread over tens of dB, so its floor is not taken for noise. Loud speech with
# little dynamic range can look steady too: the rule never trims a frame within
# FLOOR_HEADROOM_DB of the loudest.
FLOOR_DIVISOR = 10
FLOOR_SPREAD = 2.0
FLOOR_SHARE = 0.25
FLOOR_HEADROOM_DB = 8.0


def nonsilent_interval(samples, *, top_db=20.0, frame_length=2048, hop_length=512,
                       noise_margin_db=None):
    """Return the ``(start, end)`` samples that top-dB trimming keeps.

    The same frames and decisions as ``librosa.effects.trim(samples, top_db=top_db)``:
    centred frames of ``frame_length`` samples every ``hop_length``, zero-padded at both
    ends; a frame is non-silent when its mean power is within ``top_db`` dB of the loudest
    frame's. Computed from a cumulative sum of squares, with no numba and no framing copy.
    Unlike librosa, no absolute power floor applies, so a clip trims the same at any
    level (librosa stops trimming clips quieter than about -75 dBFS).

    In steady noise every frame is within ``top_db`` of the loudest, and top-dB trimming
    keeps the noise before and after the speech. With ``noise_margin_db``, a frame must
    also be more than ``noise_margin_db`` dB above the clip's noise floor, where the clip
    has a steady one (see ``FLOOR_SHARE``), unless it is within ``FLOOR_HEADROOM_DB``
    (8 dB) of the loudest frame: the stretches of noise alone at either end are trimmed
    too.
    A clip without a steady floor (speech alone, silence around it) trims as with top-dB
    alone.

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
    noise_margin_db : float or None, default=None
        Also trim the frames at either end within this many dB of a steady noise floor.
        None trims by ``top_db`` alone, as librosa does.

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

    The same clip in white noise 10 dB under it: top-dB keeps all of it, the noise floor
    rule keeps the span of the tone.

    >>> noisy = clip + np.random.default_rng(0).normal(0, 10 ** -0.5, clip.size)
    >>> nonsilent_interval(noisy), nonsilent_interval(noisy, noise_margin_db=6.0)
    ((0, 24000), (7168, 16896))
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
    threshold = reference * 10.0 ** (-top_db / 10.0)
    if noise_margin_db is not None:
        floor = np.sort(power)[(n_frames - 1) // FLOOR_DIVISOR]
        steady = np.mean((power > floor / FLOOR_SPREAD) & (power < floor * FLOOR_SPREAD))
        above_floor = min(floor * 10.0 ** (noise_margin_db / 10.0),
                          reference * 10.0 ** (-FLOOR_HEADROOM_DB / 10.0))
        if steady >= FLOOR_SHARE:
            threshold = max(threshold, above_floor)
    loud = np.flatnonzero(power > threshold)
    return int(loud[0] * hop_length), int(min(n, (loud[-1] + 1) * hop_length))
