"""Reading audio files into 16 kHz mono float32 clips."""

import os

import numpy as np
import soundfile as sf
import soxr

from ..exceptions import AudioReadError
from ..utils import expand_path
from ._waveform import SAMPLE_RATE

__all__ = ["AudioReadError", "load_audio"]


def _check_file(path):
    if not os.fspath(path).strip():
        raise FileNotFoundError("an audio path is empty ('')")
    path = expand_path(path)
    if not path.exists():
        raise FileNotFoundError(f"audio file not found: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"expected an audio file, got a directory: {path}")
    if path.stat().st_size == 0:
        raise AudioReadError(f"audio file is empty (0 bytes): {path}")
    return path


# The lowest sample rate a file may claim (telephone speech is 8 kHz).
MIN_FILE_RATE = 1000
# Channels whose mono mix peaks this far under their loudest sample cancel out.
CANCEL_RATIO = 1e-4


def check_file_rate(path, file_rate):
    """Refuse a file whose header claims a rate under ``MIN_FILE_RATE``, naming it."""
    if file_rate < MIN_FILE_RATE:
        # Resampling multiplies the samples by sample_rate / file_rate: a damaged header
        # claiming 1 Hz would turn a second of audio into gigabytes.
        raise AudioReadError(
            f"audio file {path} claims a sample rate of {file_rate} Hz, below the "
            f"{MIN_FILE_RATE} Hz of any speech recording: its header is damaged"
        )


def check_channels_mix(path, n_channels, loudest, mono_peak):
    """Refuse channels that cancel out when averaged to mono (``loudest``: the peak of
    any channel, ``mono_peak``: the mix's), naming the file."""
    if n_channels > 1 and loudest > 0 and mono_peak <= CANCEL_RATIO * loudest:
        raise AudioReadError(
            f"audio file {path}: its {n_channels} channels cancel out when mixed to "
            "mono (one is the other with its polarity inverted?): keep one channel"
        )


def load_audio(path, *, sample_rate=SAMPLE_RATE):
    """Read an audio file as mono float32 samples at ``sample_rate``.

    Read more in the :ref:`User Guide <waveform_convention>`.

    Decodes every format libsndfile reads (wav, flac, ogg/vorbis, opus, and mp3 with
    libsndfile >= 1.1). Integer PCM is scaled to ``[-1, 1]``, channels are averaged to mono
    and any other rate is resampled with soxr (high quality).

    Parameters
    ----------
    path : str or os.PathLike or file-like
        The audio file, or an open binary file (e.g. ``io.BytesIO`` of encoded bytes);
        messages name a file-like by its ``name`` attribute where it has one.
    sample_rate : int > 0, default=16000
        The rate of the returned samples, in Hz.

    Returns
    -------
    samples : np.ndarray [shape=(n,), dtype=float32]

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a directory.
    AudioReadError
        If the file is empty, cannot be decoded, holds no samples, holds NaN or inf, or
        claims a sample rate under 1 kHz (a damaged header). The message names the file.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> t = np.arange(44100) / 44100
    >>> stereo = np.stack([np.sin(2 * np.pi * 220 * t)] * 2, axis=1)
    >>> sf.write(path, stereo, 44100, subtype="PCM_16")
    >>> samples = load_audio(path)
    >>> samples.shape, samples.dtype
    ((16000,), dtype('float32'))
    """
    if not isinstance(sample_rate, int | np.integer) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive integer, got {sample_rate!r}")
    if hasattr(path, "read"):
        source, path = path, getattr(path, "name", "<audio bytes>")
    else:
        source = path = _check_file(path)
    try:
        file_rate = sf.info(source).samplerate
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioReadError(f"cannot decode audio file {path}: {exc}") from exc
    check_file_rate(path, file_rate)
    try:
        if hasattr(source, "seek"):
            source.seek(0)
        samples, file_rate = sf.read(source, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioReadError(f"cannot decode audio file {path}: {exc}") from exc
    if samples.shape[0] == 0:
        raise AudioReadError(f"audio file holds no samples: {path}")
    if not np.isfinite(samples).all():
        raise AudioReadError(
            f"audio file holds NaN or inf samples (or values beyond float32's range): {path}"
        )
    mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    check_channels_mix(path, samples.shape[1], float(np.abs(samples).max()),
                       float(np.abs(mono).max()))
    if file_rate != sample_rate:
        mono = soxr.resample(mono, file_rate, sample_rate, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)
