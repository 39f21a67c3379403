"""Voice notes analyzed by a dimensional model: arousal, valence, dominance over time."""

from dataclasses import dataclass

import numpy as np

from ..utils import DIMENSIONAL
from ._aggregate import check_aggregation
from ._result_base import BaseVoiceNoteResult, _plain

__all__ = ["DimensionalVoiceNoteResult", "aggregate_dimensions"]

DIMENSIONAL_AGGREGATIONS = DIMENSIONAL.aggregations


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
    check_aggregation(method, DIMENSIONAL)
    if method == "mean":
        return values.mean(axis=0)
    weights = np.asarray(durations, dtype=float).reshape(-1)
    if weights.shape[0] != values.shape[0] or weights.sum() <= 0:
        return values.mean(axis=0)
    return weights @ values / weights.sum()


@dataclass(eq=False, repr=False)
class DimensionalVoiceNoteResult(BaseVoiceNoteResult):
    """Per-window and note-level arousal, valence and dominance of a voice note.

    Returned by :func:`analyze_voice_note` for a dimensional model; times in seconds.
    ``result.arousal`` (any dimension's name) is the note's value of that dimension, None
    without speech.

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

    Notes
    -----
    :meth:`to_frame` has the columns ``start``, ``end``, ``speech``, then each dimension.
    :meth:`to_dict` has the note's dimensions at the top level: ``source``, ``duration``,
    ``vad``, ``aggregation``, ``dimensions``, each dimension's note value (``arousal``,
    ``valence``, ``dominance``; None without speech), ``speech_regions``, ``segments``
    and ``windows`` (dicts with ``start``, ``end``, ``speech`` and each dimension).
    :meth:`plot_timeline` draws one line per dimension (``ax.lines``, labelled with its
    name) through the window centres, broken across pauses, the note's aggregate as a
    dashed line per dimension, and the speech regions shaded (``ax.collections[0]``).
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

    task = DIMENSIONAL
    _fields = ("dimensions", "window_values", "values")
    _decimals = 3
    _no_speech = "no window was analyzed and the result has no values"
    _no_verdict = "no values"
    aggregate = staticmethod(aggregate_dimensions)

    def __getattr__(self, name):
        # result.arousal, result.valence, result.dominance: the note's value of each.
        dimensions = self.__dict__.get("dimensions")
        if dimensions is not None and name in dimensions.tolist():
            values = self.__dict__.get("values")
            return None if values is None else float(values[dimensions.tolist().index(name)])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _repr_verdict(self):
        if self.values is None:
            return "no speech"
        return ", ".join(f"{n}={v:.3f}" for n, v in zip(self.dimensions, self.values))

    def _frame_columns(self):
        return {name: self.window_values[:, index]
                for index, name in enumerate(self.dimensions.tolist())}

    def _note_entry(self):
        names = self._names()
        note = None if self.values is None else _plain(self.values)
        return {"dimensions": names,
                **(dict.fromkeys(names) if note is None else dict(zip(names, note)))}

    def _window_entries(self):
        names = self._names()
        return [dict(zip(names, row)) for row in _plain(self.window_values)]
