"""The result of analyzing one voice note."""

import json
from dataclasses import dataclass

import numpy as np

__all__ = ["VoiceNoteResult"]


def _plain(values):
    """numpy values to JSON-ready Python values."""
    return np.asarray(values).tolist()


@dataclass(eq=False, repr=False)
class VoiceNoteResult:
    """Per-window and note-level emotion predictions of a voice note.

    Returned by :func:`analyze_voice_note`; times are in seconds from the start of the
    note.

    Attributes
    ----------
    classes : np.ndarray [shape=(n_classes,)]
        The model's classes, the column order of every probability array.
    windows : np.ndarray [shape=(n_windows, 2)]
        ``(start, end)`` of each analyzed window.
    window_proba : np.ndarray [shape=(n_windows, n_classes)]
        The model's class probabilities for each window.
    window_speech : np.ndarray [shape=(n_windows,)]
        Seconds of speech in each window (its length less the short pauses merged in).
    proba : np.ndarray [shape=(n_classes,)] or None
        The note's class probabilities, aggregated from the windows; None when no
        speech was found.
    label : object or None
        The note's class, ``classes[argmax(proba)]``; None when no speech was found.
    speech_regions : np.ndarray [shape=(n_regions, 2)]
        ``(start, end)`` of the speech found by the VAD (the whole note without VAD).
    segments : np.ndarray [shape=(n_segments, 2)]
        The speech analyzed: regions after merging short gaps and dropping short
        fragments; each is cut into windows.
    duration : float
        Length of the note.
    aggregation : str
        How the windows were aggregated.
    vad : str
        The detector used: ``"energy"``, ``"silero"``, ``"none"`` or the repr of a
        detector object.
    source : str or None
        The file analyzed, or None for an array.
    """

    classes: np.ndarray
    windows: np.ndarray
    window_proba: np.ndarray
    window_speech: np.ndarray
    proba: np.ndarray | None
    label: object
    speech_regions: np.ndarray
    segments: np.ndarray
    duration: float
    aggregation: str
    vad: str
    source: str | None = None

    @property
    def n_windows(self):
        """int: The number of windows analyzed."""
        return int(self.windows.shape[0])

    @property
    def has_speech(self):
        """bool: Whether any window was analyzed."""
        return self.n_windows > 0

    @property
    def window_labels(self):
        """np.ndarray [shape=(n_windows,)]: The most probable class of each window."""
        return self.classes[np.argmax(self.window_proba, axis=1)] if self.has_speech else (
            self.classes[:0]
        )

    @property
    def speech_duration(self):
        """float: Seconds of speech found by the VAD."""
        return float(np.sum(self.speech_regions[:, 1] - self.speech_regions[:, 0]))

    def __repr__(self):
        label = "no speech" if self.label is None else f"label={_plain(self.label)!r}"
        where = f"{self.source!r}, " if self.source else ""
        return (
            f"VoiceNoteResult({where}{label}, duration={self.duration:.2f} s, "
            f"n_windows={self.n_windows}, vad={self.vad!r}, aggregation={self.aggregation!r})"
        )

    def to_frame(self):
        """Return one row per window as a pandas DataFrame.

        Returns
        -------
        frame : pandas.DataFrame [shape=(n_windows, 4 + n_classes)]
            Columns ``start``, ``end``, ``speech`` (seconds), ``label``, then
            ``proba_<class>`` for each class.
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_frame needs pandas: pip install 'skser[frame]'") from exc
        columns = {
            "start": self.windows[:, 0],
            "end": self.windows[:, 1],
            "speech": self.window_speech,
            "label": self.window_labels,
        }
        for index, name in enumerate(_plain(self.classes)):
            columns[f"proba_{name}"] = self.window_proba[:, index]
        return pd.DataFrame(columns)

    def to_dict(self):
        """Return the result as plain Python values, ready for ``json.dumps``.

        Returns
        -------
        result : dict
            Keys ``source``, ``duration``, ``vad``, ``aggregation``, ``classes``,
            ``label`` (None without speech), ``proba`` (class -> probability, None
            without speech), ``speech_regions`` and ``segments`` (lists of
            ``[start, end]``), ``windows`` (a list of dicts with ``start``, ``end``,
            ``speech``, ``label``, ``proba``). Probabilities are keyed by ``str(class)``.
        """
        names = [str(name) for name in _plain(self.classes)]
        windows = [
            {
                "start": float(start),
                "end": float(end),
                "speech": float(speech),
                "label": label,
                "proba": dict(zip(names, proba)),
            }
            for (start, end), speech, label, proba in zip(
                _plain(self.windows),
                _plain(self.window_speech),
                _plain(self.window_labels),
                _plain(self.window_proba),
            )
        ]
        return {
            "source": self.source,
            "duration": float(self.duration),
            "vad": self.vad,
            "aggregation": self.aggregation,
            "classes": _plain(self.classes),
            "label": None if self.label is None else _plain(self.label),
            "proba": None if self.proba is None else dict(zip(names, _plain(self.proba))),
            "speech_regions": _plain(self.speech_regions),
            "segments": _plain(self.segments),
            "windows": windows,
        }

    def to_json(self, **kwargs):
        """Return :meth:`to_dict` as a JSON string; ``kwargs`` go to ``json.dumps``."""
        return json.dumps(self.to_dict(), **kwargs)

    def format_table(self, *, max_rows=None, decimals=2):
        """Return a plain-text table of the windows and the note's verdict.

        Parameters
        ----------
        max_rows : int or None, default=None
            Show at most this many windows (the first and last ones); None shows all.
        decimals : int, default=2
            Decimals of the probabilities.

        Returns
        -------
        table : str
        """
        names = [str(name) for name in _plain(self.classes)]
        width = max([decimals + 3, *map(len, names)])
        label_width = max([5, *map(len, names)])
        source = self.source or "array"
        lines = [
            f"voice note: {source} ({self.duration:.1f} s), vad {self.vad}: "
            f"{self.speech_regions.shape[0]} speech regions, {self.speech_duration:.1f} s of "
            f"speech, {self.n_windows} windows",
            f"{'start':>8} {'end':>8} {'speech':>7}  {'label':<{label_width}} "
            + " ".join(f"{name:>{width}}" for name in names),
        ]
        rows = list(range(self.n_windows))
        if max_rows is not None and len(rows) > max_rows:
            head = max_rows - max_rows // 2
            rows = rows[:head] + [None] + rows[len(rows) - max_rows // 2 :]
        labels = [str(label) for label in _plain(self.window_labels)]
        for row in rows:
            if row is None:
                lines.append(f"{'...':>8}")
                continue
            start, end = self.windows[row]
            lines.append(
                f"{start:8.2f} {end:8.2f} {self.window_speech[row]:7.2f}  "
                f"{labels[row]:<{label_width}} "
                + " ".join(f"{p:>{width}.{decimals}f}" for p in self.window_proba[row])
            )
        if self.label is None:
            lines.append("note: no speech found, no verdict")
        else:
            lines.append(
                f"{'note':>8} {'':>8} {'':>7}  "
                f"{str(_plain(self.label)):<{label_width}} "
                + " ".join(f"{p:>{width}.{decimals}f}" for p in self.proba)
                + f"  ({self.aggregation} of {self.n_windows} windows)"
            )
        return "\n".join(lines)

    def __str__(self):
        return self.format_table()

    def plot_timeline(self, ax=None):
        """Plot the class probabilities of the windows over time, speech shaded.

        Each class is a line through the window centres (broken across pauses); the
        VAD's speech regions are shaded grey behind them; the title gives the note's
        verdict.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure's axes by default.

        Returns
        -------
        ax : matplotlib.axes.Axes
        """
        from ._plot import plot_timeline

        return plot_timeline(self, ax=ax)
