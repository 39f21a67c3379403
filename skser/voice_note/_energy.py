"""An energy voice activity detector with an adaptive noise floor (numpy only)."""

from numbers import Real

import numpy as np

from ..io import SAMPLE_RATE
from ..utils import Interval
from ._vad_base import BaseVAD, VADStream

__all__ = ["EnergyVAD"]

_UPDATE_INTERVAL = 0.5  # seconds between noise-floor updates
_LOUD_PERCENTILE = 95.0


class EnergyVAD(BaseVAD):
    """Detect speech where the frame energy rises above an adaptive noise floor.

    Read more in the :ref:`User Guide <voice_notes>`.

    The signal is cut into frames of ``frame_duration`` seconds and each frame's mean
    power is taken in dB (full scale 0 dB). Every 0.5 s the detector looks at the frames
    of the last ``noise_window`` seconds and sets

    - the **noise floor**: their ``noise_percentile`` percentile (the quiet frames
      between words),
    - the **loud level**: their 95th percentile (the voiced frames).

    A frame is speech when its level exceeds all three of ``floor + threshold_db``,
    ``loud - dynamic_range_db`` and ``min_level_db``. Speech is then held for
    ``hangover`` seconds after each speech frame, which bridges the short dips between
    syllables and keeps weak word endings. The first ``noise_window`` seconds are judged
    with the floor measured over all of them (a look-ahead), so a note that starts with
    speech is not taken for noise; after that the estimate trails the signal.

    It needs no extra package and is fast (about a second per hour of audio). It is
    reliable in stationary background noise (a quiet room, a car, a fan) and fooled by
    loud non-stationary noise (music, other voices, traffic) and by a step up in the
    background noise lasting less than about ``noise_window``: such noise counts as
    speech. :class:`SileroVAD` is robust to both (measured on voice notes built from
    RAVDESS: 37% of the audio the energy VAD passed was speech, 93% for Silero; see
    ``benchmarks/bench_voice_note_accuracy.py``).

    Parameters
    ----------
    frame_duration : float > 0, default=0.02
        Seconds per analysis frame (non-overlapping).
    threshold_db : float >= 0, default=6.0
        How far above the noise floor a frame must be, in dB.
    dynamic_range_db : float > 0, default=40.0
        How far below the loud level a frame may be, in dB: keeps breaths and clicks in a
        near-silent recording out.
    min_level_db : float, default=-70.0
        Frames quieter than this (dB full scale) are never speech: digital silence and
        dither.
    noise_percentile : float in [0, 100), default=10.0
        The percentile of frame levels taken as the noise floor.
    noise_window : float > 0, default=20.0
        Seconds of recent frames over which the floor and loud level are measured.
    hangover : float >= 0, default=0.2
        Seconds speech is held after the last speech frame.

    See Also
    --------
    SileroVAD : A neural VAD, robust to non-stationary noise.
    speech_windows : The windows analyzed in the speech found.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(16000) / 16000
    >>> note = np.concatenate([np.zeros(16000), np.sin(2 * np.pi * 200 * t), np.zeros(16000)])
    >>> note = note + 0.001 * rng.standard_normal(note.size)
    >>> EnergyVAD().detect(note).tolist()
    [[16000, 35200]]
    """

    _parameter_constraints: dict = {
        "frame_duration": [Interval(Real, 0, None, closed="neither")],
        "threshold_db": [Interval(Real, 0, None, closed="left")],
        "dynamic_range_db": [Interval(Real, 0, None, closed="neither")],
        "min_level_db": [Interval(Real, None, None, closed="neither")],
        "noise_percentile": [Interval(Real, 0, 100, closed="left")],
        "noise_window": [Interval(Real, 0, None, closed="neither")],
        "hangover": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        frame_duration=0.02,
        threshold_db=6.0,
        dynamic_range_db=40.0,
        min_level_db=-70.0,
        noise_percentile=10.0,
        noise_window=20.0,
        hangover=0.2,
    ):
        self.frame_duration = frame_duration
        self.threshold_db = threshold_db
        self.dynamic_range_db = dynamic_range_db
        self.min_level_db = min_level_db
        self.noise_percentile = noise_percentile
        self.noise_window = noise_window
        self.hangover = hangover

    def _make_stream(self, sample_rate):
        return _EnergyStream(self, sample_rate)


