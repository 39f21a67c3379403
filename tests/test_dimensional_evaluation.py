"""evaluate_sessions and evaluate_cross_corpus with arousal/valence/dominance targets."""

import matplotlib
import numpy as np
import pytest
from sklearn.linear_model import Ridge

from skser.metrics import concordance_correlation_coefficient
from skser.model_selection import DimensionalReport, evaluate_cross_corpus, evaluate_sessions
from skser.regression import CCCLossRegressor

matplotlib.use("Agg")


def _corpus(n_groups=4, per_group=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_groups * per_group, 8))
    y = np.column_stack([X[:, 0], X[:, 1] + rng.normal(scale=1.0, size=len(X)),
                         rng.normal(size=len(X))])
    groups = np.repeat([f"s{i}" for i in range(n_groups)], per_group)
    return X, y, groups


def test_evaluate_sessions_reports_ccc_per_dimension_over_folds():
    X, y, groups = _corpus()
    report = evaluate_sessions(Ridge(), X, y, groups)
    assert isinstance(report, DimensionalReport) and report.n_folds == 4
    assert report.names.tolist() == ["arousal", "valence", "dominance"]
    first = report.folds[0]
    train = groups != first.test_group
    train &= groups != first.val_group  # Ridge takes no validation set: unused, not trained on
    test = groups == first.test_group
    expected = concordance_correlation_coefficient(
        y[test], Ridge().fit(X[train], y[train]).predict(X[test]), multioutput="raw_values")
    np.testing.assert_allclose(first.ccc, expected)
    mean, std = report.mean, report.std
    ccc = np.array([f.ccc for f in report.folds])
    assert mean["ccc_arousal"] == pytest.approx(ccc[:, 0].mean())
    assert std["ccc_valence"] == pytest.approx(ccc[:, 1].std())
    assert mean["ccc_arousal"] > mean["ccc_valence"] > mean["ccc_dominance"]
    np.testing.assert_array_equal(report.y_true, y)
    assert np.isfinite(report.y_pred).all()
    text = str(report)
    assert "arousal" in text and "±" in text and "CCC" in text
    markdown = report.to_markdown()
    assert markdown.count("\n| s") == 4 and "| dominance |" in markdown
    frame = report.to_frame(per="dimension")
    assert frame.loc["valence", "ccc_mean"] == pytest.approx(mean["ccc_valence"])
    assert len(report.to_frame()) == 4


def test_evaluate_sessions_hands_validation_to_the_regressor():
    X, y, groups = _corpus(seed=1)
    X_extra, y_extra, _ = _corpus(n_groups=1, per_group=10, seed=2)
    report = evaluate_sessions(CCCLossRegressor(random_state=0), X, y, groups,
                               extra_train=(X_extra, y_extra))
    assert all(f.used_validation and f.n_val == 40 for f in report.folds)
    assert all(f.n_train == 80 + 10 for f in report.folds)
    assert report.mean["ccc_arousal"] > max(0.6, report.mean["ccc_valence"])


def test_dimensional_scatter_plot_has_one_panel_per_dimension():
    X, y, groups = _corpus()
    axes = evaluate_sessions(Ridge(), X, y, groups).plot_scatter()
    assert len(axes) == 3
    assert [ax.get_xlabel() for ax in axes] == ["true arousal", "true valence",
                                                "true dominance"]
    assert all(len(ax.collections[0].get_offsets()) == len(y) for ax in axes)


def test_evaluate_cross_corpus_dimensional():
    X, y, _ = _corpus()
    report = evaluate_cross_corpus(Ridge(), (X[:100], y[:100]), (X[100:], y[100:]))
    assert isinstance(report, DimensionalReport) and report.n_folds == 1
    expected = concordance_correlation_coefficient(
        y[100:], Ridge().fit(X[:100], y[:100]).predict(X[100:]), multioutput="raw_values")
    np.testing.assert_allclose(report.folds[0].ccc, expected)
    assert "±" not in str(report)


def test_dimensional_evaluation_names_bad_targets():
    X, y, groups = _corpus()
    with pytest.raises(ValueError, match="y has 10 rows"):
        evaluate_sessions(Ridge(), X, y[:10], groups)
    y[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        evaluate_sessions(Ridge(), X, y, groups)


def test_the_report_says_which_folds_a_constant_target_leaves_out():
    from skser.model_selection import evaluate_sessions
    from skser.regression import CCCLossRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 5)).astype(np.float32)
    y = np.column_stack([X[:, 0], X[:, 1], X[:, 2]])
    groups = np.repeat(["a", "b", "c", "d"], 20)
    y[groups == "b", 1] = 0.5  # valence does not vary in fold b
    report = evaluate_sessions(CCCLossRegressor(n_ensemble=1, max_iter=3, random_state=0),
                               X, y, groups)
    text = str(report)
    assert "valence: CCC and r leave out 1 of 4 fold(s) (b), whose true values" in text
    assert "arousal: CCC" not in text
