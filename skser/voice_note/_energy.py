"""An energy voice activity detector with an adaptive noise floor (numpy only)."""

from numbers import Real

import numpy as np

from ..io import SAMPLE_RATE
from ..utils import Interval
from ._vad_base import BaseVAD, VADStream

__all__ = ["EnergyVAD"]

_UPDATE_INTERVAL = 0.5  # seconds between noise-floor updates
_LOUD_PERCENTILE = 95.0
_BAND = (300.0, 3400.0)  # Hz: the band whose level variation is measured
_SMOOTHING = 3  # frames averaged (in power) before measuring the variation


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
    ``loud - dynamic_range_db`` and ``min_level_db``, and when the level **varies** as
    speech does: speech rises and falls with its syllables (2-8 per second), a steady
    noise does not. The level of the pre-emphasised frames (which whitens rumble, so
    that a low-frequency noise fluctuates no more than a white one), averaged over 3
    frames, must span at least ``modulation_db`` within the ``modulation_window``
    seconds before the frame and within the ``modulation_window`` seconds after it. A
    loud steady noise (a fan, a hum, a road, a constant babble) therefore never counts
    as speech, from its first frame on, whatever the noise floor; nor does its onset
    (the level steps up once, with nothing after it) or a steady tone. Speech is then
    held for ``hangover`` seconds after each speech frame, which bridges the short dips
    between syllables and keeps weak word endings. The first ``noise_window`` seconds
    are judged with the floor measured over all of them (a look-ahead), so a note that
    starts with speech is not taken for noise; after that the estimate trails the
    signal. Each frame is decided ``modulation_window`` seconds after it arrives.

    It needs no extra package and is fast (a few seconds per hour of audio). It is
    reliable in silence and in steady background noise (a quiet room, a car, a fan) and
    fooled by loud noise that varies as speech does (music, other voices, traffic):
    :class:`SileroVAD` is robust to those too, and :func:`analyze_voice_note` uses it
    wherever it is installed (``vad="auto"``).

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
    modulation_db : float >= 0, default=6.0
        How much the (pre-emphasised, smoothed) level must vary, in dB, within
        ``modulation_window`` seconds on each side of a speech frame; 0 turns the test
        off (every loud frame is speech, as before this option).
    modulation_window : float > 0, default=0.5
        Seconds before and after a frame over which its level's variation is measured.

    See Also
    --------
    SileroVAD : A neural VAD, robust to non-stationary noise.
    speech_windows : The windows analyzed in the speech found.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(16000) / 16000
    >>> syllables = np.sin(2 * np.pi * 200 * t) * np.sin(2 * np.pi * 2 * t) ** 2  # 4 per s
    >>> note = np.concatenate([np.zeros(16000), syllables, np.zeros(16000)])
    >>> note = note + 0.001 * rng.standard_normal(note.size)
    >>> EnergyVAD().detect(note).tolist()
    [[16320, 34880]]
    >>> hum = np.concatenate([np.zeros(16000), np.sin(2 * np.pi * 200 * t), np.zeros(16000)])
    >>> EnergyVAD().detect(hum + 0.001 * rng.standard_normal(hum.size)).tolist()
    []
    """

    _parameter_constraints: dict = {
        "frame_duration": [Interval(Real, 0, None, closed="neither")],
        "threshold_db": [Interval(Real, 0, None, closed="left")],
        "dynamic_range_db": [Interval(Real, 0, None, closed="neither")],
        "min_level_db": [Interval(Real, None, None, closed="neither")],
        "noise_percentile": [Interval(Real, 0, 100, closed="left")],
        "noise_window": [Interval(Real, 0, None, closed="neither")],
        "hangover": [Interval(Real, 0, None, closed="left")],
        "modulation_db": [Interval(Real, 0, None, closed="left")],
        "modulation_window": [Interval(Real, 0, None, closed="neither")],
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
        modulation_db=6.0,
        modulation_window=0.5,
    ):
        self.frame_duration = frame_duration
        self.threshold_db = threshold_db
        self.dynamic_range_db = dynamic_range_db
        self.min_level_db = min_level_db
        self.noise_percentile = noise_percentile
        self.noise_window = noise_window
        self.hangover = hangover
        self.modulation_db = modulation_db
        self.modulation_window = modulation_window

    def _make_stream(self, sample_rate):
        return _EnergyStream(self, sample_rate)


class _EnergyStream(VADStream):
    """The streaming state of :class:`EnergyVAD` over one note.

    A frame goes through two stages. Its level is compared with the threshold when the
    0.5 s chunk holding it is complete (``_loud``); it becomes final once the level
    variation ``modulation_window`` seconds after it is known (or at the end of the
    note), and final frames make the regions. Both stages depend on frame counts only,
    never on block boundaries, so any blocks give the whole note's regions.
    """

    def __init__(self, vad, sample_rate=SAMPLE_RATE):
        super().__init__()
        self.vad = vad
        self.frame = max(1, round(vad.frame_duration * sample_rate))
        self.sample_rate = sample_rate
        frame_seconds = self.frame / sample_rate
        self.history_frames = max(1, round(vad.noise_window / frame_seconds))
        self.chunk_frames = max(1, round(_UPDATE_INTERVAL / frame_seconds))
        self.hangover_frames = round(vad.hangover / frame_seconds)
        # Frames on each side over which the level must vary (0: no such test).
        self.reach = max(1, round(vad.modulation_window / frame_seconds)) if (
            vad.modulation_db > 0) else 0
        self._rest = np.zeros(0, dtype=np.float32)  # samples short of a frame
        self._levels = np.zeros(0)  # levels of frames not yet compared with the threshold
        self._history = np.zeros(0)  # levels of the last noise_window seconds
        self._warm = False
        self._loud = np.zeros(0, dtype=bool)  # compared, not yet final: above threshold?
        self._powers = np.zeros(0)  # emphasised powers of the last frames, for smoothing
        self._varying = np.zeros(0)  # smoothed emphasised levels, from frame _varying_from
        self._varying_from = 0
        self._n_frames = 0  # frames read
        self._decided = 0  # frames final
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
        self._read(samples[: n_frames * self.frame].reshape(n_frames, self.frame))
        closed = []
        if not self._warm:
            if self._levels.size < self.history_frames:
                return closed
            self._warm = True
            # The first noise_window seconds are judged together, with their own floor.
            self._history = self._levels[: self.history_frames]
            self._compare(self._history, self.history_frames)
        while self._levels.size >= self.chunk_frames:
            chunk = self._levels[: self.chunk_frames]
            self._history = np.concatenate([self._history, chunk])[-self.history_frames :]
            self._compare(self._history, self.chunk_frames)
        self._finalize(self._n_frames - self.reach, closed)
        return closed

    def finish(self):
        closed = []
        if self._rest.size:
            self._read(self._rest[np.newaxis, :])
            self._rest = self._rest[:0]
        if self._levels.size:
            self._history = np.concatenate([self._history, self._levels])[-self.history_frames :]
            self._compare(self._history, self._levels.size)
        self._finalize(self._n_frames, closed, last=True)
        if self._region_start is not None:
            end = min(self.n_samples, (self._last_speech + 1 + self.hangover_frames) * self.frame)
            closed.append((self._region_start * self.frame, end))
            self._region_start = None
        return closed

    def _read(self, frames):
        """Take the levels of new frames (rows): whole, and in the speech band, smoothed."""
        self._n_frames += frames.shape[0]
        self._levels = np.concatenate([self._levels, _level_db(frames)])
        if not self.reach or not frames.size:
            return
        powers = np.concatenate([self._powers, _band_power(frames, self.sample_rate)])
        new = np.arange(self._powers.size, powers.size)
        total, count = np.zeros(new.size), np.zeros(new.size)
        for lag in range(_SMOOTHING):  # a fixed order of additions, whatever the blocks
            kept = new - lag >= 0
            total[kept] += powers[new[kept] - lag]
            count[kept] += 1
        self._powers = powers[-(_SMOOTHING - 1) :]
        smoothed = 10.0 * np.log10(np.maximum(total / count, 1e-10))
        self._varying = np.concatenate([self._varying, smoothed])

    def _compare(self, history, n_frames):
        """Compare the next ``n_frames`` levels with the threshold from ``history``."""
        vad = self.vad
        floor, loud = np.percentile(history, [vad.noise_percentile, _LOUD_PERCENTILE])
        threshold = max(floor + vad.threshold_db, loud - vad.dynamic_range_db, vad.min_level_db)
        self._loud = np.concatenate([self._loud, self._levels[:n_frames] > threshold])
        self._levels = self._levels[n_frames:]

    def _finalize(self, end, closed, last=False):
        """Make final the compared frames before frame ``end``; add closed regions."""
        start = self._decided
        end = min(end, start + self._loud.size)
        if end <= start:
            return
        speech = self._loud[: end - start]
        self._loud = self._loud[end - start :]
        if self.reach:
            speech = speech & self._varies(start, end, last)
        for offset, is_speech in enumerate(speech.tolist()):
            index = start + offset
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
        self._decided = end
        keep = max(0, end - self.reach - self._varying_from)
        self._varying, self._varying_from = self._varying[keep:], self._varying_from + keep

    def _varies(self, start, end, last):
        """Whether the level of frames ``start`` to ``end`` varies enough on both sides.

        The smoothed band levels of the frame and the ``reach`` frames before it, and
        those of the frames after it, must each span ``modulation_db``. The window after
        a frame starts past the smoothing (2 frames on), so that the ramp the smoothing
        makes of a step up does not count as variation after the step. The note's ends
        cut the windows short; a window with nothing in it (the note's last frames)
        counts as varying.
        """
        reach, lag = self.reach, min(_SMOOTHING - 1, self.reach)
        low, high = start - reach, end + reach
        values = np.full(high - low, np.nan)
        first = max(low, self._varying_from)
        stop = min(high, self._varying_from + self._varying.size)
        values[first - low : stop - low] = self._varying[
            first - self._varying_from : stop - self._varying_from
        ]
        if not last and np.isnan(values[reach:]).any():
            raise RuntimeError("EnergyVAD: a frame was decided before its look-ahead")
        n = end - start
        before = _spans(values[: n + reach], reach + 1)
        after = _spans(values[reach + lag :], reach + 1 - lag)[:n]
        return np.minimum(before, after) >= self.vad.modulation_db


def _spans(values, width):
    """Max minus min of each window of ``width`` values, NaN left out (inf if all NaN)."""
    windows = np.lib.stride_tricks.sliding_window_view(values, width)
    known = ~np.isnan(windows)
    top = np.where(known, windows, -np.inf).max(axis=1)
    bottom = np.where(known, windows, np.inf).min(axis=1)
    return np.where(known.any(axis=1), top - bottom, np.inf)


def _band_power(frames, sample_rate):
    """Mean power of each row between 300 and 3400 Hz (Hann window, FFT)."""
    n = frames.shape[1]
    frequencies = np.fft.rfftfreq(n, 1.0 / sample_rate)
    band = (frequencies >= _BAND[0]) & (frequencies <= _BAND[1])
    if not band.any():  # frames too short to resolve the band: the whole spectrum
        band[:] = True
    spectrum = np.fft.rfft(frames.astype(np.float64) * np.hanning(n), axis=1)
    return np.sum(np.abs(spectrum[:, band]) ** 2, axis=1) / n


def _level_db(frames):
    """Mean power of each row in dB full scale, floored at -100 dB."""
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    return 10.0 * np.log10(np.maximum(power, 1e-10))
