"""Speech regions to analysis windows: merge short gaps, drop fragments, split long speech.

The work is done by :class:`_Segmenter`, an incremental state machine over integer sample
positions, so a voice note of any length is windowed as its VAD decisions arrive, with a
bounded amount of state. :func:`speech_windows` runs it over a complete list of regions.
"""

from numbers import Integral, Real

import numpy as np

from ..io import SAMPLE_RATE
from ..utils import Interval, validate_params

__all__ = ["speech_windows"]


class _Segmenter:
    """Turn a stream of speech regions into windows of at most ``window`` samples.

    Regions arrive in time order through :meth:`feed`: closed regions ``(start, end)``,
    at most one open region ``(start, confirmed_end)`` whose speech is known to last at
    least until ``confirmed_end``, and ``position``, the earliest sample at which a region
    not yet reported could start. A window is emitted as soon as it can no longer change.

    Rules (all lengths in samples):

    - regions separated by a gap shorter than ``merge_gap`` (or touching) join one
      segment (the gap's audio stays in the segment; it is not counted as speech);
    - a segment shorter than ``min_speech`` is dropped;
    - a segment of at most ``window`` is one window;
    - a longer one is cut into windows of ``window`` starting every ``hop``; the audio
      after the last full window (the tail) becomes a window ``[start, end)`` of its own
      when it holds at least ``min_speech`` of new audio, otherwise the last window is
      anchored at the segment's end, ``[end - window, end)``, overlapping its neighbour,
      so that no audio is lost and no window is longer than ``window``.
    """

    def __init__(self, *, window, hop, min_speech, merge_gap):
        self.window = window
        self.hop = hop
        self.min_speech = min_speech
        self.merge_gap = merge_gap
        self._start = None  # the pending segment, or None
        self._end = None
        self._index = 0  # next window of the pending segment
        self._gaps = []  # merged gaps inside the pending segment
        self.segments = []  # every segment kept, as (start, end)

    def needed_from(self):
        """The earliest sample a future window may need, or None when nothing is pending."""
        if self._start is None:
            return None
        if self._index == 0:
            return self._start
        # An anchored last window may start up to one hop before the next regular one.
        return max(self._start, self._start + (self._index - 1) * self.hop)

    def feed(self, closed, open_region=None, position=None):
        """Take new regions; return the windows that became final.

        Parameters
        ----------
        closed : iterable of (int, int)
            Regions whose end is final, in time order.
        open_region : (int, int) or None
            The region in progress, as ``(start, confirmed_end)``; reported again on the
            next call (open or closed) with the same start.
        position : int or None
            No region that has not been reported yet starts before it.

        Returns
        -------
        windows : list of (int, int, int)
            ``(start, end, speech)``: the window and its speech samples (gaps excluded).
        """
        out = []
        for start, end in closed:
            self._add(start, end, out)
        if open_region is not None:
            self._add(*open_region, out)
        elif (
            position is not None
            and self._start is not None
            and position - self._end >= max(self.merge_gap, 1)
        ):
            self._close(out)
        return out

    def finish(self):
        """Close the pending segment at the end of the note; return its last windows."""
        out = []
        if self._start is not None:
            self._close(out)
        return out

    def _add(self, start, end, out):
        if end <= start:
            return
        if self._start is not None:
            gap = start - self._end
            if gap < self.merge_gap or gap <= 0:
                if gap > 0:
                    self._gaps.append((self._end, start))
                self._end = max(self._end, end)
                self._emit_full(out)
                return
            self._close(out)
        self._start, self._end, self._index, self._gaps = start, end, 0, []
        self._emit_full(out)

    def _window_start(self, index):
        return self._start + index * self.hop

    def _emit_full(self, out):
        while self._window_start(self._index) + self.window <= self._end:
            start = self._window_start(self._index)
            out.append(self._window(start, start + self.window))
            self._index += 1
        self._prune_gaps()

    def _close(self, out):
        start, end = self._start, self._end
        self._emit_full(out)
        if self._index == 0:
            if end - start >= self.min_speech:
                out.append(self._window(start, end))
        else:
            covered = self._window_start(self._index - 1) + self.window
            tail = end - covered
            if tail >= self.min_speech:
                out.append(self._window(self._window_start(self._index), end))
            elif tail > 0:
                out.append(self._window(max(start, end - self.window), end))
        if self._index > 0 or end - start >= self.min_speech:
            self.segments.append((start, end))
        self._start = self._end = None
        self._index, self._gaps = 0, []

    def _window(self, start, end):
        silent = sum(max(0, min(end, g_end) - max(start, g_start)) for g_start, g_end in self._gaps)
        return start, end, end - start - silent

    def _prune_gaps(self):
        keep_from = self.needed_from()
        if keep_from is not None and self._gaps and self._gaps[0][1] <= keep_from:
            self._gaps = [gap for gap in self._gaps if gap[1] > keep_from]


