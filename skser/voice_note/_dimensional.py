"""Voice notes analyzed by a dimensional model: arousal, valence, dominance over time."""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DimensionalVoiceNoteResult", "aggregate_dimensions"]

DIMENSIONAL_AGGREGATIONS = ("mean", "duration")


def aggregate_dimensions(values, *, method="mean", durations=None):
    """The note's dimensions: the mean of the windows', or weighted by seconds of speech.

    Parameters
    ----------
    values : array-like [shape=(n_windows, n_dims)]
    method : {"mean", "duration"}, default="mean"
        ``"confidence"`` has no meaning without probabilities and is refused.
    durations : array-like [shape=(n_windows,)], optional
        Seconds of speech per window, for ``"duration"``.

    Returns
    -------
    note : np.ndarray [shape=(n_dims,)]

    Examples
    --------
    >>> aggregate_dimensions([[0.2, 0.4, 0.5], [0.6, 0.8, 0.5]]).round(3).tolist()
    [0.4, 0.6, 0.5]
    >>> aggregate_dimensions([[0.2, 0.4, 0.5], [0.6, 0.8, 0.5]], method="duration",
    ...                      durations=[3.0, 1.0]).round(3).tolist()
    [0.3, 0.5, 0.5]
    """
    values = np.asarray(values, dtype=float)
    if method not in DIMENSIONAL_AGGREGATIONS:
        raise ValueError(
            f"aggregation {method!r} needs class probabilities; a dimensional model's "
            f"windows aggregate by {list(DIMENSIONAL_AGGREGATIONS)}"
        )
    if method == "mean":
        return values.mean(axis=0)
    weights = np.asarray(durations, dtype=float).reshape(-1)
    if weights.shape[0] != values.shape[0] or weights.sum() <= 0:
        return values.mean(axis=0)
    return weights @ values / weights.sum()


def _plain(values):
    return np.asarray(values).tolist()


