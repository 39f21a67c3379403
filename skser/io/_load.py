"""Reading audio files into 16 kHz mono float32 clips."""

import os
import re
import stat
import struct

import numpy as np
import soundfile as sf
import soxr

from ..exceptions import AudioReadError
from ..utils import expand_path
from ._waveform import SAMPLE_RATE

__all__ = ["AudioReadError", "load_audio"]


# A URL's scheme (two letters at least: C:// is a Windows drive).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")
_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check_file(path):
    if not isinstance(path, str | os.PathLike):
        hint = ": for encoded audio in memory pass io.BytesIO(data)" if isinstance(
            path, bytes | bytearray) else ""
        raise TypeError(f"an audio path must be a str or os.PathLike, got "
                        f"{type(path).__name__}{hint}")
    text = os.fspath(path)
    if not text.strip():
        raise FileNotFoundError("an audio path is empty ('')")
    path = expand_path(path)
    if not path.exists():
        if _URL.match(str(text)):
            raise FileNotFoundError(f"audio paths are local files, got a URL: {text} "
                                    "(download it first)")
        if path.is_symlink():
            raise FileNotFoundError(
                f"audio file not found: {path} is a link to {os.readlink(path)}, which does "
                "not exist"
            )
        raise FileNotFoundError(f"audio file not found: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"expected an audio file, got a directory: {path}")
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        # A pipe would be drained by the header probe; a device or a socket is no recording.
        kind = next((name for test, name in _SPECIAL_FILES if test(mode)), "a special file")
        raise AudioReadError(
            f"expected an audio file, got {kind}: {path}; save the audio to a regular file"
        )
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


# WAV format tags whose frames are block_align bytes each: PCM, IEEE float, A-law, mu-law.
_FRAME_TAGS = (1, 3, 6, 7)
# Sizes a writer that cannot seek back (a stream, a live recording) leaves in the header.
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)
# Encoded formats (mp3) may estimate their length: two mp3 frames or 1 % may be missing.
_ESTIMATE_SLACK = 2304, 0.01
# A file of no samples larger than this holds more than a header (and its metadata).
_HEADER_BYTES = 4096


def _header_frames(stream):
    """The frames a WAV (RIFF, RIFX, RF64) or AIFF header announces, or None.

    A PCM or float WAV announces the bytes of its ``data`` chunk; an encoded one (ADPCM)
    its frames in a ``fact`` chunk; an AIFF its frames in ``COMM``.
    """
    head = stream.read(12)
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        endian, aiff = ">", True
    elif head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
        endian, aiff = (">" if head[:4] == b"RIFX" else "<"), False
    else:
        return None
    position, block_align, tag, rf64_size, fact = 12, 0, None, None, None
    for _ in range(256):  # chunks before the samples: fmt, fact, LIST, bext, JUNK ...
        stream.seek(position)
        chunk = stream.read(8)
        if len(chunk) < 8:
            return None
        name, size = chunk[:4], struct.unpack(endian + "I", chunk[4:])[0]
        body = stream.read(min(size, 40))
        if aiff and name == b"COMM" and len(body) >= 6:
            return struct.unpack(">I", body[2:6])[0] or None
        if name == b"ds64" and len(body) >= 16:
            rf64_size = struct.unpack("<Q", body[8:16])[0]
        elif name == b"fact" and len(body) >= 4:  # the frame count of an encoded WAV (ADPCM)
            fact = struct.unpack(endian + "I", body[:4])[0]
        elif name == b"fmt " and len(body) >= 14:
            tag, _, _, _, block_align = struct.unpack(endian + "HHIIH", body[:14])
            if tag == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE: its sub-format
                tag = struct.unpack(endian + "H", body[24:26])[0]
        elif name == b"data":
            if size == 0xFFFFFFFF and rf64_size is not None:
                size = rf64_size
            if size in _UNKNOWN_SIZES:
                return None
            if tag in _FRAME_TAGS and block_align:
                return size // block_align
            return fact or None
        position += 8 + size + (size & 1)
    return None


