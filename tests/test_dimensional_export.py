"""ONNX export of dimensional pipelines: one ``avd`` output, OnnxPipeline.predict, int8."""

import json

import numpy as np
import onnx
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder
from skser.export import OnnxPipeline, read_metadata, to_onnx
from skser.metrics import concordance_correlation_coefficient
from skser.pipeline import make_ser_pipeline


@pytest.fixture(scope="module")
def avd_corpus():
    return make_emotional_speech(n_speakers=4, n_clips_per_class=6, targets="avd",
                                 random_state=0)


@pytest.fixture(scope="module")
def dimensional_pipe(avd_corpus):
    X, y, groups = avd_corpus
    train = groups != "synthetic:03"
    return make_ser_pipeline(task="dimensional").fit(X[train], y[train])


def test_export_gives_one_avd_output_named_in_the_metadata(dimensional_pipe, avd_corpus, tmp_path):
    X, _, groups = avd_corpus
    model = to_onnx(dimensional_pipe, path=tmp_path / "avd.onnx")
    (output,) = model.graph.output
    assert output.name == "avd"
    assert [d.dim_value for d in output.type.tensor_type.shape.dim][1] == 3
    metadata = read_metadata(model)
    assert metadata["task"] == "dimensional"
    assert json.loads(metadata["targets"]) == ["arousal", "valence", "dominance"]
    runtime = OnnxPipeline(tmp_path / "avd.onnx")
    assert runtime.task == "dimensional" and runtime.classes_ is None
    assert runtime.target_names_.tolist() == ["arousal", "valence", "dominance"]
    test = X[groups == "synthetic:03"]
    np.testing.assert_allclose(runtime.predict(test), dimensional_pipe.predict(test), atol=1e-4)
    with pytest.raises(ValueError, match="dimensional.*use predict"):
        runtime.predict_proba(test)


def test_runtime_predicts_files_in_any_order_of_lengths(dimensional_pipe, avd_corpus, tmp_path):
    from .conftest import write_audio

    X, _, _ = avd_corpus
    clips = [X[0][: 20000], X[5], X[9][: 12000]]
    paths = [write_audio(tmp_path / f"clip{i}.wav", clip) for i, clip in enumerate(clips)]
    runtime = OnnxPipeline(to_onnx(dimensional_pipe), batch_size=2)
    np.testing.assert_allclose(runtime.predict(paths), dimensional_pipe.predict(paths),
                               atol=1e-4)


def test_int8_export_keeps_the_dimensions(dimensional_pipe, avd_corpus):
    X, y, groups = avd_corpus
    test = groups == "synthetic:03"
    float_model = OnnxPipeline(to_onnx(dimensional_pipe))
    int8_model = OnnxPipeline(to_onnx(dimensional_pipe, quantize="int8", calibration=X[:32]))
    assert int8_model.metadata_["quantization"] == "int8-static"
    reference, quantized = float_model.predict(X[test]), int8_model.predict(X[test])
    assert not np.allclose(reference, quantized, atol=1e-4)  # the head really is 8-bit
    agreement = concordance_correlation_coefficient(reference, quantized, multioutput="raw_values")
    assert (agreement > 0.95).all(), agreement
    truth_fp32 = concordance_correlation_coefficient(y[test], reference)
    truth_int8 = concordance_correlation_coefficient(y[test], quantized)
    assert abs(truth_fp32 - truth_int8) < 0.05


def test_a_ridge_regression_on_embeddings_exports_too(avd_corpus):
    X, y, _ = avd_corpus
    X = AcousticEmbedder().fit_transform(X)
    pipe = make_pipeline(StandardScaler(), Ridge(alpha=10.0)).fit(X, y)
    model = to_onnx(pipe)
    assert [o.name for o in model.graph.output] == ["avd"]
    onnx.checker.check_model(model)
    np.testing.assert_allclose(OnnxPipeline(model).predict(X), pipe.predict(X), atol=1e-4)


def test_a_speaker_adapted_regressor_is_refused_with_the_reason(avd_corpus):
    from skser.export import ExportError
    from skser.preprocessing import SpeakerNormalizer

    X, y, groups = avd_corpus
    X = AcousticEmbedder().fit_transform(X)
    pipe = make_pipeline(SpeakerNormalizer(), Ridge(alpha=10.0))
    with pytest.warns(UserWarning):  # fitted without speakers: standardised globally
        pipe.fit(X, y)
    with pytest.raises(ExportError, match="speaker-adapted dimensional model cannot be "
                                          "exported"):
        to_onnx(pipe)