@dataclass(eq=False, repr=False)
class DimensionalVoiceNoteResult:
    """Per-window and note-level arousal, valence and dominance of a voice note.

    Returned by :func:`analyze_voice_note` for a dimensional model; times in seconds.

    Attributes
    ----------
    dimensions : np.ndarray [shape=(n_dims,)]
        The dimensions' names, the column order of every value array.
    windows : np.ndarray [shape=(n_windows, 2)]
        ``(start, end)`` of each window.
    window_values : np.ndarray [shape=(n_windows, n_dims)]
        The model's prediction for each window.
    window_speech : np.ndarray [shape=(n_windows,)]
        Seconds of speech in each window.
    values : np.ndarray [shape=(n_dims,)] or None
        The note's aggregate; None when no speech was found.
    speech_regions, segments : np.ndarray [shape=(n, 2)]
        As in :class:`VoiceNoteResult`.
    duration : float
    aggregation, vad : str
    source : str or None
    """

    dimensions: np.ndarray
    windows: np.ndarray
    window_values: np.ndarray
    window_speech: np.ndarray
    values: np.ndarray | None
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
    def speech_duration(self):
        """float: Seconds of speech found by the VAD."""
        return float(np.sum(self.speech_regions[:, 1] - self.speech_regions[:, 0]))

    def __getattr__(self, name):
        # result.arousal, result.valence, result.dominance: the note's value of each.
        dimensions = self.__dict__.get("dimensions")
        if dimensions is not None and name in dimensions.tolist():
            values = self.__dict__.get("values")
            return None if values is None else float(values[dimensions.tolist().index(name)])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self):
        where = f"{self.source!r}, " if self.source else ""
        if self.values is None:
            verdict = "no speech"
        else:
            verdict = ", ".join(f"{n}={v:.3f}" for n, v in zip(self.dimensions, self.values))
        return (
            f"DimensionalVoiceNoteResult({where}{verdict}, duration={self.duration:.2f} s, "
            f"n_windows={self.n_windows}, vad={self.vad!r})"
        )

    def to_frame(self):
        """One row per window: ``start``, ``end``, ``speech``, then each dimension.

        Returns
        -------
        frame : pandas.DataFrame
        """
        import pandas as pd

        columns = {"start": self.windows[:, 0], "end": self.windows[:, 1],
                   "speech": self.window_speech}
        for index, name in enumerate(self.dimensions.tolist()):
            columns[name] = self.window_values[:, index]
        return pd.DataFrame(columns)

    def to_dict(self):
        """The result as plain Python values: the note's dimensions at the top level.

        Returns
        -------
        result : dict
            ``source``, ``duration``, ``vad``, ``aggregation``, ``dimensions``, each
            dimension's note value (``arousal``, ``valence``, ``dominance``; None without
            speech), ``speech_regions``, ``segments`` and ``windows`` (dicts with
            ``start``, ``end``, ``speech`` and each dimension).
        """
        names = [str(name) for name in self.dimensions.tolist()]
        windows = [
            {"start": float(start), "end": float(end), "speech": float(speech),
             **dict(zip(names, row))}
            for (start, end), speech, row in zip(
                _plain(self.windows), _plain(self.window_speech), _plain(self.window_values)
            )
        ]
        note = dict.fromkeys(names) if self.values is None else dict(zip(names,
                                                                          _plain(self.values)))
        return {
            "source": self.source,
            "duration": float(self.duration),
            "vad": self.vad,
            "aggregation": self.aggregation,
            "dimensions": names,
            **note,
            "speech_regions": _plain(self.speech_regions),
            "segments": _plain(self.segments),
            "windows": windows,
        }

    def to_json(self, **kwargs):
        """:meth:`to_dict` as a JSON string; ``kwargs`` go to ``json.dumps``."""
        return json.dumps(self.to_dict(), **kwargs)

    def format_table(self, *, max_rows=None, decimals=3):
        """A plain-text table of the windows and the note's aggregate.

        Returns
        -------
        table : str
        """
        names = [str(name) for name in self.dimensions.tolist()]
        width = max([decimals + 3, *map(len, names)])
        lines = [
            f"voice note: {self.source or 'array'} ({self.duration:.1f} s), vad {self.vad}: "
            f"{self.speech_regions.shape[0]} speech regions, {self.speech_duration:.1f} s of "
            f"speech, {self.n_windows} windows",
            f"{'start':>8} {'end':>8} {'speech':>7}  " + " ".join(f"{n:>{width}}" for n in names),
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
            lines.append(f"{start:8.2f} {end:8.2f} {self.window_speech[row]:7.2f}  "
                         + " ".join(f"{v:>{width}.{decimals}f}" for v in self.window_values[row]))
        if self.values is None:
            lines.append("note: no speech found, no values")
        else:
            lines.append(f"{'note':>8} {'':>8} {'':>7}  "
                         + " ".join(f"{v:>{width}.{decimals}f}" for v in self.values)
                         + f"  ({self.aggregation} of {self.n_windows} windows)")
        return "\n".join(lines)

    def __str__(self):
        return self.format_table()

    def plot_timeline(self, ax=None):
        """Plot the three dimensions over time, one curve each, speech shaded.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional

        Returns
        -------
        ax : matplotlib.axes.Axes
            One line per dimension (``ax.lines``, labelled with its name) through the
            window centres, broken across pauses; the note's aggregate as a dashed line
            per dimension; speech regions shaded (``ax.collections[0]``).
        """
        import matplotlib.pyplot as plt

        from ._plot import SPEECH_COLOR

        if ax is None:
            _, ax = plt.subplots(figsize=(10, 3.5), layout="constrained")
        regions = np.asarray(self.speech_regions, dtype=float).reshape(-1, 2)
        ax.broken_barh(list(zip(regions[:, 0], regions[:, 1] - regions[:, 0])), (0.0, 1.0),
                       facecolors=SPEECH_COLOR, edgecolors="none", label="speech (VAD)",
                       zorder=0)
        windows = self.windows
        breaks = np.flatnonzero(windows[1:, 0] > windows[:-1, 1]) + 1
        centres = np.insert(windows.mean(axis=1), breaks, np.nan)
        for index, name in enumerate(self.dimensions.tolist()):
            values = np.insert(self.window_values[:, index], breaks, np.nan)
            (line,) = ax.plot(centres, values, marker="o", markersize=3, label=str(name))
            if self.values is not None:
                ax.axhline(self.values[index], color=line.get_color(), linestyle="--",
                           linewidth=1, alpha=0.7)
        ax.set_xlim(0.0, max(self.duration, 1e-3))
        low = min(0.0, float(np.nanmin(self.window_values))) if self.has_speech else 0.0
        high = max(1.0, float(np.nanmax(self.window_values))) if self.has_speech else 1.0
        ax.set_ylim(low, high)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("predicted value")
        if self.values is None:
            verdict = "no speech found"
        else:
            verdict = ", ".join(f"{n} {v:.2f}" for n, v in zip(self.dimensions, self.values))
            verdict += f" ({self.aggregation} of {self.n_windows} windows)"
        title = f"{Path(self.source).name}: {verdict}" if self.source else verdict
        ax.set_title(title, fontsize="medium")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  frameon=False)
        return ax
