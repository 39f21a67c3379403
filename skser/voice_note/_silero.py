"""Silero VAD run with onnxruntime from the model file its PyPI package ships."""

import functools
import importlib.util
import os
from numbers import Real
from pathlib import Path

import numpy as np

from ..io import SAMPLE_RATE
from ..utils import Interval, expand_path
from ._source import check_note_samples
from ._vad_base import BaseVAD, VADStream

__all__ = ["SileroVAD", "silero_available", "silero_model_path"]

# Samples per chunk and samples of context carried over from the previous chunk.
_CHUNK = {16000: (512, 64), 8000: (256, 32)}


def silero_model_path():
    """Return the path of ``silero_vad.onnx`` inside the installed ``silero-vad`` package.

    The package is located without being imported (importing it imports torch).

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    ImportError
        When silero-vad is not installed, or its package holds no ``data/silero_vad.onnx``.
    """
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "vad='silero' needs the silero-vad package (pip install 'skser[vad]'); "
            "or use vad='energy', which needs nothing"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / "silero_vad.onnx"
        if path.is_file():
            return path
    raise ImportError(
        f"the silero-vad package at {list(spec.submodule_search_locations)} holds no "
        "data/silero_vad.onnx; reinstall it (silero-vad >= 5.1)"
    )


def silero_available(sample_rate=None):
    """Tell whether :class:`SileroVAD` can run: the silero-vad model file and onnxruntime.

    Neither package is imported (silero-vad's ``__init__`` imports torch).

    Parameters
    ----------
    sample_rate : int, optional
        Also require this rate to be one Silero reads (8000 or 16000 Hz).

    Returns
    -------
    available : bool
    """
    if sample_rate is not None and sample_rate not in _CHUNK:
        return False
    try:
        silero_model_path()
    except ImportError:
        return False
    return importlib.util.find_spec("onnxruntime") is not None


@functools.lru_cache(maxsize=4)
def _session(path):
    try:
        import onnxruntime
    except ImportError as exc:
        raise ImportError(
            "vad='silero' runs the model with onnxruntime: pip install onnxruntime"
        ) from exc
    options = onnxruntime.SessionOptions()
    # One thread, as silero's own OnnxWrapper: the model is tiny and runs chunk by chunk.
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(
        path, sess_options=options, providers=["CPUExecutionProvider"]
    )