class _EnergyStream(VADStream):
    """The streaming state of :class:`EnergyVAD` over one note."""

    def __init__(self, vad, sample_rate=SAMPLE_RATE):
        super().__init__()
        self.vad = vad
        self.frame = max(1, round(vad.frame_duration * sample_rate))
        frame_seconds = self.frame / sample_rate
        self.history_frames = max(1, round(vad.noise_window / frame_seconds))
        self.chunk_frames = max(1, round(_UPDATE_INTERVAL / frame_seconds))
        self.hangover_frames = round(vad.hangover / frame_seconds)
        self._rest = np.zeros(0, dtype=np.float32)  # samples short of a frame
        self._levels = np.zeros(0)  # levels of frames not yet decided
        self._history = np.zeros(0)  # levels of the last noise_window seconds
        self._warm = False
        self._decided = 0  # frames decided
        self._region_start = None  # first frame of the region in progress
        self._last_speech = None  # last speech frame of that region

    @property
    def position(self):
        return self._decided * self.frame

    @property
    def open_region(self):
        if self._region_start is None:
            return None
        return self._region_start * self.frame, (self._last_speech + 1) * self.frame

    def push(self, samples):
        self.n_samples += samples.shape[0]
        samples = np.concatenate([self._rest, samples]) if self._rest.size else samples
        n_frames = samples.shape[0] // self.frame
        self._rest = samples[n_frames * self.frame :].copy()
        frames = samples[: n_frames * self.frame].reshape(n_frames, self.frame)
        self._levels = np.concatenate([self._levels, _level_db(frames)])
        closed = []
        if not self._warm:
            if self._levels.size < self.history_frames:
                return closed
            self._warm = True
            # The first noise_window seconds are judged together, with their own floor.
            self._history = self._levels[: self.history_frames]
            self._decide(self._history, self.history_frames, closed)
        while self._levels.size >= self.chunk_frames:
            chunk = self._levels[: self.chunk_frames]
            self._history = np.concatenate([self._history, chunk])[-self.history_frames :]
            self._decide(self._history, self.chunk_frames, closed)
        return closed

    def finish(self):
        closed = []
        if self._rest.size:
            self._levels = np.append(self._levels, _level_db(self._rest[np.newaxis, :]))
            self._rest = self._rest[:0]
        if self._levels.size:
            self._history = np.concatenate([self._history, self._levels])[-self.history_frames :]
            self._decide(self._history, self._levels.size, closed)
        if self._region_start is not None:
            end = min(self.n_samples, (self._last_speech + 1 + self.hangover_frames) * self.frame)
            closed.append((self._region_start * self.frame, end))
            self._region_start = None
        return closed

    def _decide(self, history, n_frames, closed):
        """Decide the next ``n_frames`` pending frames with the levels of ``history``."""
        vad = self.vad
        floor, loud = np.percentile(history, [vad.noise_percentile, _LOUD_PERCENTILE])
        threshold = max(floor + vad.threshold_db, loud - vad.dynamic_range_db, vad.min_level_db)
        speech = self._levels[:n_frames] > threshold
        self._levels = self._levels[n_frames:]
        for offset, is_speech in enumerate(speech.tolist()):
            index = self._decided + offset
            if is_speech:
                if self._region_start is None:
                    self._region_start = index
                self._last_speech = index
            elif (
                self._region_start is not None
                and index > self._last_speech + self.hangover_frames
            ):
                closed.append((self._region_start * self.frame, index * self.frame))
                self._region_start = None
        self._decided += n_frames


def _level_db(frames):
    """Mean power of each row in dB full scale, floored at -100 dB."""
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    return 10.0 * np.log10(np.maximum(power, 1e-10))
