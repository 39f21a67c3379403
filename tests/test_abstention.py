"""Abstention: "uncertain" under a top probability, in the helper, ONNX runtime, voice notes."""

import json

import matplotlib
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skser.classification import abstain as abstain_from_classification
from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder
from skser.exceptions import InvalidParameterError
from skser.io import iter_clips
from skser.utils import UNCERTAIN, abstain
from skser.voice_note import _analyze as analyze_module
from skser.voice_note import analyze_voice_note

matplotlib.use("Agg")

SR = 16000


def test_abstain():
    proba = [[0.7, 0.2, 0.1], [0.4, 0.35, 0.25], [0.1, 0.1, 0.8]]
    classes = np.array(["ang", "hap", "sad"])
    assert abstain(proba, classes, 0.5).tolist() == ["ang", "uncertain", "sad"]
    assert abstain(proba, classes, None).tolist() == ["ang", "ang", "sad"]
    assert abstain(proba, classes, 0.0).tolist() == ["ang", "ang", "sad"]
    assert abstain(proba, classes, 0.7).tolist() == ["ang", "uncertain", "sad"]  # reaches
    assert abstain(proba, classes, 0.9, label="?").tolist() == ["?", "?", "?"]
    integers = abstain(proba, [3, 5, 7], 0.5)
    assert integers.tolist() == [3, "uncertain", 7] and integers.dtype == object
    assert abstain(np.zeros((0, 3)), classes, 0.5).shape == (0,)
    assert abstain_from_classification is abstain
    with pytest.raises(ValueError, match=r"min_confidence must be a probability in \[0, 1\]"):
        abstain(proba, classes, 1.5)
    with pytest.raises(ValueError, match="n_classes = 2 classes"):
        abstain(proba, classes[:2], 0.5)


def test_abstain_matches_the_coverage_curve():
    from skser.metrics import coverage_curve

    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=300)
    classes = np.array(["ang", "hap", "neu", "sad"])
    y = classes[rng.integers(0, 4, 300)]
    labels = abstain(proba, classes, 0.5)
    curve = coverage_curve(y, proba, labels=classes, thresholds=[0.5])
    answered = labels != UNCERTAIN
    assert curve["n"][0] == answered.sum()
    assert curve["wa"][0] == pytest.approx(np.mean(labels[answered] == y[answered]))


@pytest.fixture(scope="module")
def corpus():
    return make_emotional_speech(n_speakers=2, n_clips_per_class=3, random_state=0)


def test_onnx_pipeline_predict_abstains(corpus):
    from skser.export import OnnxPipeline, to_onnx

    X, y, _ = corpus
    pipe = make_pipeline(AcousticEmbedder(), LogisticRegression(C=0.01, max_iter=500)).fit(X, y)
    runtime = OnnxPipeline(to_onnx(pipe))
    proba = runtime.predict_proba(X)
    threshold = float(np.median(proba.max(axis=1)))
    labels = runtime.predict(X, min_confidence=threshold)
    expected = np.where(proba.max(axis=1) < threshold, "uncertain", runtime.predict(X))
    assert labels.tolist() == expected.tolist()
    assert 0 < (labels == "uncertain").sum() < len(X)
    assert runtime.predict(X, min_confidence=None).tolist() == runtime.predict(X).tolist()
    with pytest.raises(ValueError, match="min_confidence must be a probability"):
        runtime.predict(X, min_confidence=-0.1)


def _loudness(X):
    return np.log(np.mean(np.asarray(X) ** 2, axis=1, keepdims=True) + 1e-9)


@pytest.fixture(scope="module")
def model(corpus):
    X, y, _ = corpus
    return make_pipeline(FunctionTransformer(_loudness), StandardScaler(),
                         LogisticRegression(C=0.05)).fit(X, y)


