"""What the results of both tasks share: windows, timeline, table, dict, frame and plot."""

import json
from typing import ClassVar

import numpy as np

from ..utils import Task

__all__ = ["BaseVoiceNoteResult"]


def _plain(values):
    """numpy values to JSON-ready Python values."""
    return np.asarray(values).tolist()


class BaseVoiceNoteResult:
    """The common part of :class:`VoiceNoteResult` and :class:`DimensionalVoiceNoteResult`.

    A subclass is a dataclass holding the timeline (``windows``, ``window_speech``,
    ``speech_regions``, ``segments``, ``duration``, ``aggregation``, ``vad``,
    ``source``) and three task-specific fields named by ``_fields``: the output
    columns, each window's outputs and the note's (None without speech). It says how
    window outputs are aggregated (``aggregate``) and which columns a table, a dict or a
    frame adds (``_label_column``, ``_note_entry``, ``_window_entries``,
    ``_frame_columns``).
    """

    task: ClassVar[Task]
    _fields: ClassVar[tuple]  # (columns, window outputs, note outputs) attribute names
    _decimals: ClassVar[int]
    _no_speech: ClassVar[str]  # what a note without speech lacks, in the warning
    _no_verdict: ClassVar[str]  # the same, in the table

    @property
    def _columns(self):
        return getattr(self, self._fields[0])

    @property
    def _window_outputs(self):
        return getattr(self, self._fields[1])

    @property
    def _note_outputs(self):
        return getattr(self, self._fields[2])

    @classmethod
    def _analyzed(cls, columns, window_outputs, note_outputs, timeline, **options):
        """The result of :func:`analyze_voice_note`, from its columns, outputs and timeline.

        ``options`` are the task's own fields (a classifier's ``min_confidence``).
        """
        fields = dict(zip(cls._fields, (columns, window_outputs, note_outputs)))
        verdict = cls._verdict_fields(columns, note_outputs, **options)
        return cls(**fields, **verdict, **timeline, **options)

    @classmethod
    def _verdict_fields(cls, columns, note_outputs):
        return {}

    @property
    def n_windows(self):
        """int: The number of windows analyzed."""
        return int(self.windows.shape[0])

    @property
    def has_speech(self):
        """bool: Whether any window was analyzed."""
        return self.n_windows > 0

    @property
    def speech_duration(self):
        """float: Seconds of speech found by the VAD."""
        return float(np.sum(self.speech_regions[:, 1] - self.speech_regions[:, 0]))

    def _names(self):
        return [str(name) for name in _plain(self._columns)]

    def __repr__(self):
        where = f"{self.source!r}, " if self.source else ""
        return (
            f"{type(self).__name__}({where}{self._repr_verdict()}, "
            f"duration={self.duration:.2f} s, n_windows={self.n_windows}, vad={self.vad!r}"
            f"{self._repr_tail()})"
        )

    def _repr_tail(self):
        return ""

    def to_frame(self):
        """Return one row per window as a pandas DataFrame.

        Returns
        -------
        frame : pandas.DataFrame [shape=(n_windows, 3 + n_columns)]
            Columns ``start``, ``end``, ``speech`` (seconds), then the task's: ``label``
            and ``proba_<class>`` for each class, or each dimension's value.
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_frame needs pandas: pip install 'skser[frame]'") from exc
        columns = {
            "start": self.windows[:, 0],
            "end": self.windows[:, 1],
            "speech": self.window_speech,
        }
        columns.update(self._frame_columns())
        return pd.DataFrame(columns)

    def to_dict(self):
        """Return the result as plain Python values, ready for ``json.dumps``.

        Returns
        -------
        result : dict
            Keys ``source``, ``duration``, ``vad``, ``aggregation``, then the task's
            note-level keys, then ``speech_regions`` and ``segments`` (lists of
            ``[start, end]``) and ``windows`` (a list of dicts with ``start``, ``end``,
            ``speech`` and the task's window-level keys). See the subclass.
        """
        windows = [
            {"start": float(start), "end": float(end), "speech": float(speech), **entry}
            for (start, end), speech, entry in zip(
                _plain(self.windows), _plain(self.window_speech), self._window_entries()
            )
        ]
        return {
            "source": self.source,
            "duration": float(self.duration),
            "vad": self.vad,
            "aggregation": self.aggregation,
            **self._note_entry(),
            "speech_regions": _plain(self.speech_regions),
            "segments": _plain(self.segments),
            "windows": windows,
        }

    def to_json(self, **kwargs):
        """Return :meth:`to_dict` as a JSON string; ``kwargs`` go to ``json.dumps``."""
        return json.dumps(self.to_dict(), **kwargs)

    def format_table(self, *, max_rows=None, decimals=None):
        """Return a plain-text table of the windows and the note's verdict.

        Parameters
        ----------
        max_rows : int or None, default=None
            Show at most this many windows (the first and last ones); None shows all.
        decimals : int or None, default=None
            Decimals of the outputs; None: 2 for probabilities, 3 for dimensions.

        Returns
        -------
        table : str
        """
        decimals = self._decimals if decimals is None else decimals
        names = self._names()
        width = max([decimals + 3, *map(len, names)])
        labels = self._label_column()  # (window labels, note label) or None
        window_labels, note_label = labels or ([None] * self.n_windows, None)
        shown = [text for text in [*window_labels, note_label] if text is not None]
        label_width = max([5, *map(len, names), *map(len, shown)])

        def label(text):
            return "" if labels is None else f"{text:<{label_width}} "

        def values(row):
            return " ".join(f"{value:>{width}.{decimals}f}" for value in row)

        lines = [
            f"voice note: {self.source or 'array'} ({self.duration:.1f} s), vad {self.vad}: "
            f"{self.speech_regions.shape[0]} speech regions, {self.speech_duration:.1f} s of "
            f"speech, {self.n_windows} windows",
            f"{'start':>8} {'end':>8} {'speech':>7}  {label('label')}"
            + " ".join(f"{name:>{width}}" for name in names),
        ]
        rows = list(range(self.n_windows))
        if max_rows is not None and len(rows) > max_rows:
            head = max_rows - max_rows // 2
            rows = rows[:head] + [None] + rows[len(rows) - max_rows // 2 :]
        for row in rows:
            if row is None:
                lines.append(f"{'...':>8}")
                continue
            start, end = self.windows[row]
            lines.append(
                f"{start:8.2f} {end:8.2f} {self.window_speech[row]:7.2f}  "
                f"{label(window_labels[row])}{values(self._window_outputs[row])}"
            )
        if self._note_outputs is None:
            lines.append(f"note: no speech found, {self._no_verdict}")
        else:
            lines.append(
                f"{'note':>8} {'':>8} {'':>7}  {label(note_label)}"
                f"{values(self._note_outputs)}  ({self.aggregation} of {self.n_windows} windows)"
            )
        return "\n".join(lines)

    def _label_column(self):
        """Each window's label and the note's, as text, for a table's label column."""
        return None

    def __str__(self):
        return self.format_table()

    def plot_timeline(self, ax=None):
        """Plot the outputs of the windows over time, speech shaded.

        Each column (class or dimension) is a line through the window centres, broken
        across pauses; the VAD's speech regions are shaded grey behind them; the title
        gives the note's verdict. See :func:`skser.voice_note._plot.plot_timeline` for
        each task's drawing.

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
