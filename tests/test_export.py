import json
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skser.classification import FocalLossClassifier
from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder, DistilHuBERTEmbedder
from skser.export import ExportError, OnnxPipeline, read_metadata, to_onnx
from skser.io import AudioLoader, as_batch, clip_lengths, load_audio
from skser.preprocessing import (
    FixedDuration,
    PeakNormalizer,
    PreEmphasis,
    Trimmer,
    WaveformAugmenter,
)

from .conftest import write_audio

PARITY = 1e-4


@pytest.fixture(scope="module")
def corpus():
    X, y, groups = make_emotional_speech(n_speakers=3, n_clips_per_class=3, random_state=1)
    return X, y


def _head(**params):
    return FocalLossClassifier(max_iter=15, random_state=0, **params)


def _preprocessing():
    # (As make_ser_pipeline trims.)
    return [Trimmer(noise_margin_db=6.0), PreEmphasis(), PeakNormalizer(),
            FixedDuration(duration=4.0)]


def _run(model, X):
    session = ort.InferenceSession(model.SerializeToString())
    return session.run(None, {session.get_inputs()[0].name: np.asarray(X, np.float32)})


# -- single steps ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [Trimmer(), Trimmer(top_db=40, frame_length=1024, hop_length=256), PreEmphasis(coef=0.9),
     PeakNormalizer(peak=0.5), FixedDuration(duration=1.0), FixedDuration(duration=5.0)],
    ids=lambda step: repr(step),
)
def test_each_waveform_step_computes_what_sklearn_does(step, corpus):
    X = corpus[0][:6]
    X = np.concatenate([X, np.zeros((1, X.shape[1]), np.float32)])  # and a silent clip
    (output,) = _run(to_onnx(make_pipeline(step).fit(X)), X)
    np.testing.assert_allclose(output, step.transform(X), atol=1e-6)


def test_noise_floor_trimming_computes_what_sklearn_does(corpus):
    """Clips in steady noise (white, 5 or 10 dB under them), the same clips without it, a
    clip of noise alone, a silent one and one shorter than a frame."""
    rng = np.random.default_rng(0)
    clean = [clip[: clip_lengths(clip[None])[0]] for clip in corpus[0][:4]]
    noisy = [clip + rng.normal(0, np.sqrt(np.mean(clip**2) * 10 ** (-snr / 10)), clip.size)
             for clip, snr in zip(clean, [5, 10, 5, 10])]
    X = as_batch([*clean, *noisy, rng.normal(0, 0.1, 16000), np.zeros(8000), np.ones(300)])
    step = Trimmer(noise_margin_db=6.0)
    (output,) = _run(to_onnx(make_pipeline(step).fit(X)), X)
    np.testing.assert_allclose(output, step.transform(X), atol=1e-6)
    # The floor rule trimmed the noisy clips, which top-dB alone leaves longer.
    by_top_db = clip_lengths(Trimmer().transform(X))
    assert np.all(clip_lengths(output)[4:8] < by_top_db[4:8])


@pytest.mark.parametrize("embedder", ["acoustic", "acoustic, both spectra",
                                      "acoustic, dynamics, speeds",
                                      "acoustic, speeds, telephone", "distilhubert"])
def test_embedders_compute_what_torch_does(embedder, corpus, tiny_hubert):
    step = {
        "acoustic": AcousticEmbedder(),
        "acoustic, both spectra": AcousticEmbedder(denoise="both"),
        # The default pipeline's embedder.
        "acoustic, dynamics, speeds": AcousticEmbedder(dynamics=True, speeds=(0.9, 1.1)),
        "acoustic, speeds, telephone": AcousticEmbedder(speeds=(0.9,), channels=("telephone",)),
        "distilhubert": DistilHuBERTEmbedder(model=tiny_hubert, layer="all", pooling="mean+std"),
    }[embedder]
    X = corpus[0][:5]
    step.fit(X)
    (output,) = _run(to_onnx(make_pipeline(step)), X)
    expected = step.transform(X)
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


