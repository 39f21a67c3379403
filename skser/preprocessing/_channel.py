"""Transmission channels for multi-condition training: a telephone line and a room.

Each function maps one clip's true-length samples to the same number of samples as
heard through the channel (a line or a room at 16 kHz; a codec alone at 8 kHz). numpy,
scipy, soxr and soundfile only.
"""

import numpy as np
import soxr

__all__ = ["gsm_full_rate", "mu_law", "room", "telephone"]

TELEPHONE_RATE = 8000
"""The sample rate of a narrow-band telephone line (G.711), in Hz."""


def mu_law(samples, *, mu=255):
    """An 8-bit G.711 mu-law round trip: compand, quantise, expand.

    As G.711 codes a sample: a sign bit and 7 bits of companded magnitude (128 levels
    from 0 to 1), so silence stays exactly 0.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        Samples in [-1, 1] (clipped there, as a codec clips).
    mu : int, default=255
        The companding constant (255: G.711 mu-law).

    Returns
    -------
    decoded : np.ndarray [shape=(n,), dtype=float64]

    Examples
    --------
    >>> x = np.array([0.0, 0.001, 0.5, -1.0])
    >>> bool(np.abs(mu_law(x) - x).max() < 0.02), float(mu_law(x)[0])
    (True, 0.0)
    """
    x = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0)
    magnitude = np.log1p(mu * np.abs(x)) / np.log1p(mu)
    magnitude = np.round(magnitude * 127.0) / 127.0  # 7 bits and the sign: 8 bits
    return np.sign(x) * np.expm1(magnitude * np.log1p(mu)) / mu


def gsm_full_rate(samples):
    """A GSM 06.10 full-rate round trip (the 2G mobile codec) of 8 kHz samples.

    libsndfile's encoder and decoder (through soundfile), as a WAV file in memory holds
    it: 13 kbit/s, 20 ms frames of linear prediction and a coded excitation, far from
    the waveform but close to its spectrum.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        8 kHz samples in [-1, 1] (clipped there, as a codec clips).

    Returns
    -------
    decoded : np.ndarray [shape=(n,), dtype=float64]

    Examples
    --------
    >>> t = np.arange(8000) / 8000
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    >>> decoded = gsm_full_rate(tone)
    >>> decoded.shape, bool(np.abs(decoded - tone).max() > 0.01)  # lossy
    ((8000,), True)
    """
    import io

    import soundfile

    x = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0)
    if x.size == 0:
        return x
    buffer = io.BytesIO()
    soundfile.write(buffer, x, TELEPHONE_RATE, format="WAV", subtype="GSM610")
    buffer.seek(0)
    decoded, _ = soundfile.read(buffer, dtype="float64")
    return decoded[: x.size]  # padded to whole frames


def telephone(samples, *, sample_rate=16000, band=(300.0, 3400.0), codec="mu-law"):
    """A narrow-band telephone line: 8 kHz, the 300-3400 Hz band, G.711 mu-law.

    Read more in the :ref:`User Guide <recording_conditions>`.

    The clip is resampled to 8 kHz, band-passed (4th-order Butterworth), coded and
    decoded (``codec``), and resampled back.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
    sample_rate : int, default=16000
    band : (float, float), default=(300.0, 3400.0)
        The pass band in Hz.
    codec : {"mu-law", "gsm", None}, default="mu-law"
        ``"mu-law"``: G.711, companded and quantised to 8 bits (:func:`mu_law`), as a
        landline carries speech; ``"gsm"``: GSM 06.10 full rate (:func:`gsm_full_rate`),
        as a 2G mobile call; None: the band alone.

    Returns
    -------
    samples : np.ndarray [shape=(n,), dtype=float64]

    Examples
    --------
    >>> t = np.arange(16000) / 16000
    >>> high = np.sin(2 * np.pi * 6000 * t)  # above the band: the line removes it
    >>> bool(np.std(telephone(high)) < 0.01 * np.std(high))
    True
    """
    from scipy import signal

    x = np.asarray(samples, dtype=np.float64)
    narrow = soxr.resample(x, sample_rate, TELEPHONE_RATE, quality="HQ")
    sos = signal.butter(4, band, btype="bandpass", fs=TELEPHONE_RATE, output="sos")
    narrow = signal.sosfilt(sos, narrow)
    if codec == "mu-law":
        narrow = mu_law(narrow)
    elif codec == "gsm":
        narrow = gsm_full_rate(narrow)
    elif codec is not None:
        raise ValueError(f"codec must be 'mu-law', 'gsm' or None, got {codec!r}")
    wide = soxr.resample(narrow, TELEPHONE_RATE, sample_rate, quality="HQ")
    out = np.zeros_like(x)
    out[: min(x.size, wide.size)] = wide[: x.size]
    return out


def room(samples, rng, *, rt60, sample_rate=16000, direct_to_reverb_db=0.0):
    """A synthetic room: the direct sound, then exponentially decaying noise.

    Read more in the :ref:`User Guide <recording_conditions>`.

    The impulse response's tail falls 60 dB in ``rt60`` seconds and carries
    ``direct_to_reverb_db`` less energy than the direct path; the output keeps the
    clip's length (the tail past its end is cut).

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
    rng : np.random.Generator or np.random.RandomState
        Draws the tail.
    rt60 : float > 0
        The reverberation time, in seconds.
    sample_rate : int, default=16000
    direct_to_reverb_db : float, default=0.0

    Returns
    -------
    samples : np.ndarray [shape=(n,), dtype=float64]

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> click = np.zeros(16000); click[0] = 1.0
    >>> out = room(click, rng, rt60=0.5)
    >>> float(out[0]), bool(np.abs(out[8000:]).max() < 1e-3)
    (1.0, True)
    """
    from scipy import signal

    x = np.asarray(samples, dtype=np.float64)
    n = max(2, int(rt60 * sample_rate))
    t = np.arange(n) / sample_rate
    tail = rng.standard_normal(n) * 10 ** (-3 * t / rt60)  # -60 dB at rt60
    tail[0] = 0.0
    tail *= np.sqrt(10 ** (-direct_to_reverb_db / 10) / np.sum(tail**2))
    tail[0] = 1.0  # the direct path
    return signal.fftconvolve(x, tail)[: x.size]
