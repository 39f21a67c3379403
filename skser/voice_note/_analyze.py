"""analyze_voice_note: VAD, windows, one classifier call per batch, one verdict."""

import os
import sys
from numbers import Integral, Real

import numpy as np

from ..exceptions import NoSpeechWarning
from ..io import SAMPLE_RATE
from ..utils import (
    HasMethods,
    Interval,
    StrOptions,
    progress,
    task_of,
    validate_params,
    warn_at_caller,
)
from ._aggregate import AGGREGATIONS, check_aggregation
from ._dimensional import DimensionalVoiceNoteResult
from ._energy import EnergyVAD
from ._result import VoiceNoteResult
from ._silero import SileroVAD, silero_available
from ._source import AudioBuffer, NoteSource
from ._vad_base import BaseVAD, _WholeNoteStream
from ._windows import _Segmenter, check_window_options

__all__ = ["NoSpeechWarning", "analyze_voice_note"]

_VADS = {"energy": EnergyVAD, "silero": SileroVAD}
_AUTO = "auto"  # Silero where its model file and onnxruntime are installed, else energy
_RESULTS = {result.task: result for result in (VoiceNoteResult, DimensionalVoiceNoteResult)}


def _model_columns(model, task):
    """The classes or dimensions the model names: the columns of its window outputs."""
    columns = task.output_names(model)
    if columns is None and task.is_dimensional:
        raise ValueError(
            f"the model ({type(model).__name__}) is neither a classifier (predict_proba, "
            "classes_) nor a dimensional model (a fitted regressor with target_names_, "
            "such as CCCLossRegressor)"
        )
    if columns is None:
        from sklearn.exceptions import NotFittedError  # a model without classes_ is sklearn's

        raise NotFittedError(
            f"the model ({type(model).__name__}) has no classes_: pass a fitted classifier, "
            "or a fitted pipeline ending in one, with predict_proba and classes_"
        )
    if columns.ndim != 1 or columns.size == 0:
        raise ValueError(
            f"the model's {task.names_attribute} must be a non-empty 1-D array, got {columns!r}"
        )
    return columns


class _WindowClassifier:
    """Fill a batch with windows and run the model on it whenever it is full.

    ``method`` is the task's (``predict_proba``, or ``predict`` for a dimensional
    model), whose output has ``n_columns`` columns: the classes or the dimensions.

    The batch is one array of ``(batch_size, window)`` samples, allocated at the first
    window and reused: each row holds one window, zero-padded at its end (the waveform
    convention). Memory is therefore the same for a note of one minute or of ten hours.
    The model gets the filled rows, as wide as the longest window among them (as
    :func:`skser.io.as_batch` would pad a list of the windows).
    """

    def __init__(self, model, n_columns, *, method, batch_size, width, sample_rate, note):
        self.model = model
        self.method = method
        self.n_columns = n_columns
        self.batch_size = batch_size
        self.width = width
        self.sample_rate = sample_rate
        self.note = note
        self.windows, self.outputs = [], []
        self._batch = None
        self._pending = []
        self._width = 0  # of the longest window pending

    def add(self, window, samples):
        # As wide as the longest window so far (at most ``width``): a ``window`` longer
        # than the note itself allocates no more than the note.
        have = 0 if self._batch is None else self._batch.shape[1]
        if samples.shape[0] > have:
            grown = np.zeros((self.batch_size, min(self.width, max(samples.shape[0], 1))),
                             dtype=np.float32)
            if self._batch is not None:
                grown[:, :have] = self._batch
            self._batch = grown
        row = self._batch[len(self._pending)]
        row[: samples.shape[0]] = samples
        row[samples.shape[0] :] = 0.0
        self._pending.append(window)
        self._width = max(self._width, samples.shape[0])
        if len(self._pending) == self.batch_size:
            self.flush()

    def flush(self):
        if not self._pending:
            return
        n = len(self._pending)
        first, last = self._pending[0], self._pending[-1]
        where = (
            f"while classifying windows {len(self.windows)} to {len(self.windows) + n - 1} "
            f"({first[0] / self.sample_rate:.2f} s to {last[1] / self.sample_rate:.2f} s) "
            f"of {self.note}"
        )
        try:
            # A view, not a copy: rows keep the stride of the full-width batch.
            outputs = np.asarray(
                getattr(self.model, self.method)(self._batch[:n, : self._width]), dtype=float
            )
        except Exception as exc:
            exc.add_note(where)
            raise
        if outputs.shape != (n, self.n_columns):
            raise ValueError(
                f"the model's {self.method} returned shape {outputs.shape}, expected "
                f"{(n, self.n_columns)} {where}"
            )
        if not np.isfinite(outputs).all():
            raise ValueError(f"the model's {self.method} returned NaN or inf {where}")
        self.outputs.append(outputs)
        self.windows.extend(self._pending)
        self._pending, self._width = [], 0