# -- whole pipelines -------------------------------------------------------------------


@pytest.mark.parametrize("embedder", ["acoustic", "distilhubert"])
def test_pipeline_probabilities_match(embedder, corpus, tiny_hubert):
    X, y = corpus
    step = AcousticEmbedder() if embedder == "acoustic" else DistilHuBERTEmbedder(
        model=tiny_hubert
    )
    pipe = make_pipeline(WaveformAugmenter(random_state=0), *_preprocessing(), step, _head())
    pipe.fit(X, y)
    runtime = OnnxPipeline(to_onnx(pipe))
    np.testing.assert_allclose(runtime.predict_proba(X), pipe.predict_proba(X), atol=PARITY)
    np.testing.assert_array_equal(runtime.predict(X), pipe.predict(X))
    np.testing.assert_array_equal(runtime.classes_, pipe.classes_)


@pytest.mark.parametrize(
    "tail",
    [
        [StandardScaler(), LogisticRegression(max_iter=2000)],
        [StandardScaler(), PCA(n_components=10), LogisticRegression(max_iter=2000)],
        [StandardScaler(), SVC(probability=True, random_state=0)],
    ],
    ids=["scaler-logreg", "pca", "svc"],
)
@pytest.mark.filterwarnings("ignore:.*probability=True.*:FutureWarning")
@pytest.mark.filterwarnings("ignore:Attribute `prob.*:FutureWarning")
def test_sklearn_steps_after_an_embedder(tail, corpus):
    X, y = corpus
    pipe = make_pipeline(PeakNormalizer(), AcousticEmbedder(), *tail).fit(X, y)
    runtime = OnnxPipeline(to_onnx(pipe))
    np.testing.assert_allclose(runtime.predict_proba(X), pipe.predict_proba(X), atol=PARITY)
    np.testing.assert_array_equal(runtime.predict(X), pipe.predict(X))


def test_integer_labels_come_back_as_integers(corpus):
    X, y = corpus
    codes = np.unique(y, return_inverse=True)[1] + 10
    pipe = make_pipeline(AcousticEmbedder(), _head()).fit(X, codes)
    labels = OnnxPipeline(to_onnx(pipe)).predict(X)
    assert labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, pipe.predict(X))


def test_padding_costs_nothing_and_changes_nothing(corpus, tiny_hubert):
    X, y = corpus
    pipe = make_pipeline(DistilHuBERTEmbedder(model=tiny_hubert), _head()).fit(X, y)
    model = to_onnx(pipe)
    short = _run(model, X[:4])[1]
    padded = _run(model, np.pad(X[:4], ((0, 0), (0, 5 * 16000))))[1]
    np.testing.assert_allclose(short, padded, atol=1e-5)


def test_a_leading_audio_loader_is_left_out_and_files_are_read(corpus, tmp_path):
    X, y = corpus
    pipe = make_pipeline(AudioLoader(), PeakNormalizer(), AcousticEmbedder(), _head())
    pipe.fit(X, y)
    model = to_onnx(pipe)
    assert model.graph.input[0].name == "waveforms"
    paths = [str(write_audio(tmp_path / f"{i}.wav", clip)) for i, clip in enumerate(X[:4])]
    np.testing.assert_allclose(
        OnnxPipeline(model).predict_proba(paths), pipe.predict_proba(paths), atol=PARITY
    )


def test_metadata_describes_the_model(corpus):
    X, y = corpus
    pipe = make_pipeline(AcousticEmbedder(), _head()).fit(X, y)
    metadata = read_metadata(to_onnx(pipe))
    assert json.loads(metadata["classes"]) == ["ang", "hap", "neu", "sad"]
    assert metadata["sample_rate"] == "16000"
    assert metadata["quantization"] == "none"
    assert "AcousticEmbedder" in metadata["pipeline"]
    assert metadata["min_samples"] == "640" and metadata["short_clips"] == "error"


