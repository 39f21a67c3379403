"""One notion of task: task_of decides it once, results, reports and export read it."""

import importlib
import inspect
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from skser.classification import FocalLossClassifier
from skser.datasets import make_emotional_speech
from skser.distillation import Wav2SmallClassifier, Wav2SmallRegressor, teacher_kind
from skser.embedding import AcousticEmbedder
from skser.export import OnnxPipeline, to_onnx
from skser.model_selection import (
    BaseFoldResult,
    BaseReport,
    DimensionalFoldResult,
    DimensionalReport,
    FoldResult,
    SessionReport,
    evaluate_sessions,
)
from skser.pipeline import make_ser_pipeline
from skser.regression import CCCLossRegressor
from skser.utils import CATEGORICAL, DIMENSIONAL, TASKS, Task, model_dimensions, task_of
from skser.voice_note import (
    BaseVoiceNoteResult,
    DimensionalVoiceNoteResult,
    VoiceNoteResult,
    analyze_voice_note,
)

SUBPACKAGES = ("classification", "distillation", "embedding", "io", "preprocessing",
               "regression")


def _public_estimators():
    for name in SUBPACKAGES:
        module = importlib.import_module(f"skser.{name}")
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if (inspect.isclass(value) and issubclass(value, BaseEstimator)
                    and not inspect.isabstract(value)):
                yield value


@pytest.mark.parametrize("estimator", list(_public_estimators()), ids=lambda c: c.__name__)
def test_every_public_estimator_has_a_task(estimator):
    expected = DIMENSIONAL if issubclass(estimator, RegressorMixin) else CATEGORICAL
    assert task_of(estimator()) is expected
    assert task_of(make_pipeline(estimator())) is expected


@pytest.mark.parametrize("estimator, expected", [
    (FocalLossClassifier(), CATEGORICAL),
    (Wav2SmallClassifier(), CATEGORICAL),
    (CCCLossRegressor(), DIMENSIONAL),
    (Wav2SmallRegressor(), DIMENSIONAL),
    (make_ser_pipeline(), CATEGORICAL),
    (make_ser_pipeline(task="dimensional"), DIMENSIONAL),
    (make_pipeline(AcousticEmbedder(), LogisticRegression()), CATEGORICAL),
    (make_pipeline(AcousticEmbedder(), Ridge()), DIMENSIONAL),
])
def test_task_of_heads_and_pipelines(estimator, expected):
    assert task_of(estimator) is expected


def test_task_of_hand_written_wrappers_and_named_tasks():
    assert task_of(SimpleNamespace(predict_proba=len, predict=len)) is CATEGORICAL
    assert task_of(SimpleNamespace(predict=len)) is DIMENSIONAL
    for task in TASKS.values():
        assert task_of(SimpleNamespace(task=task.name)) is task
    with pytest.raises(ValueError, match="unknown task 'avd'"):
        task_of(SimpleNamespace(task="avd"))


def test_the_tasks_say_how_their_outputs_are_read():
    assert (CATEGORICAL.method, CATEGORICAL.names_attribute) == ("predict_proba", "classes_")
    assert (DIMENSIONAL.method, DIMENSIONAL.names_attribute) == ("predict", "target_names_")
    assert "confidence" in CATEGORICAL.aggregations
    assert "confidence" not in DIMENSIONAL.aggregations
    assert [t.is_dimensional for t in (CATEGORICAL, DIMENSIONAL)] == [False, True]
    assert str(DIMENSIONAL) == "dimensional" and isinstance(DIMENSIONAL, Task)
    with pytest.raises(AttributeError):
        DIMENSIONAL.name = "categorical"  # frozen: one object per task


def test_output_names_of_fitted_and_unfitted_models():
    X = np.random.default_rng(0).normal(size=(12, 3))
    y = np.repeat(["ang", "sad"], 6)
    classifier = make_pipeline(LogisticRegression()).fit(X, y)
    assert CATEGORICAL.output_names(classifier).tolist() == ["ang", "sad"]
    assert CATEGORICAL.output_names(LogisticRegression()) is None
    head = SimpleNamespace(target_names_=["a", "v"])
    pipeline = SimpleNamespace(steps=[("head", head)])
    assert DIMENSIONAL.output_names(pipeline).tolist() == ["a", "v"]
    assert DIMENSIONAL.output_names(pipeline, n_outputs=3).tolist() == [
        "arousal", "valence", "dominance"]
    assert DIMENSIONAL.output_names(Ridge(), n_outputs=1).tolist() == ["y0"]
    assert DIMENSIONAL.graph_outputs(["arousal", "valence", "dominance"]) == ("avd",)
    assert DIMENSIONAL.graph_outputs(["y0"]) == ("predictions",)
    assert CATEGORICAL.graph_outputs(["ang", "sad"]) == ("label", "probabilities")


def test_model_dimensions_goes_through_the_task():
    assert model_dimensions(SimpleNamespace(task="categorical", target_names_=None)) is None
    regressor = SimpleNamespace(steps=[("head", SimpleNamespace(target_names_=["v"]))],
                                predict=len)
    assert model_dimensions(regressor).tolist() == ["v"]
    assert model_dimensions(make_pipeline(LinearRegression())) is None  # names none


