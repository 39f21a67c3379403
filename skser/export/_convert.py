"""to_onnx: a fitted pipeline as one ONNX graph."""

import json
import logging
import os

from ..exceptions import ExportError
from ..utils import task_of
from ._heads import HEADS
from ._metadata import METADATA_PREFIX
from ._speaker import expose_speaker_inputs, speaker_metadata

__all__ = ["to_onnx", "ExportError"]

logger = logging.getLogger("skser.export")


def _steps(pipeline):
    from sklearn.pipeline import Pipeline

    if isinstance(pipeline, Pipeline):
        return list(pipeline.steps)
    return [(type(pipeline).__name__.lower(), pipeline)]


def _exportable_pipeline(pipeline):
    """The pipeline without the steps that have no place in the graph, and its head.

    A leading ``AudioLoader`` reads files (the runtime does that itself) and a
    ``WaveformAugmenter`` is the identity at inference: both are left out, and logged.
    The head (:data:`HEADS`) is the final step's task's, and checks the steps.
    """
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    from ..io import AudioLoader
    from ..preprocessing import WaveformAugmenter

    check_is_fitted(pipeline)
    kept = []
    for index, (name, step) in enumerate(_steps(pipeline)):
        if step is None or step == "passthrough":
            continue
        if isinstance(step, AudioLoader) and index == 0:
            logger.info("step %r (AudioLoader) left out: the runtime reads files itself", name)
            continue
        if isinstance(step, WaveformAugmenter):
            logger.info("step %r (WaveformAugmenter) left out: identity at inference", name)
            continue
        if isinstance(step, AudioLoader):
            raise ExportError(f"step {name!r} (AudioLoader) can only be the first step")
        kept.append((name, step))
    if not kept:
        raise ExportError("the pipeline has no step to export")
    head = HEADS[task_of(kept[-1][1])]
    head.check(kept)
    return Pipeline(kept), kept, head


def _input_kind(first):
    from ..distillation import Wav2SmallStudent
    from ..embedding import ClipEmbedder
    from ..preprocessing import WaveformTransformer

    waveform_steps = WaveformTransformer | ClipEmbedder | Wav2SmallStudent
    return "waveforms" if isinstance(first, waveform_steps) else "features"


def _min_samples(steps):
    from ..distillation import Wav2SmallStudent
    from ..embedding import ClipEmbedder

    for _, step in steps:
        if isinstance(step, ClipEmbedder):
            return step.min_samples, step.short_clips
        if isinstance(step, Wav2SmallStudent):
            return step.min_samples, "pad"
    return 1, "pad"


def _trim_settings(steps):
    """The first Trimmer's parameters, as the runtime needs them to check trimmed lengths."""
    from ..preprocessing import Trimmer

    for _, step in steps:
        if isinstance(step, Trimmer):
            settings = {"top_db": float(step.top_db),
                        "frame_length": int(step.frame_length),
                        "hop_length": int(step.hop_length)}
            if step.noise_margin_db is not None:  # (absent: the models exported before it)
                settings["noise_margin_db"] = float(step.noise_margin_db)
            return json.dumps(settings)
    return None


def _convert(pipeline, steps, head, kind, opset):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from skl2onnx.common.exceptions import MissingConverter, MissingShapeCalculator

    from ._converters import register_converters

    register_converters()
    width = None if kind == "waveforms" else getattr(steps[0][1], "n_features_in_", None)
    options, final_types = head.conversion(steps[-1][1])
    try:
        return convert_sklearn(
            pipeline,
            initial_types=[(kind, FloatTensorType([None, width]))],
            target_opset={"": opset, "ai.onnx.ml": 3},
            options=options,
            final_types=final_types,
        )
    except (MissingConverter, MissingShapeCalculator, RuntimeError, NotImplementedError) as exc:
        culprit = next(
            (f"{name!r} ({type(step).__name__})" for name, step in steps
             if type(step).__name__ in str(exc)),
            "a step",
        )
        raise ExportError(
            f"{culprit} cannot be exported to ONNX: {exc}. skser exports its own steps "
            "and the scikit-learn steps skl2onnx converts; refit without it, or register a "
            "converter with skl2onnx.update_registered_converter"
        ) from exc


def _set_metadata(model, pipeline, steps, head, kind, quantization):
    from sklearn import __version__ as sklearn_version

    from .. import __version__
    from ..io import SAMPLE_RATE

    min_samples, short_clips = _min_samples(steps)
    # The head fills "classes" and "output" in their places and adds its own keys last.
    values = {
        "version": __version__,
        "sklearn_version": sklearn_version,
        "input": kind,
        "sample_rate": str(SAMPLE_RATE),
        "classes": None,
        "min_samples": str(min_samples),
        "short_clips": short_clips,
        "quantization": quantization or "none",
        "output": None,
        "pipeline": repr(pipeline),
    }
    if (trim := _trim_settings(steps)) is not None:
        values["trim"] = trim
    values.update(head.metadata(steps[-1][1]))
    del model.metadata_props[:]
    for key, value in values.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = METADATA_PREFIX + key, value
    model.producer_name = "skser"
    model.producer_version = __version__
    model.doc_string = f"skser pipeline: {' -> '.join(type(s).__name__ for _, s in steps)}"


def _add_speaker_metadata(model, steps):
    value = speaker_metadata(steps)
    if value is not None:
        entry = model.metadata_props.add()
        entry.key, entry.value = METADATA_PREFIX + "speaker_adaptation", value