def _as_regions(regions):
    regions = np.asarray(regions, dtype=float)
    if regions.size == 0:
        return regions.reshape(0, 2)
    if regions.ndim != 2 or regions.shape[1] != 2:
        raise ValueError(
            f"regions must be an array of shape (n_regions, 2) holding (start, end) in "
            f"seconds, got shape {regions.shape}"
        )
    if not np.isfinite(regions).all():
        raise ValueError("regions hold NaN or inf")
    if (regions[:, 1] < regions[:, 0]).any():
        row = int(np.flatnonzero(regions[:, 1] < regions[:, 0])[0])
        raise ValueError(f"region {row} ends before it starts: {regions[row].tolist()}")
    if (np.diff(regions[:, 0]) < 0).any():
        raise ValueError("regions must be sorted by start time")
    return regions


def check_window_options(window, hop, min_speech):
    """Refuse option combinations that would leave audio out or windows undefined."""
    hop = window if hop is None else hop
    if hop > window:
        raise ValueError(
            f"hop ({hop} s) must not exceed window ({window} s): audio between windows "
            "would be skipped"
        )
    if min_speech > window:
        raise ValueError(
            f"min_speech ({min_speech} s) must not exceed window ({window} s)"
        )
    return hop


@validate_params(
    {
        "regions": ["array-like"],
        "window": [Interval(Real, 0, None, closed="neither")],
        "hop": [Interval(Real, 0, None, closed="neither"), None],
        "min_speech": [Interval(Real, 0, None, closed="left")],
        "merge_gap": [Interval(Real, 0, None, closed="left")],
        "sample_rate": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def speech_windows(
    regions, *, window=8.0, hop=None, min_speech=0.5, merge_gap=0.5, sample_rate=SAMPLE_RATE
):
    """Cut speech regions into analysis windows of at most ``window`` seconds.

    Regions closer than ``merge_gap`` join one segment, segments shorter than
    ``min_speech`` are dropped, and each segment is cut into windows of ``window``
    seconds starting every ``hop`` seconds. The tail after a segment's last full window
    becomes a shorter window of its own when it holds at least ``min_speech`` seconds of
    new audio; otherwise the last window is anchored at the segment's end,
    ``[end - window, end)``, so no speech is lost and no window exceeds ``window``.

    This is what :func:`analyze_voice_note` does to the regions its VAD finds, as they
    arrive; times are rounded to whole samples at ``sample_rate``.

    Parameters
    ----------
    regions : array-like [shape=(n_regions, 2)]
        ``(start, end)`` of each speech region in seconds, sorted by start.
    window : float > 0, default=8.0
        The longest window, in seconds (the paper uses 8 s).
    hop : float > 0 or None, default=None
        Seconds between window starts inside a segment; None means ``window`` (no
        overlap). At most ``window``.
    min_speech : float >= 0, default=0.5
        Segments shorter than this are dropped, and a shorter tail is merged (see above).
        At most ``window``.
    merge_gap : float >= 0, default=0.5
        Regions separated by less than this many seconds are joined.
    sample_rate : int > 0, default=16000
        The time resolution, in Hz.

    Returns
    -------
    windows : np.ndarray [shape=(n_windows, 2)]
        ``(start, end)`` of each window in seconds.
    speech : np.ndarray [shape=(n_windows,)]
        Seconds of speech in each window: its length less the merged gaps inside it.

    Examples
    --------
    >>> windows, speech = speech_windows([[0.0, 1.0], [1.25, 2.25], [5.0, 5.25]], window=2.0)
    >>> windows.tolist()
    [[0.0, 2.0], [0.25, 2.25]]
    >>> speech.tolist()
    [1.75, 1.75]
    >>> speech_windows([[0.0, 5.0]], window=2.0)[0].tolist()
    [[0.0, 2.0], [2.0, 4.0], [4.0, 5.0]]
    """
    regions = _as_regions(regions)
    hop = check_window_options(window, hop, min_speech)
    segmenter = _Segmenter(
        window=round(window * sample_rate),
        hop=max(1, round(hop * sample_rate)),
        min_speech=round(min_speech * sample_rate),
        merge_gap=round(merge_gap * sample_rate),
    )
    samples = np.round(regions * sample_rate).astype(np.int64).tolist()
    found = segmenter.feed(samples) + segmenter.finish()
    found = np.asarray(found, dtype=float).reshape(-1, 3) / sample_rate
    return found[:, :2], found[:, 2]
