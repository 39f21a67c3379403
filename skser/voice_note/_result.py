"""The result of analyzing one voice note with a classifier."""

from dataclasses import dataclass

import numpy as np

from ..utils import CATEGORICAL, UNCERTAIN, mark_uncertain
from ._aggregate import aggregate_probabilities
from ._result_base import BaseVoiceNoteResult, _plain

__all__ = ["VoiceNoteResult"]


@dataclass(eq=False, repr=False)
class VoiceNoteResult(BaseVoiceNoteResult):
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
        The note's class, ``classes[argmax(proba)]``; ``"uncertain"`` when
        ``max(proba)`` is under ``min_confidence``; None when no speech was found.
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
    min_confidence : float or None
        The abstention threshold: windows (:attr:`window_labels`) and the note
        (``label``) whose top probability is under it are labelled ``"uncertain"``;
        None never abstains.

    Notes
    -----
    :meth:`to_frame` has the columns ``start``, ``end``, ``speech``, ``label``, then
    ``proba_<class>`` for each class. :meth:`to_dict` has the keys ``source``,
    ``duration``, ``vad``, ``aggregation``, ``classes``, ``label`` (None without speech),
    ``proba`` (class -> probability, None without speech), ``min_confidence`` (only when
    set), ``speech_regions``, ``segments`` and ``windows`` (dicts with ``start``,
    ``end``, ``speech``, ``label``, ``proba``); probabilities are keyed by
    ``str(class)``.
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
    min_confidence: float | None = None

    task = CATEGORICAL
    _fields = ("classes", "window_proba", "proba")
    _decimals = 2
    _no_speech = "no window was classified and the result has no label"
    _no_verdict = "no verdict"
    aggregate = staticmethod(aggregate_probabilities)

    @classmethod
    def _verdict_fields(cls, columns, note_outputs, min_confidence=None):
        if note_outputs is None:
            return {"label": None}
        if min_confidence is not None and np.max(note_outputs) < min_confidence:
            return {"label": UNCERTAIN}
        return {"label": columns[int(np.argmax(note_outputs))]}

    @property
    def window_uncertain(self):
        """np.ndarray of bool [shape=(n_windows,)]: Windows whose top probability is under
        ``min_confidence`` (all False without it)."""
        if self.min_confidence is None or not self.has_speech:
            return np.zeros(self.n_windows, dtype=bool)
        return self.window_proba.max(axis=1) < self.min_confidence

    @property
    def window_labels(self):
        """np.ndarray [shape=(n_windows,)]: The most probable class of each window, or
        ``"uncertain"`` where its top probability is under ``min_confidence``."""
        if not self.has_speech:
            return self.classes[:0]
        labels = self.classes[np.argmax(self.window_proba, axis=1)]
        if self.min_confidence is None:
            return labels
        return mark_uncertain(labels, self.window_uncertain)

    def _repr_verdict(self):
        return "no speech" if self.label is None else f"label={_plain(self.label)!r}"

    def _repr_tail(self):
        threshold = "" if self.min_confidence is None else f", min_confidence={self.min_confidence}"
        return f", aggregation={self.aggregation!r}{threshold}"

    def _frame_columns(self):
        columns = {"label": self.window_labels}
        for index, name in enumerate(_plain(self.classes)):
            columns[f"proba_{name}"] = self.window_proba[:, index]
        return columns

    def _note_entry(self):
        names = self._names()
        return {
            "classes": _plain(self.classes),
            "label": None if self.label is None else _plain(self.label),
            "proba": None if self.proba is None else dict(zip(names, _plain(self.proba))),
            **({} if self.min_confidence is None else {"min_confidence": self.min_confidence}),
        }

    def _window_entries(self):
        names = self._names()
        return [
            {"label": label, "proba": dict(zip(names, proba))}
            for label, proba in zip(_plain(self.window_labels), _plain(self.window_proba))
        ]

    def _label_column(self):
        note = None if self.label is None else str(_plain(self.label))
        return [str(label) for label in _plain(self.window_labels)], note