def test_saved_model_passes_the_checker(corpus, tmp_path):
    X, y = corpus
    pipe = make_pipeline(AcousticEmbedder(), _head()).fit(X, y)
    to_onnx(pipe, path=tmp_path / "model.onnx")
    onnx.checker.check_model(str(tmp_path / "model.onnx"))
    assert OnnxPipeline(tmp_path / "model.onnx").predict(X).shape == (len(X),)


class _Unknown(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_a_step_without_converter_is_named(corpus):
    X, y = corpus
    pipe = make_pipeline(PeakNormalizer(), _Unknown(), AcousticEmbedder(), _head()).fit(X, y)
    with pytest.raises(ExportError, match=r"'_unknown' \(_Unknown\) cannot be exported"):
        to_onnx(pipe)


def test_an_unfitted_pipeline_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        to_onnx(make_pipeline(AcousticEmbedder(), _head()))


# -- quantization ----------------------------------------------------------------------


def test_only_constant_weight_layers_are_quantized(corpus, tiny_hubert):
    from skser.export._quantize import quantizable_nodes

    X, y = corpus
    pipe = make_pipeline(DistilHuBERTEmbedder(model=tiny_hubert), _head()).fit(X, y)
    model = to_onnx(pipe)
    chosen = set(quantizable_nodes(model))
    weights = {tensor.name: tensor for tensor in model.graph.initializer}
    matmuls = [n for n in model.graph.node if n.op_type in ("MatMul", "Conv", "Gemm")]
    for node in matmuls:
        constant = len(node.input) > 1 and node.input[1] in weights
        first_conv = constant and node.op_type == "Conv" and weights[node.input[1]].dims[1] == 1
        assert (node.name in chosen) == (constant and not first_conv), node.name
    assert any(n.name not in chosen for n in matmuls)  # attention products stay float


def test_int8_dynamic_quantizes_the_encoder_and_head(corpus, tiny_hubert):
    X, y = corpus
    pipe = make_pipeline(PeakNormalizer(), DistilHuBERTEmbedder(model=tiny_hubert), _head())
    pipe.fit(X, y)
    fp32, int8 = to_onnx(pipe), to_onnx(pipe, quantize="int8-dynamic")
    ops = {node.op_type for node in int8.graph.node}
    assert {"MatMulInteger", "ConvInteger"} & ops
    assert read_metadata(int8)["quantization"] == "int8-dynamic"
    assert len(int8.SerializeToString()) < len(fp32.SerializeToString())
    probabilities = OnnxPipeline(int8).predict_proba(X)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_int8_static_needs_calibration(corpus, tiny_hubert):
    X, y = corpus
    pipe = make_pipeline(DistilHuBERTEmbedder(model=tiny_hubert), _head()).fit(X, y)
    with pytest.raises(ValueError, match="needs calibration clips"):
        to_onnx(pipe, quantize="int8-static")
    with pytest.raises(ValueError, match="needs calibration clips"):
        to_onnx(pipe, quantize="int8")
    model = to_onnx(pipe, quantize="int8-static", calibration=X[:8])
    assert "QuantizeLinear" in {node.op_type for node in model.graph.node}
    assert OnnxPipeline(model).predict_proba(X).shape == (len(X), 4)


def test_nothing_to_quantize_is_said(corpus):
    X, y = corpus
    pipe = make_pipeline(AcousticEmbedder(), LogisticRegression(max_iter=2000)).fit(X, y)
    with pytest.raises(ValueError, match="nothing to quantize"):
        to_onnx(pipe, quantize="int8")
    with pytest.raises(ValueError, match="quantize must be"):
        to_onnx(pipe, quantize="int4")


# -- the runtime -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def runtime_and_pipeline(corpus):
    X, y = corpus
    pipe = make_pipeline(PeakNormalizer(), AcousticEmbedder(), _head()).fit(X, y)
    return OnnxPipeline(to_onnx(pipe)), pipe


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros((2, 3, 1000), np.float32), "3-D array"),
        (np.zeros(1000, np.float32), "1-D array"),
        ([np.ones(2000), np.ones(0)], "clip 1 is empty"),
        ([np.ones(2000), np.full(2000, np.nan)], "clip 1 contains NaN or inf"),
        ([0.1 * np.ones(2000), 0.1 * np.ones(300)], r"clip 1 has 300"),
    ],
    ids=["3d", "1d", "empty", "nan", "too-short"],
)
def test_runtime_refuses_bad_input_like_the_pipeline(runtime_and_pipeline, X, message):
    runtime, pipe = runtime_and_pipeline
    with pytest.raises(ValueError, match=message):
        runtime.predict_proba(X)
    with pytest.raises(ValueError, match=message):
        pipe.predict_proba(X)