def check_calibration(pipeline, calibration):
    """Refuse calibration clips the pipeline itself refuses (silent, too short, NaN).

    Calibrating on them would set the int8 ranges from no speech at all: a model that
    loads and runs, and is wrong. :func:`to_onnx` calls it before static quantization.

    Parameters
    ----------
    pipeline : Pipeline or estimator
        Fitted; every step but the last transforms the clips.
    calibration : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays

    Raises
    ------
    ValueError
        Naming what the pipeline refused.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skser.datasets import make_emotional_speech
    >>> from skser.embedding import AcousticEmbedder
    >>> from skser.preprocessing import Trimmer
    >>> X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    >>> pipe = make_pipeline(Trimmer(), AcousticEmbedder(),
    ...                      LogisticRegression(max_iter=500)).fit(X, y)
    >>> check_calibration(pipe, X[:2])
    >>> check_calibration(pipe, np.zeros((1, 16000), np.float32))
    Traceback (most recent call last):
    ...
    ValueError: the calibration clips cannot calibrate this model: ...
    """
    import warnings

    from sklearn.pipeline import Pipeline

    front = pipeline[:-1] if isinstance(pipeline, Pipeline) and len(pipeline) > 1 else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. a SpeakerNormalizer without speakers
            if front is not None:
                front.transform(calibration)
            else:
                from ..io import as_batch

                as_batch(calibration)
    except ValueError as exc:
        raise ValueError(f"the calibration clips cannot calibrate this model: {exc}") from exc


def to_onnx(pipeline, *, quantize=None, calibration=None, opset=17, path=None):
    """Write a fitted pipeline as one ONNX graph, optionally quantized to 8 bits.

    Read more in the :ref:`User Guide <export>`.

    The graph takes the padded waveform batch, float32 ``[N, T]`` with dynamic ``N`` and
    ``T`` (input ``"waveforms"``; ``"features"`` when the pipeline starts after the
    embedder), and gives ``"label"`` and ``"probabilities"`` (``[N, n_classes]``, columns
    in ``classes_`` order). A pipeline ending in a regressor (``CCCLossRegressor``) gives
    ``"avd"`` ``[N, 3]`` instead: arousal, valence, dominance, named in the metadata
    (``skser.task`` is ``"dimensional"``, ``skser.targets`` the column names). Every
    skser step has a converter (see :func:`register_converters`) and scikit-learn steps
    use skl2onnx's (StandardScaler, PCA, LogisticRegression, SVC with
    ``probability=True``, ...). A classifier without ``predict_proba`` (``SVC()``) is
    refused: its scores are not probabilities. A leading ``AudioLoader`` and any
    ``WaveformAugmenter`` are left out (logged): the runtime reads files itself and
    augmentation is the identity at inference. A step that cannot be
    expressed raises :class:`ExportError` naming it.

    A ``SpeakerNormalizer`` adds two optional inputs, ``speaker_mean`` and
    ``speaker_scale`` (float32 ``[N or 1, n_features]``, default: the global training
    statistics), and an ``embeddings`` output (the embedding before it): see
    :meth:`OnnxPipeline.predict_proba`'s ``speakers`` and ``speaker_stats``.

    Parameters
    ----------
    pipeline : Pipeline or estimator
        Fitted.
    quantize : {None, "int8", "int8-dynamic", "int8-static"}, default=None
        ``"int8"`` is the measured default, see :func:`skser.export.quantize_onnx`.
    calibration : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays, optional
        Real clips to calibrate static quantization with (required for ``"int8-static"``).
    opset : int, default=17
        The ONNX opset of the main domain.
    path : str or os.PathLike, optional
        Also save the model there.

    Returns
    -------
    model : onnx.ModelProto
        Checked with ``onnx.checker.check_model``; metadata in ``metadata_props``
        (``skser.classes``, ``skser.sample_rate``, ``skser.version``, ``skser.pipeline``,
        ``skser.quantization``, ...).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skser.datasets import make_emotional_speech
    >>> from skser.embedding import AcousticEmbedder
    >>> from skser.preprocessing import PeakNormalizer
    >>> X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    >>> pipe = make_pipeline(PeakNormalizer(), AcousticEmbedder(),
    ...                      LogisticRegression(max_iter=500)).fit(X, y)
    >>> model = to_onnx(pipe)
    >>> [o.name for o in model.graph.output]
    ['label', 'probabilities']
    """
    import onnx

    if quantize not in (None, "int8", "int8-dynamic", "int8-static"):
        raise ValueError(
            f"quantize must be None, 'int8', 'int8-dynamic' or 'int8-static', got {quantize!r}"
        )
    exportable, steps, head = _exportable_pipeline(pipeline)
    kind = _input_kind(steps[0][1])
    if calibration is not None and quantize in ("int8", "int8-static"):
        check_calibration(pipeline, calibration)
    model = expose_speaker_inputs(_convert(exportable, steps, head, kind, opset))
    onnx.checker.check_model(model)
    mode = None
    if quantize is not None:
        from ._quantize import quantize_onnx

        model, mode = quantize_onnx(model, quantize, calibration=calibration, input_name=kind)
    _set_metadata(model, pipeline, steps, head, kind, mode)
    _add_speaker_metadata(model, steps)
    if (card := getattr(pipeline, "model_card_", None)) is not None:  # skser.hub.ModelCard
        entry = model.metadata_props.add()
        entry.key, entry.value = METADATA_PREFIX + "card", json.dumps(card, sort_keys=True)
    if path is not None:
        from ..utils import expand_path

        onnx.save(model, os.fspath(expand_path(path)))
    return model