class SileroVAD(BaseVAD):
    """Silero VAD: a small neural voice activity detector, robust to noise and music.

    Read more in the :ref:`User Guide <voice_notes>`.

    Runs ``silero_vad.onnx``, the model file shipped inside the ``silero-vad`` package,
    with onnxruntime (offline; no torch, no torchaudio). The model is stateful: it reads
    the note in chunks of 512 samples at 16 kHz (256 at 8 kHz), each prefixed with the
    last 64 (32) samples of the previous chunk, and carries a recurrent state of shape
    ``(2, 1, 128)`` from chunk to chunk; the last chunk is zero-padded. This reproduces,
    bit for bit, the speech probabilities of the package's ``OnnxWrapper``.

    Speech regions follow the package's ``get_speech_timestamps``: speech starts at the
    first chunk whose probability reaches ``threshold`` and ends at the first chunk
    below ``neg_threshold`` that is followed by ``min_silence_duration`` of such chunks;
    regions of at most ``min_speech_duration`` are dropped and the rest are widened by
    ``speech_pad`` on each side (splitting the gap between two regions closer than twice
    that). Run over a whole note, :meth:`detect` returns the same regions as
    ``get_speech_timestamps(audio, model, ...)`` with the same options.

    Parameters
    ----------
    threshold : float in (0, 1), default=0.5
        Speech probability at which speech starts.
    neg_threshold : float in (0, 1) or None, default=None
        Probability under which speech may end; None means ``max(threshold - 0.15, 0.01)``.
    min_speech_duration : float >= 0, default=0.25
        Regions of at most this many seconds are dropped.
    min_silence_duration : float >= 0, default=0.1
        Seconds below ``neg_threshold`` that end a region.
    speech_pad : float >= 0, default=0.03
        Seconds added on each side of a region.
    model_path : str, path-like or None, default=None
        Another Silero ONNX model with the same inputs (``input``, ``state``, ``sr``);
        None uses the packaged ``silero_vad.onnx``.

    See Also
    --------
    EnergyVAD : A dependency-free detector for stationary noise.

    Examples
    --------
    >>> import numpy as np
    >>> vad = SileroVAD()
    >>> vad.speech_probabilities(np.zeros(16000)).shape
    (32,)
    >>> vad.detect(np.zeros(16000)).tolist()
    []
    """

    _parameter_constraints: dict = {
        "threshold": [Interval(Real, 0, 1, closed="neither")],
        "neg_threshold": [Interval(Real, 0, 1, closed="neither"), None],
        "min_speech_duration": [Interval(Real, 0, None, closed="left")],
        "min_silence_duration": [Interval(Real, 0, None, closed="left")],
        "speech_pad": [Interval(Real, 0, None, closed="left")],
        "model_path": [str, os.PathLike, None],
    }

    def __init__(
        self,
        *,
        threshold=0.5,
        neg_threshold=None,
        min_speech_duration=0.25,
        min_silence_duration=0.1,
        speech_pad=0.03,
        model_path=None,
    ):
        self.threshold = threshold
        self.neg_threshold = neg_threshold
        self.min_speech_duration = min_speech_duration
        self.min_silence_duration = min_silence_duration
        self.speech_pad = speech_pad
        self.model_path = model_path

    def _make_stream(self, sample_rate):
        if sample_rate not in _CHUNK:
            raise ValueError(
                f"SileroVAD runs at 8000 or 16000 Hz, got sample_rate={sample_rate}; "
                "analyze at 16000 Hz or use EnergyVAD"
            )
        path = silero_model_path() if self.model_path is None else expand_path(self.model_path)
        if not path.is_file():
            raise FileNotFoundError(f"Silero VAD model file not found: {path}")
        return _SileroStream(self, _session(os.fspath(path)), sample_rate)

    def speech_probabilities(self, samples, *, sample_rate=SAMPLE_RATE):
        """Return the model's speech probability for each chunk of a note.

        Parameters
        ----------
        samples : np.ndarray [shape=(n,)]
            Mono audio at ``sample_rate``.
        sample_rate : {8000, 16000}, default=16000
            Its rate, in Hz.

        Returns
        -------
        probabilities : np.ndarray [shape=(ceil(n / chunk),), dtype=float32]
            One per chunk of 512 samples (256 at 8 kHz).
        """
        stream = self._stream(sample_rate)
        stream.keep_probabilities = True
        stream.push(check_note_samples(samples))
        stream.finish()
        return np.asarray(stream.probabilities, dtype=np.float32)