def test_the_task_module_needs_neither_scikit_learn_nor_torch():
    code = (
        "import sys\n"
        "for name in ('sklearn', 'torch', 'scipy'):\n"
        "    sys.modules[name] = None\n"
        "from types import SimpleNamespace\n"
        "from skser.utils import task_of\n"
        "print(task_of(SimpleNamespace(task='dimensional')).name,\n"
        "      task_of(SimpleNamespace(predict_proba=len)).name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["dimensional", "categorical"]


def test_teacher_kind_is_the_teachers_task():
    assert teacher_kind(make_pipeline(LogisticRegression())) == "categorical"
    assert teacher_kind(make_pipeline(Ridge())) == "dimensional"
    with pytest.raises(ValueError, match="categorical model without predict_proba"):
        teacher_kind(make_pipeline(LinearSVC()))


# -- results, reports and exported models of both tasks ---------------------------------


def loudness(X):
    return np.log(np.mean(np.square(X), axis=1, keepdims=True) + 1e-9)


@pytest.fixture(scope="module")
def speech():
    X, y, groups = make_emotional_speech(n_speakers=3, n_clips_per_class=2, random_state=0)
    _, avd, _ = make_emotional_speech(n_speakers=3, n_clips_per_class=2, random_state=0,
                                      targets="avd")
    return X, y, np.asarray(avd, dtype=float), groups


@pytest.fixture(scope="module")
def models(speech):
    X, y, avd, _ = speech
    classifier = make_pipeline(AcousticEmbedder(), LogisticRegression(max_iter=300)).fit(X, y)
    regressor = make_pipeline(AcousticEmbedder(), CCCLossRegressor(
        max_iter=2, n_ensemble=1, random_state=0)).fit(X, avd)
    return {CATEGORICAL: classifier, DIMENSIONAL: regressor}


@pytest.mark.parametrize("task, result_class", [
    (CATEGORICAL, VoiceNoteResult), (DIMENSIONAL, DimensionalVoiceNoteResult)])
@pytest.mark.parametrize("exported", [False, True], ids=["sklearn", "onnx"])
def test_voice_note_results_of_both_tasks_share_the_base(speech, models, task, result_class,
                                                         exported):
    model = models[task]
    if exported:
        model = OnnxPipeline(to_onnx(model))
        assert model.task == task.name
    assert task_of(model) is task
    X = speech[0]
    note = np.concatenate([np.zeros(8000, np.float32), X[0], np.zeros(8000, np.float32), X[1]])
    result = analyze_voice_note(model, note, window=1.0)
    assert type(result) is result_class and isinstance(result, BaseVoiceNoteResult)
    assert result.task is task
    columns = task.output_names(model)
    assert result._columns.tolist() == columns.tolist()
    assert result._window_outputs.shape == (result.n_windows, columns.size)
    assert list(result.to_dict())[:4] == ["source", "duration", "vad", "aggregation"]
    assert list(result.to_frame().columns)[:3] == ["start", "end", "speech"]
    assert str(result).startswith("voice note: array (")


def test_reports_of_both_tasks_share_the_base(speech):
    X, y, avd, groups = speech
    F = AcousticEmbedder().fit_transform(X)
    categorical = evaluate_sessions(LogisticRegression(max_iter=300), F, y, groups)
    dimensional = evaluate_sessions(
        CCCLossRegressor(max_iter=2, n_ensemble=1, random_state=0), F, avd, groups)
    for report, report_class, fold_class, task in [
        (categorical, SessionReport, FoldResult, CATEGORICAL),
        (dimensional, DimensionalReport, DimensionalFoldResult, DIMENSIONAL),
    ]:
        assert type(report) is report_class and isinstance(report, BaseReport)
        assert report.task is task and report_class.fold_class is fold_class
        assert all(type(f) is fold_class and isinstance(f, BaseFoldResult)
                   for f in report.folds)
        assert report.n_folds == 3 and report.protocol == "plain" and report.adapted is None
        assert set(report.mean) == set(report.std) == set(report.scores)
        assert "3 fold(s), 24 clips tested" in str(report)
    assert categorical.labels.tolist() == ["ang", "hap", "neu", "sad"]
    assert dimensional.names.tolist() == ["arousal", "valence", "dominance"]


def test_the_export_head_is_the_final_steps_task(models, speech):
    from skser.export import read_metadata

    X = speech[0]
    for task, model in models.items():
        onnx_model = to_onnx(model)
        metadata = read_metadata(onnx_model)
        outputs = [o.name for o in onnx_model.graph.output]
        assert outputs == list(task.graph_outputs(task.output_names(model)))
        assert metadata.get("task", "categorical") == task.name
        runtime = OnnxPipeline(onnx_model)
        np.testing.assert_allclose(runtime.predict(X[:3]) if task.is_dimensional
                                   else runtime.predict_proba(X[:3]),
                                   getattr(model, task.method)(X[:3]), atol=1e-4)