def _sounding_length(samples):
    """Samples up to the last non-zero one: the window's true length (waveform convention)."""
    nonzero = np.flatnonzero(samples)
    return int(nonzero[-1]) + 1 if nonzero.size else 0


def _model_rate(model):
    """The rate of the waveforms ``model`` takes, where it says, and what says it: an
    OnnxPipeline's ``sample_rate``, or 16 kHz for a pipeline holding a skser embedder;
    ``(None, None)`` for any other model."""
    steps = getattr(model, "steps", None)
    if not isinstance(steps, list):
        rate = getattr(model, "sample_rate", None)
        if isinstance(rate, Integral) and not isinstance(rate, bool):
            return int(rate), type(model).__name__
        return None, None
    # No skser embedder exists where its module was never imported (and torch with it).
    # (An AudioLoader's sample_rate is the files', not what the steps after it take.)
    base = sys.modules.get("skser.embedding._base")
    for _, step in steps if base is not None else ():
        if isinstance(step, base.ClipEmbedder):
            return SAMPLE_RATE, type(step).__name__
        if isinstance(getattr(step, "steps", None), list):
            rate, owner = _model_rate(step)
            if rate is not None:
                return rate, owner
    return None, None


def _check_model_rate(model, sample_rate):
    """Refuse a ``sample_rate`` other than the model's: its windows would be heard too
    fast or too slow, a verdict on the wrong audio."""
    rate, owner = _model_rate(model)
    if rate is not None and rate != sample_rate:
        raise ValueError(
            f"sample_rate={sample_rate} Hz, but the model ({owner}) takes {rate} Hz audio: "
            f"it would hear each window at the wrong speed. Leave sample_rate at {rate} (a "
            f"file is resampled to it when read) and pass an array note at {rate} Hz "
            "(resample it first, e.g. with soxr.resample)"
        )


def _detector(vad, sample_rate):
    """The detector and the name the result records (``"auto"`` resolved)."""
    if vad is None:
        return None, "none"
    if vad == _AUTO:
        vad = "silero" if silero_available(sample_rate) else "energy"
    if isinstance(vad, str):
        return _VADS[vad](), vad
    return vad, repr(vad)


