"""No silent numbers: an export's probabilities are probabilities, or there is no export."""

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder
from skser.export import ExportError, OnnxPipeline, read_metadata, to_onnx
from skser.preprocessing import PeakNormalizer


@pytest.fixture(scope="module")
def corpus():
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=3, random_state=0)
    return X, y


@pytest.mark.parametrize("final", [SVC(), RidgeClassifier()], ids=["svc", "ridge"])
def test_a_classifier_without_predict_proba_is_refused(final, corpus):
    pipe = make_pipeline(AcousticEmbedder(), StandardScaler(), final).fit(*corpus)
    name = type(final).__name__
    with pytest.raises(ExportError, match=rf"'{name.lower()}' \({name}\) has no predict_proba"):
        to_onnx(pipe)


def test_exported_probabilities_sum_to_one_and_are_declared(corpus):
    pipe = make_pipeline(AcousticEmbedder(), StandardScaler(),
                         CalibratedClassifierCV(SVC(), ensemble=False)).fit(*corpus)
    model = to_onnx(pipe)
    assert read_metadata(model)["output"] == "probabilities"
    probabilities = OnnxPipeline(model).predict_proba(corpus[0])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def _decision_score_model(corpus):
    """What an older skser wrote for SVC(): scores in an output called probabilities."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    from skser.export._convert import _set_metadata
    from skser.export._converters import register_converters
    from skser.export._heads import HEADS
    from skser.utils import CATEGORICAL

    register_converters()
    pipe = make_pipeline(PeakNormalizer(), AcousticEmbedder(), SVC()).fit(*corpus)
    model = convert_sklearn(pipe, initial_types=[("waveforms", FloatTensorType([None, None]))],
                            target_opset={"": 17, "ai.onnx.ml": 3},
                            options={id(pipe[-1]): {"zipmap": False}})
    _set_metadata(model, pipe, list(pipe.steps), HEADS[CATEGORICAL], "waveforms", None)
    return model


@pytest.mark.filterwarnings("ignore:Attribute `prob.*:FutureWarning")
def test_the_runtime_never_returns_non_probabilities(corpus):
    runtime = OnnxPipeline(_decision_score_model(corpus))
    with pytest.raises(ValueError, match="'probabilities' output is not probabilities: row 0"):
        runtime.predict_proba(corpus[0])


def test_the_runtime_refuses_a_features_model(corpus):
    model = to_onnx(make_pipeline(AcousticEmbedder()).fit(corpus[0]))
    with pytest.raises(ValueError, match="not class probabilities"):
        OnnxPipeline(model)


def test_a_calibrated_head_exports_its_temperature():
    """The temperature is a layer of the head's module_: the ONNX graph divides by it."""
    import copy

    from skser.pipeline import make_ser_pipeline
    from skser.utils import Temperature

    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=6, random_state=0)
    pipe = make_ser_pipeline(max_iter=5, n_ensemble=2).fit(X, y)
    head = pipe[-1]
    assert head.temperature_ != 1.0 and isinstance(head.module_[-1], Temperature)
    exported = OnnxPipeline(to_onnx(pipe)).predict_proba(X)
    np.testing.assert_allclose(exported, pipe.predict_proba(X), atol=1e-4)
    raw = copy.deepcopy(pipe)
    raw[-1].module_ = raw[-1].module_[:-1]
    assert not np.allclose(exported, raw.predict_proba(X), atol=1e-3)
    np.testing.assert_array_equal(exported.argmax(1), raw.predict_proba(X).argmax(1))
