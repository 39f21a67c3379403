"""OnnxPipeline: run an exported pipeline with onnxruntime alone (no torch)."""

import json
import os

import numpy as np

from ..io import (
    as_batch,
    audio_paths,
    check_n_jobs,
    clip_lengths,
    load_audio_batch,
    nonsilent_interval,
)
from ..utils import (
    CATEGORICAL,
    SMALLEST_NORMAL,
    check_min_confidence,
    expand_path,
    mark_uncertain,
    shortfall,
    task_of,
)
from ._metadata import read_metadata

__all__ = ["OnnxPipeline"]


_SUM_TOLERANCE = 1e-3


_SILENT_HINT = "; a clip of 0 samples is silent (all zeros)"


def _check_finite(values, X):
    """Raise naming the first clip whose row of ``values`` holds NaN or inf."""
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        peak = float(np.abs(X[bad]).max())
        raise ValueError(
            f"the model gave NaN or inf for clip {bad} (its peak amplitude is {peak:.3g}); "
            "waveforms are expected in about [-1, 1]"
        )


def _check_probabilities(probabilities, X):
    """Raise unless every row is a probability distribution (finite, >= 0, sums to 1)."""
    _check_finite(probabilities, X)
    sums = probabilities.sum(axis=1)
    wrong = (np.abs(sums - 1) > _SUM_TOLERANCE) | (probabilities < -_SUM_TOLERANCE).any(axis=1)
    if wrong.any():
        bad = int(np.flatnonzero(wrong)[0])
        raise ValueError(
            f"the model's 'probabilities' output is not probabilities: row {bad} sums to "
            f"{sums[bad]:.3g}. It was not written by this version of skser.export.to_onnx, "
            "which refuses classifiers without predict_proba"
        )