@validate_params(
    {
        "model": [HasMethods(["predict_proba"]), HasMethods(["predict"])],
        "audio_or_path": [str, os.PathLike, "array-like"],
        "vad": [StrOptions({*_VADS, _AUTO}), BaseVAD, None],
        "window": [Interval(Real, 0, None, closed="neither")],
        "hop": [Interval(Real, 0, None, closed="neither"), None],
        "aggregation": [StrOptions(set(AGGREGATIONS))],
        "min_speech": [Interval(Real, 0, None, closed="left")],
        "merge_gap": [Interval(Real, 0, None, closed="left")],
        "sample_rate": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "block_duration": [Interval(Real, 0, None, closed="neither")],
        "min_confidence": [Interval(Real, 0, 1, closed="both"), None],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def analyze_voice_note(
    model,
    audio_or_path,
    *,
    vad="auto",
    window=8.0,
    hop=None,
    aggregation="mean",
    min_speech=0.5,
    merge_gap=0.5,
    sample_rate=SAMPLE_RATE,
    batch_size=8,
    block_duration=10.0,
    min_confidence=None,
    verbose=False,
):
    """Classify the emotion of a long voice note: VAD, windows, one verdict, a timeline.

    Read more in the :ref:`User Guide <voice_notes>`.

    The pipeline the paper proposes for voice notes longer than a training clip:

    1. a voice activity detector (VAD) finds the speech and removes the rest;
    2. speech regions closer than ``merge_gap`` are joined, fragments shorter than
       ``min_speech`` dropped, and each remaining segment is cut into windows of at most
       ``window`` seconds (see :func:`speech_windows` for the exact rules, including the
       tail);
    3. the windows go to ``model.predict_proba`` in batches of ``batch_size``, each a
       float32 array ``(n, longest window)`` padded at the end with zeros per the
       waveform convention;
    4. the window probabilities are averaged into the note's probabilities
       (``aggregation``, see :func:`aggregate_probabilities`) and its label.

    Memory is bounded whatever the note's length: a file is read ``block_duration``
    seconds at a time (channels averaged, resampled with a streaming soxr resampler when
    its rate is not ``sample_rate``), the VAD and the windowing run incrementally, and
    only the audio of the windows not yet classified is kept. Reading a file and passing
    the same samples as an array give the same result.

    A **dimensional** model (a fitted regression pipeline such as
    ``make_ser_pipeline(task="dimensional")``, or its ``OnnxPipeline``) gives each window's
    arousal, valence and dominance instead (``model.predict``), their ``"mean"`` or
    ``"duration"``-weighted mean for the note, and a
    :class:`DimensionalVoiceNoteResult` whose timeline has the three curves.

    Parameters
    ----------
    model : object with ``predict_proba`` and ``classes_``, or a dimensional model
        A fitted classifier of waveform batches, e.g. a fitted sklearn Pipeline of skser
        steps, or any object with the same interface (an ONNX runtime wrapper); or a
        fitted regressor of waveform batches (see above).
    audio_or_path : str, path-like or array-like [shape=(n,)]
        An audio file (any format :func:`skser.io.load_audio` reads), or mono samples at
        ``sample_rate``.
    vad : {"auto", "energy", "silero"}, EnergyVAD, SileroVAD or None, default="auto"
        The detector: :class:`SileroVAD` (neural, needs the silero-vad package's model
        file and onnxruntime; no torch), :class:`EnergyVAD` (no dependency), ``"auto"``
        for Silero wherever it is installed (and reads ``sample_rate``) and the energy
        VAD elsewhere (the result's ``vad`` says which ran), a configured instance of
        either, or None to analyze the whole note in fixed windows. Silero is the better
        detector in background noise (``benchmarks/bench_voice_note_accuracy.py``).
    window : float > 0, default=8.0
        The longest window, in seconds (8 s in the paper).
    hop : float > 0 or None, default=None
        Seconds between window starts; None means ``window`` (no overlap). Smaller
        values make overlapping windows and a smoother timeline.
    aggregation : {"mean", "duration", "confidence"}, default="mean"
        How window probabilities become the note's: the plain mean (the paper's), a mean
        weighted by each window's seconds of speech, or by each window's certainty
        (``1 - normalized entropy``).
    min_speech : float >= 0, default=0.5
        Speech segments shorter than this (seconds) are not analyzed; a tail shorter
        than this gets no window of its own: the segment's last window is moved back to
        end with it (``[end - window, end)``), so no window is longer than ``window``.
        With ``vad=None``, fixed chunks whose sound ends sooner (digital silence)
        are skipped.
    merge_gap : float >= 0, default=0.5
        Pauses shorter than this (seconds) do not split speech.
    sample_rate : int > 0, default=16000
        The rate of an array note and the rate the model gets, in Hz: it must be the
        model's own where the model says (an ``OnnxPipeline``'s ``sample_rate``, 16 kHz
        for a pipeline with a skser embedder).
    batch_size : int >= 1, default=8
        Windows per ``predict_proba`` call. With ``window``, it sets the memory the
        analysis needs: one float32 batch of ``batch_size * window * sample_rate``
        samples (4 MB by default), plus what the model needs for it.
    block_duration : float > 0, default=10.0
        Seconds of audio read at a time.
    min_confidence : float in [0, 1] or None, default=None
        Abstain under this top probability: a window whose top probability is under it
        is labelled ``"uncertain"`` (``result.window_labels``; grey and hatched in the
        timeline), and so is the note when its aggregated top probability is (its
        ``proba`` stays). None never abstains. Classifiers only; see
        :func:`skser.utils.abstain`.
    verbose : bool, default=False
        Show a progress bar over the blocks.

    Returns
    -------
    result : VoiceNoteResult or DimensionalVoiceNoteResult
        Windows, their probabilities and labels, the note's probabilities and label, the
        speech regions; ``to_frame()``, ``to_dict()``, ``format_table()`` and
        ``plot_timeline()``. For a dimensional model, each window's and the note's
        dimensions instead of probabilities.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, skser.io.AudioReadError
        For a missing, empty, corrupt or NaN-holding file, one whose header claims a rate
        under 1 kHz or whose channels cancel out when mixed to mono (named, as
        :func:`skser.io.load_audio` refuses them).
    ValueError
        For an empty array, an array that is not 1-D or holds NaN or inf, unknown option
        values, a ``sample_rate`` other than the model's, ``hop`` or ``min_speech`` larger
        than ``window``, or ``min_confidence`` with a dimensional model.
    sklearn.exceptions.NotFittedError
        For a model without ``classes_``.

    Warns
    -----
    NoSpeechWarning
        When no speech is found. The result then has no windows and its ``label`` and
        ``proba`` are None: a silent note is a normal input, not an error.

    See Also
    --------
    speech_windows : The windowing rules on a list of regions.
    EnergyVAD, SileroVAD : The detectors and their options.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skser.datasets import make_emotional_speech
    >>> X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=3, random_state=0)
    >>> def loudness(X):
    ...     return np.log(np.mean(X**2, axis=1, keepdims=True) + 1e-9)
    >>> model = make_pipeline(FunctionTransformer(loudness), LogisticRegression()).fit(X, y)
    >>> note = np.concatenate([np.zeros(16000), X[0], np.zeros(16000), X[1]])
    >>> result = analyze_voice_note(model, note, window=2.0)
    >>> result.n_windows, result.proba.shape, str(result.label) in model.classes_
    (..., (4,), True)
    >>> sorted(result.to_dict())[:4]
    ['aggregation', 'classes', 'duration', 'label']
    """
    task = task_of(model)
    result_class = _RESULTS[task]
    columns = _model_columns(model, task)
    check_aggregation(aggregation, task)
    if min_confidence is not None and task.is_dimensional:
        raise ValueError("min_confidence needs class probabilities: the model is dimensional")
    options = {} if task.is_dimensional else {"min_confidence": min_confidence}
    hop = check_window_options(window, hop, min_speech)
    _check_model_rate(model, sample_rate)
    detector, vad_name = _detector(vad, sample_rate)
    source = NoteSource(audio_or_path, sample_rate=sample_rate, block_duration=block_duration)
    note = source.name or "the voice note"
    stream = _WholeNoteStream() if detector is None else detector._stream(sample_rate)
    segmenter = _Segmenter(
        window=round(window * sample_rate),
        hop=max(1, round(hop * sample_rate)),
        min_speech=round(min_speech * sample_rate),
        merge_gap=round(merge_gap * sample_rate),
    )
    classifier = _WindowClassifier(
        model,
        columns.size,
        method=task.method,
        batch_size=batch_size,
        width=segmenter.window,
        sample_rate=sample_rate,
        note=note,
    )
    buffer = AudioBuffer()
    regions = []

    def classify(windows):
        for start, end, speech in windows:
            samples = buffer.view(start, end)
            # Without a VAD, a fixed chunk whose sound (up to its last non-zero sample) is
            # shorter than min_speech, e.g. digital silence, has nothing to classify: it
            # is skipped, as the VAD path drops short fragments.
            if detector is not None or _sounding_length(samples) >= segmenter.min_speech:
                classifier.add((start, end, speech), samples)

    blocks = progress(source, verbose=verbose, desc="analyzing", total=source.n_blocks,
                      unit="block")
    for block in blocks:
        buffer.append(block)
        closed = stream.push(block)
        regions.extend(closed)
        classify(segmenter.feed(closed, stream.open_region, stream.position))
        needed = segmenter.needed_from()
        buffer.discard_before(stream.position if needed is None else min(needed, stream.position))
    closed = stream.finish()
    regions.extend(closed)
    classify(segmenter.feed(closed) + segmenter.finish())
    classifier.flush()

    n_samples = stream.n_samples
    windows = np.asarray(classifier.windows, dtype=float).reshape(-1, 3) / sample_rate
    timeline = {
        "windows": windows[:, :2],
        "window_speech": windows[:, 2],
        "speech_regions": np.asarray(regions, dtype=float).reshape(-1, 2) / sample_rate,
        "segments": np.asarray(segmenter.segments, dtype=float).reshape(-1, 2) / sample_rate,
        "duration": n_samples / sample_rate,
        "aggregation": aggregation,
        "vad": vad_name,
        "source": source.name,
    }
    if windows.shape[0] > 0:
        window_outputs = np.concatenate(classifier.outputs)
        note_outputs = result_class.aggregate(window_outputs, method=aggregation,
                                              durations=windows[:, 2])
    else:
        _warn_no_speech(note, timeline, result_class._no_speech)
        window_outputs, note_outputs = np.zeros((0, columns.size)), None
    return result_class._analyzed(columns, window_outputs, note_outputs, timeline, **options)


def _warn_no_speech(note, timeline, consequence):
    warn_at_caller(
        f"no speech found in {note} ({timeline['duration']:.2f} s, vad={timeline['vad']}): "
        f"{consequence}",
        NoSpeechWarning,
    )
