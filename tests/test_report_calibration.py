"""SessionReport's probabilities: calibration, reliability diagram, accuracy/coverage."""

import matplotlib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skser.classification import FocalLossClassifier
from skser.metrics import calibration_scores, coverage_curve, reliability_curve
from skser.model_selection import evaluate_cross_corpus, evaluate_sessions

matplotlib.use("Agg")

LABELS = ["ang", "hap", "neu", "sad"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    y = np.tile(LABELS, 30)
    X = rng.normal(size=(120, 4)) + 1.5 * (y[:, np.newaxis] == LABELS)
    return X, y, np.repeat(["s1", "s2", "s3", "s4"], 30)


@pytest.fixture(scope="module")
def report(data):
    return evaluate_sessions(make_pipeline(StandardScaler(), LogisticRegression()), *data)


def test_out_of_fold_probabilities_are_each_folds_models(data):
    X, y, groups = data
    report = evaluate_sessions(LogisticRegression(), X, y, groups, return_estimator=True)
    assert report.y_proba.shape == (120, 4)
    for fold in report.folds:
        expected = fold.estimator.predict_proba(X[fold.test_index])
        np.testing.assert_allclose(fold.y_proba, expected)
        np.testing.assert_allclose(report.y_proba[fold.test_index], expected)
        scores = calibration_scores(y[fold.test_index], expected, labels=LABELS)
        assert (fold.ece, fold.brier, fold.nll) == pytest.approx(tuple(scores.values()))
    # predict is still predict: the labels did not come from the probabilities.
    assert (report.y_pred == np.asarray(LABELS)[report.y_proba.argmax(1)]).all()


def test_calibration_mean_std_and_pooled(report, data):
    _, y, _ = data
    calibration = report.calibration
    for name in ("ece", "brier", "nll"):
        values = [getattr(fold, name) for fold in report.folds]
        assert calibration["mean"][name] == pytest.approx(np.mean(values))
        assert calibration["std"][name] == pytest.approx(np.std(values))
    assert calibration["pooled"] == pytest.approx(
        calibration_scores(y, report.y_proba, labels=LABELS))
    curve = report.reliability_curve(n_bins=5)
    expected = reliability_curve(y, report.y_proba, labels=LABELS, n_bins=5)
    np.testing.assert_array_equal(curve["count"], expected["count"])
    coverage = report.coverage_curve(thresholds=[0.0, 0.5])
    np.testing.assert_allclose(
        coverage["wa"], coverage_curve(y, report.y_proba, labels=LABELS,
                                       thresholds=[0.0, 0.5])["wa"])
    assert coverage["wa"][0] == pytest.approx(report.pooled["wa"])


def test_text_markdown_and_frames_gain_calibration_after_the_old_lines(report, data):
    X, y, groups = data
    text = str(report).splitlines()
    start = next(i for i, line in enumerate(text) if line.startswith("calibration (ECE"))
    # Everything before is what a report without probabilities prints.
    no_proba = evaluate_sessions(make_pipeline(StandardScaler(), LinearSVC()), X, y, groups)
    assert no_proba.y_proba is None and no_proba.calibration is None
    assert len(str(no_proba).splitlines()) == start
    ece = report.calibration["mean"]["ece"]
    assert f"ECE {100 * ece:.1f} ± " in text[start]
    assert text[start + 2].split()[3:] == ["0.0", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]
    assert text[start + 3].split()[:3] == ["coverage", "%", "100.0"]
    markdown = report.to_markdown()
    assert markdown.index("Confusion matrix") < markdown.index("Calibration of the probabilities")
    pooled_row = next(line for line in markdown.splitlines() if line.startswith("| all clips"))
    assert f"| {100 * report.calibration['pooled']['ece']:.1f} |" in pooled_row
    assert "| top probability >= | coverage % | clips | WA % | UA % |" in markdown
    assert "Calibration" not in no_proba.to_markdown()
    frame = report.to_frame()
    assert frame.columns[-3:].tolist() == ["ece", "brier", "nll"]
    assert no_proba.to_frame().columns.tolist() == frame.columns[:-3].tolist()
    clips = report.to_frame(per="clip")
    assert clips.columns[-4:].tolist() == [f"proba_{label}" for label in LABELS]
    np.testing.assert_allclose(clips[[f"proba_{k}" for k in LABELS]], report.y_proba)


def test_reliability_diagram(report):
    ax = report.plot_reliability_diagram()
    curve = report.reliability_curve()
    filled = curve["count"] > 0
    heights = [patch.get_height() for patch in ax.patches[: filled.sum()]]
    np.testing.assert_allclose(heights, curve["accuracy"][filled])
    assert "ECE" in ax.get_title()
    matplotlib.pyplot.close(ax.figure)


class _MissingClass(ClassifierMixin, BaseEstimator):
    """Test-only: probabilities for the classes it saw, one class fewer than the report."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)[:-1]
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        return np.full((len(X), self.classes_.size), 1.0 / self.classes_.size)


def test_probabilities_of_fewer_classes_get_zero_columns(data):
    X, y, groups = data
    report = evaluate_sessions(_MissingClass(), X, y, groups)
    np.testing.assert_allclose(report.y_proba[:, :3], 1 / 3)
    np.testing.assert_array_equal(report.y_proba[:, 3], 0.0)


def test_no_probabilities_no_calibration(data):
    X, y, groups = data
    report = evaluate_sessions(LinearSVC(), X, y, groups)
    assert all(np.isnan(fold.ece) and fold.y_proba is None for fold in report.folds)
    with pytest.raises(ValueError, match="no predict_proba"):
        report.plot_reliability_diagram()


def test_cross_corpus_and_the_default_head(data):
    X, y, groups = data
    report = evaluate_cross_corpus(LogisticRegression(), (X[:60], y[:60]), (X[60:], y[60:]))
    assert report.y_proba.shape == (60, 4) and "calibration (ECE" in str(report)
    assert "±" not in str(report).splitlines()[-5]
    # The head validates, and calibrates, on the next speaker.
    head = FocalLossClassifier(max_iter=5, n_ensemble=1, random_state=0)
    report = evaluate_sessions(head, X, y, groups, return_estimator=True)
    for fold in report.folds:
        assert fold.estimator.temperature_ != 1.0
        np.testing.assert_allclose(fold.y_proba, fold.estimator.predict_proba(X[fold.test_index]))


class _Stateless(BaseEstimator):
    """Test-only: a step with no fitted attribute (sklearn cannot tell it is fitted)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X) * 2.0


def test_a_pipeline_is_transformed_once_for_both_methods(data):
    X, y, groups = data
    calls = []

    class Counting(_Stateless):
        def transform(self, X):
            calls.append(len(X))
            return super().transform(X)

    pipe = make_pipeline(Counting(), "passthrough", LogisticRegression())
    report = evaluate_sessions(pipe, X, y, groups, return_estimator=True)
    # Per fold: fitting transforms the 60 training rows, predicting the 30 test rows once.
    assert calls == [60, 30] * report.n_folds
    fold = report.folds[0]
    np.testing.assert_allclose(fold.y_proba, fold.estimator.predict_proba(X[fold.test_index]))