def _is_whole(value):
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _check_params(n_threads, batch_size, length_tolerance):
    """Refuse what onnxruntime or the batching would misread, naming the parameter."""
    if n_threads is not None and not (_is_whole(n_threads) and 0 <= n_threads < 2**31):
        # (onnxruntime took -5 as its default and raised a bare TypeError past int32.)
        raise ValueError(f"n_threads must be None or 0 (onnxruntime's default, one thread "
                         f"per core) or a positive whole number, got {n_threads!r}")
    if not _is_whole(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if isinstance(length_tolerance, bool) or not isinstance(
            length_tolerance, int | float | np.integer | np.floating) \
            or not length_tolerance >= 0:
        raise ValueError(f"length_tolerance must be a number >= 0, got {length_tolerance!r}")


class OnnxPipeline:
    """A pipeline exported by :func:`skser.export.to_onnx`, run by onnxruntime.

    Read more in the :ref:`User Guide <deployment>`.

    Takes the same input as the scikit-learn pipeline it came from, waveform batches or
    audio file paths (decoded by :class:`skser.io.AudioLoader` at the model's sample
    rate), refuses bad input with the same errors, and imports no torch: this is what
    ships to a server or a phone.

    Parameters
    ----------
    model : str, os.PathLike, bytes or onnx.ModelProto
        The exported model.
    n_threads : int >= 0, default=None
        onnxruntime intra-op threads (None or 0: onnxruntime's default, one per core).
    batch_size : int, default=16
        Clips per run at most. Clips are sorted by length and a batch only holds clips
        within ``1 + length_tolerance`` of its shortest one, cropped to its longest: a
        short clip is never padded to a long one's length (clips of very different
        lengths run one by one).
    n_jobs : int, default=None
        Threads decoding audio files (None: one per core, -1 likewise; 1 decodes in turn).
    length_tolerance : float >= 0, default=0.1
        How much longer than a batch's shortest clip its longest may be.

    A dimensional model (a pipeline ending in ``CCCLossRegressor``) has ``task ==
    "dimensional"``: :meth:`predict` returns its arousal, valence and dominance
    ``(n_clips, 3)``, columns named by ``target_names_``, and it has no ``classes_``.

    Attributes
    ----------
    task : {"categorical", "dimensional"}
        What the model predicts.
    classes_ : np.ndarray or None
        Class labels, the columns of :meth:`predict_proba` (None for a dimensional model).
    target_names_ : np.ndarray or None
        The dimensions, the columns of :meth:`predict` (None for a categorical model).
    metadata_ : dict
        The model's ``skser.*`` metadata (version, pipeline, quantization, ...).
    model_card_ : dict or None
        The model card the export carries (:class:`skser.hub.ModelCard` as a dict: task,
        labels, training data, evaluations, data licence), or None for an export
        without one.
    path_ : str or None
        The file the model was read from (None for bytes or an ``onnx.ModelProto``).
    session_ : onnxruntime.InferenceSession

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skser.datasets import make_emotional_speech
    >>> from skser.embedding import AcousticEmbedder
    >>> from skser.export import to_onnx
    >>> X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    >>> pipe = make_pipeline(AcousticEmbedder(), LogisticRegression(max_iter=500)).fit(X, y)
    >>> runtime = OnnxPipeline(to_onnx(pipe))
    >>> runtime.classes_.tolist()
    ['ang', 'hap', 'neu', 'sad']
    >>> bool(abs(runtime.predict_proba(X) - pipe.predict_proba(X)).max() < 1e-4)
    True
    """

    def __init__(self, model, *, n_threads=None, batch_size=16, n_jobs=None,
                 length_tolerance=0.1):
        import onnxruntime as ort

        _check_params(n_threads, batch_size, length_tolerance)
        check_n_jobs(n_jobs)
        if hasattr(model, "SerializeToString"):
            model = model.SerializeToString()
        elif not isinstance(model, bytes):
            path = os.fspath(expand_path(model))
            if not os.path.isfile(path):
                raise FileNotFoundError(f"ONNX model not found: {path}")
            model = path
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if n_threads:
            options.intra_op_num_threads = int(n_threads)
        options.inter_op_num_threads = 1
        # A speaker-adapted model's statistics are overridable initializers; onnxruntime
        # warns about each at load, which is noise to a user.
        options.log_severity_level = 3
        try:
            self.session_ = ort.InferenceSession(
                model, options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            where = model if isinstance(model, str) else "the given bytes"
            raise ValueError(f"cannot load an ONNX model from {where}: {exc}") from exc
        self.metadata_ = read_metadata(self.session_)
        if "classes" not in self.metadata_:
            raise ValueError("this ONNX model was not written by skser.export.to_onnx")
        self.task = self.metadata_.get("task", CATEGORICAL.name)
        self._task = task_of(self)  # refuses a task skser does not know
        if not self._task.is_dimensional and self.metadata_.get(
            "output", "probabilities"
        ) != "probabilities":
            raise ValueError(
                f"this ONNX model's output is {self.metadata_['output']!r}, not class "
                "probabilities; OnnxPipeline runs classifiers and dimensional models "
                "exported by to_onnx"
            )
        classes = json.loads(self.metadata_["classes"])
        self.classes_ = None if classes is None else np.asarray(classes)
        targets = self.metadata_.get("targets")
        self.target_names_ = None if targets is None else np.asarray(json.loads(targets))
        self.sample_rate = int(self.metadata_["sample_rate"])
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.length_tolerance = length_tolerance
        self._input = self.session_.get_inputs()[0].name
        self._outputs = list(self._task.graph_outputs(self.target_names_))
        adaptation = self.metadata_.get("speaker_adaptation")
        self.speaker_adaptation_ = None if adaptation is None else json.loads(adaptation)
        card = self.metadata_.get("card")
        self.model_card_ = None if card is None else json.loads(card)
        self.path_ = model if isinstance(model, str) else None
        self._model, self._options, self._head = model, options, None

    @classmethod
    def from_pretrained(cls, repo_id_or_folder, *, revision=None, local_files_only=False,
                        **kwargs):
        """Load the ONNX model of a folder written by :func:`skser.hub.save_pretrained`.

        Works in the deployment install: a local folder needs nothing more, a Hugging Face
        Hub repo id (``owner/name``) needs huggingface_hub (its local cache is read first;
        ``HF_HUB_OFFLINE=1`` keeps it offline).

        Parameters
        ----------
        repo_id_or_folder : str or os.PathLike
        revision : str, optional
            A Hub branch, tag or commit.
        local_files_only : bool, default=False
            Use the local Hub cache only.
        **kwargs
            :class:`OnnxPipeline`'s parameters (``n_threads``, ``batch_size``, ...).

        Returns
        -------
        model : OnnxPipeline
        """
        from ..utils import pretrained_folder

        folder, config, file = pretrained_folder(repo_id_or_folder, revision=revision,
                                                 local_files_only=local_files_only)
        if config["format"] != "onnx":
            raise ValueError(f"{folder} holds a {config['format']} model, not an ONNX export: "
                             "load it with skser.hub.from_pretrained")
        return cls(file, **kwargs)

    def _prepare(self, X):
        if self._input == "features":
            from sklearn.utils import check_array

            return check_array(X, dtype=np.float32), None
        paths = audio_paths(X)
        if paths is not None:
            n_jobs = -1 if self.n_jobs is None else self.n_jobs
            X = load_audio_batch(paths, sample_rate=self.sample_rate, n_jobs=n_jobs)
        X = as_batch(X)
        # A clip whose peak is subnormal is silent, as skser's PeakNormalizer treats it.
        lengths = np.where(np.abs(X).max(axis=1) < SMALLEST_NORMAL, 0, clip_lengths(X))
        minimum = int(self.metadata_.get("min_samples", 1))
        if self.metadata_.get("short_clips") == "error":
            # The embedder sees each clip as the graph's Trimmer leaves it, as in scikit-learn.
            kept = _trimmed_lengths(X, lengths, self.metadata_.get("trim"))
            short = np.flatnonzero(kept < minimum)
            if short.size:
                subject, detail = shortfall(short, kept)
                raise ValueError(
                    f"{subject} shorter than the {minimum} samples this model needs"
                    f"{' after trimming' if 'trim' in self.metadata_ else ''}: {detail}"
                    f"{_SILENT_HINT if kept[short[0]] == 0 else ''}"
                )
        return X, lengths

    def _batches(self, lengths, n_rows):
        """Row indices per run: sorted by length, each batch of similar lengths."""
        if lengths is None:
            return [np.arange(start, min(start + self.batch_size, n_rows))
                    for start in range(0, n_rows, self.batch_size)]
        order = np.argsort(lengths, kind="stable")
        batches, start = [], 0
        while start < n_rows:
            limit = lengths[order[start]] * (1 + self.length_tolerance)
            stop = start + 1
            while stop < min(n_rows, start + self.batch_size) and lengths[order[stop]] <= limit:
                stop += 1
            batches.append(order[start:stop])
            start = stop
        return batches

    def _run_by_batch(self, X, names):
        """The ``names`` outputs of every clip, in order, run in batches of similar lengths.

        Returns the outputs and the prepared input (waveforms read from paths, as a batch).
        """
        X, lengths = self._prepare(X)
        outputs = None
        for rows in self._batches(lengths, len(X)):
            batch = X[rows]
            if lengths is not None:
                batch = batch[:, : max(1, int(lengths[rows].max()))]
            values = self.session_.run(names, {self._input: batch})
            if outputs is None:
                outputs = [np.empty((len(X), *value.shape[1:]), value.dtype) for value in values]
            for output, value in zip(outputs, values):
                output[rows] = value
        return outputs, X

    def _run_dimensional(self, X):
        (values,), _ = self._run_by_batch(X, self._outputs)
        finite = np.isfinite(values).all(axis=1)
        if not finite.all():
            raise ValueError(
                f"the model gave NaN or inf for clip {int(np.flatnonzero(~finite)[0])}; "
                "waveforms are expected in about [-1, 1]"
            )
        return values.astype(np.float32, copy=False)

    def _run(self, X, speakers=None, speaker_stats=None):
        if self._task.is_dimensional and self.speaker_adaptation_ is None:
            return (self._run_dimensional(X),)
        if self.speaker_adaptation_ is not None:
            return self._run_adapted(X, speakers, speaker_stats)
        if speakers is not None or speaker_stats is not None:
            raise ValueError(
                "this model has no SpeakerNormalizer: speakers and speaker_stats need a "
                "speaker-adapted model (skser.preprocessing.make_speaker_adapted)"
            )
        (labels, probabilities), X = self._run_by_batch(X, self._outputs)
        probabilities = probabilities.astype(np.float32, copy=False)
        _check_probabilities(probabilities, X)
        return labels.astype(self.classes_.dtype), probabilities

    def _run_adapted(self, X, speakers, speaker_stats):
        from ._speaker_runtime import SpeakerHead

        if self._head is None:
            self._head = SpeakerHead(self._model, self._options, self.speaker_adaptation_)
        (embeddings,), X = self._run_by_batch(X, ["embeddings"])
        labels, probabilities = self._head.run(
            embeddings.astype(np.float32, copy=False), speakers, speaker_stats, self.batch_size
        )
        if not self._task.is_dimensional:
            _check_finite(embeddings, X)  # the clip itself, before any speaker statistics
            if not np.isfinite(probabilities).all():
                bad = int(np.flatnonzero(~np.isfinite(probabilities).all(axis=1))[0])
                raise ValueError(
                    f"the model gave NaN or inf for clip {bad} after speaker normalization: "
                    "check the speaker statistics (speaker_stats) used for that clip"
                )
            _check_probabilities(probabilities, X)
        return labels.astype(self.classes_.dtype), probabilities

    def embed(self, X):
        """The embedding of each clip, before speaker normalization.

        Only for a speaker-adapted model (one exported with a ``SpeakerNormalizer``).

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)], list of 1-D arrays, or list of paths

        Returns
        -------
        embeddings : np.ndarray [shape=(n_clips, n_features), dtype=float32]
        """
        if self.speaker_adaptation_ is None:
            raise ValueError("this model has no SpeakerNormalizer, so no embeddings output")
        (embeddings,), _ = self._run_by_batch(X, ["embeddings"])
        return embeddings.astype(np.float32, copy=False)

    def predict_proba(self, X, *, speakers=None, speaker_stats=None):
        """Class probabilities of each clip.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)], list of 1-D arrays, or list of paths
        speakers : array-like [shape=(n_clips,)], optional
            The speaker of each clip, for a speaker-adapted model: each speaker is
            standardised by ``speaker_stats[speaker]`` when enrolled, else by the
            statistics of their clips in ``X`` (at least ``min_clips``), else globally
            (with a warning), as :class:`skser.preprocessing.SpeakerNormalizer` does.
        speaker_stats : dict or SpeakerStats, optional
            Enrolled speakers (:func:`skser.preprocessing.load_speaker_stats`), or one
            speaker's statistics for every clip.

        Returns
        -------
        probabilities : np.ndarray [shape=(n_clips, n_classes), dtype=float32]

        Raises
        ------
        ValueError
            For a dimensional model, which has no classes.
        """
        if self._task.is_dimensional:
            raise ValueError(
                "this ONNX model is dimensional (it predicts "
                f"{', '.join(self.target_names_.tolist())}): use predict, it has no classes"
            )
        return self._run(X, speakers, speaker_stats)[1]

    def predict(self, X, *, speakers=None, speaker_stats=None, min_confidence=None):
        """The predicted class of each clip (``label``), or its dimensions (``avd``).

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)], list of 1-D arrays, or list of paths
        speakers, speaker_stats : optional
            As in :meth:`predict_proba`.
        min_confidence : float in [0, 1] or None, default=None
            Label ``"uncertain"`` a clip whose top probability is under it, instead of
            forcing a class (see :func:`skser.utils.abstain`); None never abstains.
            Categorical models only.

        Returns
        -------
        y_pred : np.ndarray [shape=(n_clips,)] or [shape=(n_clips, n_dims), dtype=float32]
            Labels (``"uncertain"`` where abstaining; then a text array for text classes,
            else an object array), or for a dimensional model arousal, valence and
            dominance (columns ``target_names_``).

        Raises
        ------
        ValueError
            For ``min_confidence`` outside [0, 1], or given for a dimensional model.
        """
        min_confidence = check_min_confidence(min_confidence)
        if min_confidence is not None and self._task.is_dimensional:
            raise ValueError(
                "min_confidence needs class probabilities: this ONNX model is dimensional"
            )
        outputs = self._run(X, speakers, speaker_stats)
        if min_confidence is None:
            return outputs[0]
        labels, probabilities = outputs
        return mark_uncertain(labels, probabilities.max(axis=1, initial=0.0) < min_confidence)

    def __repr__(self):
        if self._task.is_dimensional:
            return (
                f"OnnxPipeline(targets={self.target_names_.tolist()}, "
                f"quantization={self.metadata_.get('quantization')!r})"
            )
        return (
            f"OnnxPipeline(classes={self.classes_.tolist()}, "
            f"quantization={self.metadata_.get('quantization')!r})"
        )


def _trimmed_lengths(X, lengths, trim):
    """Each clip's length after the exported Trimmer (``trim``: its settings, JSON), or as is."""
    if trim is None:
        return lengths
    settings = json.loads(trim)
    kept = np.zeros_like(lengths)
    for index, length in enumerate(lengths):
        if length:
            start, end = nonsilent_interval(X[index, :length], **settings)
            kept[index] = clip_lengths(X[index : index + 1, start:end])[0]
    return kept