def announced_frames(source):
    """The frames an audio file's header announces, where it states them exactly.

    Parameters
    ----------
    source : path-like or seekable binary file
        The file; a file-like is left at the position it was found at.

    Returns
    -------
    frames : int or None
        For a WAV or AIFF file with a finished header; None for other
        formats, for a streaming header that leaves the length open, and for a file-like
        that cannot seek.
    """
    if hasattr(source, "read") and not hasattr(source, "seek"):
        return None
    try:
        if not hasattr(source, "read"):
            with open(source, "rb") as stream:
                return _header_frames(stream)
        start = source.tell()
        try:
            return _header_frames(source)
        finally:
            source.seek(start)
    except (OSError, ValueError, struct.error):  # unreadable or unseekable: decoding says
        return None


def check_complete(path, n_read, info, announced=None):
    """Refuse a file cut short: ``n_read`` frames decoded, fewer than its header announces.

    Parameters
    ----------
    path : str or path-like
        The file, for the message.
    n_read : int
        The frames decoded (before any resampling).
    info : soundfile.info
        Its ``frames`` (libsndfile's count, which for an encoded format may be an estimate)
        and ``samplerate``.
    announced : int, optional
        The exact count of :func:`announced_frames` (libsndfile shortens a WAV's count
        to the bytes present, without a word).
    """
    if announced is not None:
        expected, slack = announced, 0
    elif info.frames >= 2**62:  # libsndfile's SF_COUNT_MAX: a length it does not know
        return
    else:
        expected = info.frames
        slack = max(_ESTIMATE_SLACK[0], int(_ESTIMATE_SLACK[1] * expected))
    if expected - n_read > slack:
        rate = info.samplerate
        raise AudioReadError(
            f"audio file {path} is cut short: its header announces {expected} frames "
            f"({expected / rate:.2f} s) but it holds only {n_read} ({n_read / rate:.2f} s); "
            "it was truncated while being copied, downloaded or recorded: copy or export "
            "it again"
        )


def _unfinished(source):
    """A note for a file of no samples that is larger than a header, else ''."""
    try:
        size = (os.fstat(source.fileno()).st_size if hasattr(source, "fileno")
                else os.path.getsize(source))
    except (OSError, TypeError, ValueError, AttributeError):  # a file-like without a size
        return ""
    if size <= _HEADER_BYTES:
        return ""
    return (f" (its header announces none, yet it is {size} bytes: a recording stopped "
            "before its header was finished? Repair the header, e.g. with sox or ffmpeg)")


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
    TypeError
        If ``path`` is neither a path nor a file-like (None, bytes, a list).
    FileNotFoundError
        If ``path`` does not exist (a URL, a broken link: named as such).
    IsADirectoryError
        If ``path`` is a directory.
    AudioReadError
        If the file is empty, not a regular file (a named pipe, a device), cannot be
        decoded, holds no samples, holds NaN or inf, claims a sample rate under 1 kHz (a
        damaged header), or is cut short: its header announces more frames than it holds
        (a WAV, AIFF or mp3 truncated in a copy). The message names the file.

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
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | np.integer) \
            or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive integer, got {sample_rate!r}")
    if hasattr(path, "read"):
        source, path = path, getattr(path, "name", "<audio bytes>")
    else:
        source = path = _check_file(path)
    try:
        info = sf.info(source)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioReadError(f"cannot decode audio file {path}: {exc}") from exc
    check_file_rate(path, info.samplerate)
    try:
        if hasattr(source, "seek"):
            source.seek(0)
        announced = announced_frames(source)
        samples, file_rate = sf.read(source, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioReadError(f"cannot decode audio file {path}: {exc}") from exc
    check_complete(path, samples.shape[0], info, announced)
    if samples.shape[0] == 0:
        raise AudioReadError(f"audio file holds no samples: {path}{_unfinished(source)}")
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