class _SileroStream(VADStream):
    """The streaming state of :class:`SileroVAD` over one note."""

    def __init__(self, vad, session, sample_rate):
        super().__init__()
        self.session = session
        self.sample_rate = sample_rate
        self.chunk, context = _CHUNK[sample_rate]
        self.threshold = vad.threshold
        self.neg_threshold = (
            max(vad.threshold - 0.15, 0.01) if vad.neg_threshold is None else vad.neg_threshold
        )
        # In samples, as floats: the package compares with these unrounded.
        self.min_speech = sample_rate * vad.min_speech_duration
        self.min_silence = sample_rate * vad.min_silence_duration
        self.pad = sample_rate * vad.speech_pad
        self.keep_probabilities = False
        self.probabilities = []
        self._input = np.zeros((1, context + self.chunk), dtype=np.float32)
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._rate = np.array(sample_rate, dtype=np.int64)
        self._rest = np.zeros(0, dtype=np.float32)
        self._frames = 0  # chunks processed
        # Hysteresis, as get_speech_timestamps_from_probs (no max_speech_duration).
        self._triggered = False
        self._start = 0
        self._temp_end = 0
        self._sure = False  # the current region is long enough never to be dropped
        self._padded_start = None  # its start after padding, once sure
        # The last region closed, waiting for the next one to fix its padded end.
        self._held = None  # (padded_start, raw_end)
        self._released_end = None  # raw end of the region before, for the next padding

    @property
    def open_region(self):
        if not (self._triggered and self._sure):
            return None
        confirmed = self._temp_end or min(self._frames * self.chunk, self.n_samples)
        return self._padded_start, int(confirmed)

    @property
    def position(self):
        candidates = [self._frames * self.chunk - self.pad]
        if self._held is not None:
            candidates.append(self._held[0])
        if self._triggered and not self._sure:
            candidates.append(self._start - self.pad)
        return max(0, int(min(candidates)))

    def push(self, samples):
        self.n_samples += samples.shape[0]
        samples = np.concatenate([self._rest, samples]) if self._rest.size else samples
        n_chunks = samples.shape[0] // self.chunk
        self._rest = samples[n_chunks * self.chunk :].copy()
        closed = []
        for index in range(n_chunks):
            self._step(samples[index * self.chunk : (index + 1) * self.chunk], closed)
        self._release_if_far(closed)
        return closed

    def finish(self):
        closed = []
        if self._rest.size:
            last = np.zeros(self.chunk, dtype=np.float32)
            last[: self._rest.size] = self._rest
            self._rest = self._rest[:0]
            self._step(last, closed)
        if self._triggered and self.n_samples - self._start > self.min_speech:
            self._append(self._start, self.n_samples, closed)
        self._triggered = False
        if self._held is not None:
            start, end = self._held
            closed.append((start, int(min(self.n_samples, end + self.pad))))
            self._held = None
        return closed

    def _probability(self, chunk):
        context = self._input.shape[1] - self.chunk
        self._input[0, :context] = self._input[0, -context:]
        self._input[0, context:] = chunk
        out, self._state = self.session.run(
            None, {"input": self._input, "state": self._state, "sr": self._rate}
        )
        return float(out[0, 0])

    def _step(self, chunk, closed):
        probability = self._probability(chunk)
        if self.keep_probabilities:
            self.probabilities.append(probability)
        current = self._frames * self.chunk
        self._frames += 1
        if probability >= self.threshold and self._temp_end:
            self._temp_end = 0
        if probability >= self.threshold and not self._triggered:
            self._triggered, self._start, self._sure = True, current, False
        elif probability < self.neg_threshold and self._triggered:
            if not self._temp_end:
                self._temp_end = current
            if current - self._temp_end >= self.min_silence:
                if self._temp_end - self._start > self.min_speech:
                    self._append(self._start, self._temp_end, closed)
                self._triggered, self._temp_end, self._sure = False, 0, False
                return
        if self._triggered and not self._sure:
            # The region will end at a chunk start after this chunk, or at the note's end.
            confirmed = self._temp_end or min(self._frames * self.chunk, self.n_samples)
            if confirmed - self._start > self.min_speech:
                self._make_sure(closed)

    def _make_sure(self, closed):
        """The region in progress will be kept: fix its padded start, release the last."""
        self._sure = True
        start = self._start
        if self._held is not None:
            held_start, held_end = self._held
            gap = start - held_end
            if gap < 2 * self.pad:
                closed.append((held_start, int(held_end + gap // 2)))
                self._padded_start = int(max(0, start - gap // 2))
            else:
                closed.append((held_start, int(held_end + self.pad)))
                self._padded_start = int(max(0, start - self.pad))
            self._held = None
        else:
            self._padded_start = int(max(0, start - self.pad))

    def _append(self, start, end, closed):
        """A region is final (package: appended to ``speeches``); hold it for its end pad."""
        if not self._sure:
            self._make_sure(closed)
        self._held = (self._padded_start, end)
        self._sure, self._padded_start = False, None

    def _release_if_far(self, closed):
        """Release the held region once no later region can come within two pads of it."""
        if self._held is None:
            return
        start, end = self._held
        # A region in progress (not yet sure to be kept) may start close to the held one.
        nearest = self._start if self._triggered else self._frames * self.chunk
        if nearest - end >= 2 * self.pad:
            closed.append((start, int(end + self.pad)))
            self._held = None