@pytest.fixture(scope="module")
def note(corpus):
    X, _, _ = corpus
    pause = np.zeros(SR, np.float32)
    clips = list(iter_clips(X))[::2]
    samples = np.concatenate([part for clip in clips for part in (pause, clip)] + [pause])
    return samples + 0.001 * np.random.default_rng(0).standard_normal(samples.size).astype(
        np.float32)


def test_voice_note_windows_and_verdict_abstain(model, note):
    plain = analyze_voice_note(model, note, vad="energy", window=1.0)
    tops = plain.window_proba.max(axis=1)
    threshold = float(np.median(tops))
    result = analyze_voice_note(model, note, vad="energy", window=1.0, min_confidence=threshold)
    # Same windows and probabilities; labels under the threshold are "uncertain".
    np.testing.assert_array_equal(result.window_proba, plain.window_proba)
    np.testing.assert_array_equal(result.proba, plain.proba)
    uncertain = tops < threshold
    np.testing.assert_array_equal(result.window_uncertain, uncertain)
    assert result.window_labels.tolist() == np.where(
        uncertain, "uncertain", plain.window_labels).tolist()
    assert result.label == (plain.label if plain.proba.max() >= threshold else "uncertain")
    assert "min_confidence" not in plain.to_dict()
    as_dict = json.loads(result.to_json())
    assert as_dict["min_confidence"] == threshold
    assert [w["label"] for w in as_dict["windows"]] == result.window_labels.tolist()
    table = result.format_table()
    assert sum("uncertain" in line for line in table.splitlines()) >= uncertain.sum()
    assert result.to_frame()["label"].tolist() == result.window_labels.tolist()
    assert f"min_confidence={threshold}" in repr(result)


def test_an_uncertain_note_and_its_timeline(model, note):
    result = analyze_voice_note(model, note, vad="energy", window=1.0, min_confidence=0.99)
    assert result.label == "uncertain" and result.window_uncertain.all()
    assert (result.window_labels == "uncertain").all()
    ax = result.plot_timeline()
    assert ax.get_title().startswith("uncertain: ")
    grey = [c for c in ax.collections if c.get_label() == "uncertain"]
    assert len(grey) == 1 and len(grey[0].get_paths()) == result.n_windows
    assert grey[0].get_hatch() == "//"
    texts = [t.get_text() for t in ax.texts]
    assert set(texts) <= {"uncertain"}  # where a window is wide enough for text
    matplotlib.pyplot.close(ax.figure)


def test_min_confidence_refused_for_dimensional_models_and_out_of_range(corpus, model, note):
    X, _, _ = corpus
    regressor = make_pipeline(FunctionTransformer(_loudness), LinearRegression())
    regressor.fit(X, np.column_stack([np.arange(len(X)), np.arange(len(X))]))
    regressor.target_names_ = np.array(["arousal", "valence"])
    with pytest.raises(ValueError, match="min_confidence needs class probabilities"):
        analyze_voice_note(regressor, note, vad="energy", min_confidence=0.5)
    with pytest.raises(InvalidParameterError, match="'min_confidence' parameter"):
        analyze_voice_note(model, note, min_confidence=2.0)


@pytest.mark.parametrize("available", [True, False])
def test_auto_vad_is_silero_where_installed_else_energy(model, note, monkeypatch, available):
    monkeypatch.setattr(analyze_module, "silero_available", lambda sample_rate=None: available)
    result = analyze_voice_note(model, note, window=1.0)
    assert result.vad == ("silero" if available else "energy")
    fixed = analyze_voice_note(model, note, vad=result.vad, window=1.0)
    np.testing.assert_array_equal(result.windows, fixed.windows)


def test_auto_vad_falls_back_where_silero_cannot_read_the_rate(model, note):
    from skser.voice_note import silero_available

    pytest.importorskip("onnxruntime")
    if not silero_available():
        pytest.skip("silero-vad (the vad extra) is not installed")
    assert silero_available(16000) and not silero_available(22050)
    result = analyze_voice_note(model, note, window=1.0, sample_rate=22050)
    assert result.vad == "energy"