def test_runtime_takes_float64_and_ragged_lists(runtime_and_pipeline, corpus):
    runtime, pipe = runtime_and_pipeline
    clips = [clip[: 16000 + 1000 * i] for i, clip in enumerate(corpus[0][:3])]
    np.testing.assert_allclose(
        runtime.predict_proba([c.astype(np.float64) for c in clips]),
        pipe.predict_proba(clips), atol=PARITY,
    )


def test_runtime_refuses_missing_and_foreign_models(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.onnx"):
        OnnxPipeline(tmp_path / "nope.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="cannot load an ONNX model"):
        OnnxPipeline(tmp_path / "junk.onnx")


def test_runtime_imports_no_torch(runtime_and_pipeline, corpus, tmp_path):
    _, pipe = runtime_and_pipeline
    path = tmp_path / "model.onnx"
    to_onnx(pipe, path=path)
    np.save(tmp_path / "X.npy", corpus[0][:3])
    code = (
        "import sys, numpy as np\n"
        "from skser.export import OnnxPipeline\n"
        f"p = OnnxPipeline({str(path)!r}).predict_proba(np.load({str(tmp_path / 'X.npy')!r}))\n"
        "assert p.shape == (3, 4), p.shape\n"
        "print('torch' in sys.modules, 'skl2onnx' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


# -- real speech -----------------------------------------------------------------------


@pytest.mark.real_data
@pytest.mark.slow
def test_default_pipeline_parity_on_real_speech(ravdess_root):
    from skser.datasets import load_ravdess

    data = load_ravdess(ravdess_root)
    rows = np.arange(0, len(data.filenames), 4)
    X = as_batch([load_audio(path) for path in data.filenames[rows]])
    pipe = make_pipeline(*_preprocessing()[:3], FixedDuration(), AcousticEmbedder(),
                         FocalLossClassifier(random_state=0))
    pipe.fit(X, data.target[rows])
    runtime = OnnxPipeline(to_onnx(pipe))
    difference = np.abs(runtime.predict_proba(X) - pipe.predict_proba(X)).max()
    assert difference <= PARITY


@pytest.mark.real_data
@pytest.mark.slow
def test_full_size_distilhubert_parity_on_real_speech(ravdess_root, tmp_path):
    """The exact DistilHuBERT architecture (random weights) with a trained head."""
    import torch
    from transformers import HubertModel

    from skser.datasets import load_ravdess
    from skser.embedding import distilhubert_config

    torch.manual_seed(0)
    HubertModel(distilhubert_config()).save_pretrained(tmp_path)
    data = load_ravdess(ravdess_root)
    rows = np.arange(0, len(data.filenames), 14)
    X = as_batch([load_audio(path) for path in data.filenames[rows]])
    pipe = make_pipeline(*_preprocessing()[:3], FixedDuration(),
                         DistilHuBERTEmbedder(model=tmp_path), FocalLossClassifier(random_state=0))
    pipe.fit(X, data.target[rows])
    runtime = OnnxPipeline(to_onnx(pipe))
    difference = np.abs(runtime.predict_proba(X) - pipe.predict_proba(X)).max()
    assert difference <= PARITY
