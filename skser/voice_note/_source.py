"""A voice note as a stream of mono blocks at the analysis rate, read in bounded memory."""

import os

import numpy as np
import soundfile as sf
import soxr

from ..io import (
    AudioReadError,
    announced_frames,
    check_audio_file,
    check_channels_mix,
    check_complete,
    check_file_rate,
    pcm_to_float,
)

__all__ = ["AudioBuffer", "NoteSource", "check_note_samples"]


def check_note_samples(samples):
    """Return a note given as an array as float32 1-D, refusing what is not one.

    Parameters
    ----------
    samples : array-like [shape=(n,)]
        Mono audio; float, or signed integer PCM (scaled as in :func:`skser.io.as_batch`).

    Returns
    -------
    samples : np.ndarray [shape=(n,), dtype=float32]

    Raises
    ------
    ValueError
        For a note that is empty, not 1-D, not numeric, or holds NaN or inf (naming the
        first such sample).
    """
    samples = np.asarray(samples)
    if samples.ndim != 1:
        hint = (
            "; for multichannel audio average the channels first"
            if samples.ndim == 2
            else ""
        )
        raise ValueError(
            f"a voice note must be a 1-D array of mono samples, got shape {samples.shape}{hint}"
        )
    if samples.dtype.kind not in "iuf":
        raise ValueError(f"a voice note must hold numbers, got dtype {samples.dtype}")
    if samples.size == 0:
        raise ValueError("the voice note is empty (0 samples)")
    samples = np.asarray(pcm_to_float(samples), dtype=np.float32)
    _check_finite(samples, 0, None)
    return samples


def _check_finite(block, offset, where, sample_rate=None):
    """Raise naming the first non-finite sample (frame, for multichannel) of ``block``."""
    finite = np.isfinite(block)
    if finite.all():
        return
    if finite.ndim == 2:
        finite = finite.all(axis=1)
    index = offset + int(np.argmin(finite))
    at = f" at {index / sample_rate:.3f} s" if sample_rate else ""
    message = f"holds NaN or inf samples (first at sample {index}{at})"
    if where is None:
        raise ValueError(f"the voice note {message}")
    raise AudioReadError(f"audio file {where} {message}")


class NoteSource:
    """Mono float32 blocks of a file or an array, at ``sample_rate``.

    A file is read ``block_duration`` seconds at a time with soundfile, its channels
    averaged, and resampled with a streaming soxr resampler (the same samples as
    :func:`skser.io.load_audio`, which resamples the whole file at once, gives). An array
    is cut into views.
    """

    def __init__(self, note, *, sample_rate, block_duration):
        self.sample_rate = sample_rate
        self.block_duration = block_duration
        if isinstance(note, str | os.PathLike):
            self.path = check_audio_file(note)
            self.samples = None
            try:
                info = sf.info(self.path)
            except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
                raise AudioReadError(f"cannot decode audio file {self.path}: {exc}") from exc
            check_file_rate(self.path, info.samplerate)  # as load_audio: a damaged header
            # As load_audio: a WAV cut short is refused before any block is analysed.
            self._info, self._announced = info, announced_frames(self.path)
            if self._announced is not None:
                check_complete(self.path, info.frames, info, self._announced)
            self.duration = info.frames / info.samplerate if info.samplerate else 0.0
        else:
            self.path = None
            self.samples = check_note_samples(note)
            self.duration = self.samples.shape[0] / sample_rate
        self.n_blocks = max(1, int(np.ceil(self.duration / block_duration)))

    @property
    def name(self):
        """str or None: the file's path."""
        return None if self.path is None else str(self.path)

    def __iter__(self):
        if self.path is None:
            step = max(1, round(self.block_duration * self.sample_rate))
            for start in range(0, self.samples.shape[0], step):
                yield self.samples[start : start + step]
            return
        yield from self._file_blocks()

    def _file_blocks(self):
        path = self.path
        try:
            audio = sf.SoundFile(path)
        except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
            raise AudioReadError(f"cannot decode audio file {path}: {exc}") from exc
        with audio:
            rate = audio.samplerate
            resampler = None
            if rate != self.sample_rate:
                resampler = soxr.ResampleStream(
                    rate, self.sample_rate, 1, dtype="float32", quality="HQ"
                )
            step = max(1, round(self.block_duration * rate))
            offset, loudest, mono_peak = 0, 0.0, 0.0
            while True:
                try:
                    data = audio.read(step, dtype="float32", always_2d=True)
                except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
                    raise AudioReadError(
                        f"cannot decode audio file {path} after {offset / rate:.2f} s: {exc}"
                    ) from exc
                _check_finite(data, offset, path, rate)
                last = data.shape[0] < step
                mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
                if data.size:
                    loudest = max(loudest, float(np.abs(data).max()))
                    mono_peak = max(mono_peak, float(np.abs(mono).max()))
                offset += data.shape[0]
                if resampler is not None:
                    mono = resampler.resample_chunk(mono, last=last)
                if mono.size:
                    yield np.ascontiguousarray(mono, dtype=np.float32)
                if last:
                    break
            check_complete(path, offset, self._info, self._announced)  # an mp3 cut short
            if offset == 0:
                raise AudioReadError(f"audio file holds no samples: {path}")
            # As load_audio refuses it: a mix of nothing would read as a silent note.
            check_channels_mix(path, audio.channels, loudest, mono_peak)


class AudioBuffer:
    """The recent samples of a stream, addressed by absolute sample index."""

    def __init__(self):
        self._data = np.zeros(0, dtype=np.float32)
        self._start = 0  # absolute index of _data[0]
        self._used = 0  # valid samples in _data

    @property
    def end(self):
        """int: Absolute index one past the last sample appended."""
        return self._start + self._used

    @property
    def nbytes(self):
        """int: Memory held, in bytes."""
        return self._data.nbytes

    def append(self, samples):
        needed = self._used + samples.shape[0]
        if needed > self._data.shape[0]:
            grown = np.zeros(max(needed, 2 * self._data.shape[0]), dtype=np.float32)
            grown[: self._used] = self._data[: self._used]
            self._data = grown
        self._data[self._used : needed] = samples
        self._used = needed

    def view(self, start, end):
        """Return samples ``[start, end)`` as a view, valid until the next append or discard."""
        if start < self._start or end > self.end:
            raise IndexError(
                f"samples [{start}, {end}) are not buffered (held: [{self._start}, {self.end}))"
            )
        return self._data[start - self._start : end - self._start]

    def discard_before(self, index):
        """Forget the samples before absolute ``index``."""
        drop = min(max(0, index - self._start), self._used)
        if drop == 0:
            return
        keep = self._used - drop
        self._data[:keep] = self._data[drop : self._used]
        self._start += drop
        self._used = keep
