"""Noise for training clips: babble of other clips, and scaling to an SNR against speech."""

import numpy as np

from ._trim import nonsilent_interval

__all__ = ["add_at_snr", "babble_of", "babble_or_white", "speech_power"]


def speech_power(samples):
    """Mean power of the span ``Trimmer(top_db=20)`` keeps: the clip's active speech.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        One clip at its true length.

    Returns
    -------
    power : float

    Examples
    --------
    >>> import numpy as np
    >>> clip = np.concatenate([np.zeros(32000), 0.5 * np.ones(32000)])  # 2 s silent, 2 s loud
    >>> round(speech_power(clip), 3), round(float(np.mean(clip**2)), 3)
    (0.244, 0.125)
    """
    start, end = nonsilent_interval(samples, top_db=20.0)
    return float(np.mean(np.square(samples[start:end], dtype=np.float64)))


def add_at_snr(samples, noise, snr_db):
    """``samples`` plus ``noise`` scaled to ``snr_db`` below the clip's speech power.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        One clip at its true length.
    noise : np.ndarray [shape=(n,)]
        The noise, at any level.
    snr_db : float
        Signal-to-noise ratio against :func:`speech_power`, in dB.

    Returns
    -------
    noisy : np.ndarray [shape=(n,), dtype=float64]

    Examples
    --------
    >>> import numpy as np
    >>> clip = np.sin(np.linspace(0, 400 * np.pi, 16000))
    >>> noisy = add_at_snr(clip, np.random.default_rng(0).standard_normal(16000), 20.0)
    >>> round(float(10 * np.log10(speech_power(clip) / np.mean((noisy - clip) ** 2))), 6)
    20.0
    """
    scale = np.sqrt(speech_power(samples) / 10 ** (snr_db / 10)
                    / max(np.mean(np.square(noise, dtype=np.float64)), 1e-20))
    return samples + scale * noise


def babble_of(X, lengths, talkers, size, rng):
    """The sum of clips ``talkers`` of ``X``, each at unit power, looped to ``size`` samples
    and started at a random point.

    Parameters
    ----------
    X : np.ndarray [shape=(n_clips, n_samples)]
        A waveform batch.
    lengths : np.ndarray [shape=(n_clips,)]
        The clips' true lengths (none of ``talkers`` may be 0).
    talkers : sequence of int
        Indices of the clips to sum.
    size : int
        Length of the babble, in samples.
    rng : np.random.RandomState
        Draws each talker's start.

    Returns
    -------
    babble : np.ndarray [shape=(size,), dtype=float64]

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, -1.0, 0.0], [2.0, 2.0, 2.0]])
    >>> babble_of(X, np.array([2, 3]), [0, 1], 4, np.random.RandomState(0)).shape
    (4,)
    """
    babble = np.zeros(size)
    for other in talkers:
        talker = X[other, : lengths[other]].astype(np.float64)
        talker = np.roll(np.resize(talker, size), rng.randint(size))
        babble += talker / (np.sqrt(np.mean(talker**2)) + 1e-12)
    return babble


def babble_or_white(X, lengths, index, babble, talkers, rng):
    """Noise for clip ``index`` of ``X``: babble of ``talkers`` other clips, or white noise.

    White noise when ``babble`` is False or the batch has no other non-silent clip.

    Parameters
    ----------
    X : np.ndarray [shape=(n_clips, n_samples)]
        The batch the babble is drawn from.
    lengths : np.ndarray [shape=(n_clips,)]
        The clips' true lengths.
    index : int
        The clip the noise is for (never one of its talkers).
    babble : bool
        Babble rather than white noise.
    talkers : int
        Clips summed into the babble (drawn with replacement).
    rng : np.random.RandomState

    Returns
    -------
    noise : np.ndarray [shape=(lengths[index],), dtype=float64]

    Examples
    --------
    >>> import numpy as np
    >>> X = np.ones((1, 5))
    >>> babble_or_white(X, np.array([5]), 0, True, 4, np.random.RandomState(0)).shape
    (5,)
    """
    size = int(lengths[index])
    others = np.flatnonzero((lengths > 0) & (np.arange(len(lengths)) != index))
    if babble and others.size:
        return babble_of(X, lengths, rng.choice(others, size=talkers), size, rng)
    return rng.standard_normal(size)
