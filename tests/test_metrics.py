import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, recall_score
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.metrics import (
    SER_SCORING,
    ccc_scorer,
    concordance_correlation_coefficient,
    get_scorer,
    get_scorer_names,
    macro_f1,
    per_class_f1,
    per_class_recall,
    ua_scorer,
    unweighted_accuracy,
    wa_scorer,
    weighted_accuracy,
)

LABELS = np.array(["ang", "hap", "neu", "sad"])


def _random_labels(seed, n=200, labels=LABELS, p=(0.4, 0.3, 0.2, 0.1)):
    rng = np.random.default_rng(seed)
    y_true = rng.choice(labels, size=n, p=p)
    # Mostly right, with errors spread unevenly over the classes.
    y_pred = np.where(rng.uniform(size=n) < 0.6, y_true, rng.choice(labels, size=n))
    return y_true, y_pred


# -- classification metrics against scikit-learn ---------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_metrics_match_sklearn(seed):
    y_true, y_pred = _random_labels(seed)
    weights = np.random.default_rng(seed).uniform(0.5, 2.0, size=y_true.shape[0])
    assert weighted_accuracy(y_true, y_pred) == pytest.approx(accuracy_score(y_true, y_pred))
    assert unweighted_accuracy(y_true, y_pred) == pytest.approx(
        balanced_accuracy_score(y_true, y_pred)
    )
    assert unweighted_accuracy(y_true, y_pred, sample_weight=weights) == pytest.approx(
        balanced_accuracy_score(y_true, y_pred, sample_weight=weights)
    )
    assert weighted_accuracy(y_true, y_pred, sample_weight=weights) == pytest.approx(
        accuracy_score(y_true, y_pred, sample_weight=weights)
    )
    assert macro_f1(y_true, y_pred) == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    per_class = per_class_f1(y_true, y_pred)
    assert list(per_class) == LABELS.tolist()
    np.testing.assert_allclose(
        list(per_class.values()), f1_score(y_true, y_pred, average=None, labels=LABELS)
    )
    recall = per_class_recall(y_true, y_pred)
    np.testing.assert_allclose(
        list(recall.values()), recall_score(y_true, y_pred, average=None, labels=LABELS)
    )


def test_wa_and_ua_differ_on_imbalanced_classes():
    # 9 neutral clips all right, 1 sad clip wrong: WA 0.9, UA (1 + 0) / 2.
    y_true = ["neu"] * 9 + ["sad"]
    y_pred = ["neu"] * 10
    assert weighted_accuracy(y_true, y_pred) == pytest.approx(0.9)
    assert unweighted_accuracy(y_true, y_pred) == pytest.approx(0.5)


def test_per_class_f1_follows_the_given_label_order():
    y_true, y_pred = _random_labels(0)
    order = ["sad", "ang", "neu", "hap"]
    scores = per_class_f1(y_true, y_pred, labels=order)
    assert list(scores) == order
    np.testing.assert_allclose(
        list(scores.values()), f1_score(y_true, y_pred, labels=order, average=None)
    )
    assert all(isinstance(value, float) for value in scores.values())


def test_a_label_that_never_occurs():
    y_true, y_pred = ["ang", "ang", "sad"], ["ang", "sad", "sad"]
    labels = ["ang", "hap", "sad"]
    # UA averages the recalls of the classes present in y_true only.
    assert unweighted_accuracy(y_true, y_pred, labels=labels) == pytest.approx((0.5 + 1) / 2)
    assert np.isnan(per_class_recall(y_true, y_pred, labels=labels)["hap"])
    assert per_class_f1(y_true, y_pred, labels=labels)["hap"] == 0.0
    assert np.isnan(per_class_f1(y_true, y_pred, labels=labels, zero_division=np.nan)["hap"])
    assert macro_f1(y_true, y_pred, labels=labels) == pytest.approx(
        f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    )


def test_integer_labels():
    y_true, y_pred = [0, 1, 2, 2], [0, 2, 2, 2]
    assert unweighted_accuracy(y_true, y_pred) == pytest.approx(
        balanced_accuracy_score(y_true, y_pred)
    )
    assert list(per_class_f1(y_true, y_pred)) == [0, 1, 2]


@pytest.mark.parametrize(
    "metric", [weighted_accuracy, unweighted_accuracy, macro_f1, per_class_f1, per_class_recall]
)
@pytest.mark.parametrize(
    "y_true, y_pred, kwargs, message",
    [
        (["ang", "sad"], ["ang", "fea"], {"labels": ["ang", "sad"]}, r"y_pred .*\['fea'\]"),
        (["xyz", "sad"], ["ang", "sad"], {"labels": ["ang", "sad"]}, r"y_true .*\['xyz'\]"),
        (["ang", "sad"], ["ang"], {}, "inconsistent numbers of samples"),
        ([], [], {}, "y_true is empty"),
        (["ang", "sad"], [0, 1], {}, "y_true text, y_pred numbers"),
        ([0.5, 1.7, 2.2], [0.5, 1.7, 2.2], {}, "continuous.*concordance_correlation"),
        ([1.0, np.nan], [1.0, 1.0], {}, r"y_true holds a missing label .NaN. at index 1"),
        (["ang", np.nan, "sad"], ["ang"] * 3, {}, r"y_true holds a missing label .NaN. at index 1"),
        (["ang", "sad"], ["ang", None], {}, r"y_pred holds a missing label \(None\) at index 1"),
        (["ang", "sad"], ["ang", "sad"], {"labels": ["ang", "ang", "sad"]}, "repeated"),
    ],
)
def test_bad_labels_raise_clear_errors(metric, y_true, y_pred, kwargs, message):
    with pytest.raises(ValueError, match=message):
        metric(y_true, y_pred, **kwargs)


# -- concordance correlation coefficient ------------------------------------------------


def _ccc_by_hand(t, p):
    n = len(t)
    mt, mp = sum(t) / n, sum(p) / n
    vt = sum((a - mt) ** 2 for a in t) / n
    vp = sum((b - mp) ** 2 for b in p) / n
    cov = sum((a - mt) * (b - mp) for a, b in zip(t, p)) / n
    return 2 * cov / (vt + vp + (mt - mp) ** 2)


def test_ccc_against_the_formula():
    rng = np.random.default_rng(0)
    t = rng.normal(size=50)
    p = 0.7 * t + 0.3 + 0.5 * rng.normal(size=50)
    expected = _ccc_by_hand(t.tolist(), p.tolist())
    assert concordance_correlation_coefficient(t, p) == pytest.approx(expected)
    # Lower than Pearson's r whenever the means or spreads differ.
    assert expected < np.corrcoef(t, p)[0, 1]


def test_ccc_special_values():
    t = np.array([0.1, 0.4, 0.2, 0.9])
    assert concordance_correlation_coefficient(t, t) == pytest.approx(1.0)
    assert concordance_correlation_coefficient(t, -t + 2 * t.mean()) == pytest.approx(-1.0)
    # A shift lowers the CCC (Pearson's r would stay 1).
    assert concordance_correlation_coefficient(t, t + 1) < 0.5
    # A constant prediction has no concordance.
    assert concordance_correlation_coefficient(t, np.full(4, 0.4)) == 0.0


def test_ccc_multi_output():
    rng = np.random.default_rng(1)
    y_true = rng.normal(size=(40, 3))  # arousal, valence, dominance
    y_pred = y_true + rng.normal(scale=[0.1, 1.0, 3.0], size=(40, 3))
    raw = concordance_correlation_coefficient(y_true, y_pred, multioutput="raw_values")
    expected = [_ccc_by_hand(y_true[:, k].tolist(), y_pred[:, k].tolist()) for k in range(3)]
    np.testing.assert_allclose(raw, expected)
    assert raw[0] > raw[1] > raw[2]
    mean = concordance_correlation_coefficient(y_true, y_pred)
    assert isinstance(mean, float)
    assert mean == pytest.approx(np.mean(expected))
    weighted = concordance_correlation_coefficient(y_true, y_pred, multioutput=[1, 0, 1])
    assert weighted == pytest.approx((expected[0] + expected[2]) / 2)
    one = concordance_correlation_coefficient(y_true[:, 0], y_pred[:, 0], multioutput="raw_values")
    assert one.shape == (1,)


@pytest.mark.parametrize(
    "y_true, y_pred, kwargs, message",
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], {}, r"same shape.*\(3, 1\) and \(2, 1\)"),
        ([1.0, np.nan, 3.0], [1.0, 2.0, 3.0], {}, "y_true contains NaN or inf.*clip 1, output 0"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, np.inf], {}, "y_pred contains NaN or inf.*clip 2"),
        ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], {}, r"y_true is constant in output\(s\) \[0\]"),
        ([[1.0, 5.0], [2.0, 5.0]], [[1.0, 2.0], [2.0, 3.0]], {}, r"constant in output\(s\) \[1\]"),
        ([1.0], [1.0], {}, "at least 2 clips"),
        (["a", "b"], [1.0, 2.0], {}, "y_true must hold numbers"),
        (np.ones((2, 2, 2)), np.ones((2, 2, 2)), {}, "1-D .* or 2-D"),
        ([1.0, 2.0], [1.0, 2.0], {"multioutput": "variance_weighted"}, "multioutput must be"),
        ([1.0, 2.0], [1.0, 2.0], {"multioutput": [1.0, 1.0]}, r"shape \(1,\)"),
    ],
)
def test_ccc_bad_input(y_true, y_pred, kwargs, message):
    with pytest.raises(ValueError, match=message):
        concordance_correlation_coefficient(y_true, y_pred, **kwargs)


# -- scorers ----------------------------------------------------------------------------


def _classification_data():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, LABELS[:3][y], np.repeat(np.arange(4), 30)


def test_get_scorer_knows_skser_names_and_falls_back_to_sklearn():
    X, y, _ = _classification_data()
    model = LogisticRegression().fit(X, y)
    y_pred = model.predict(X)
    for names, metric in [
        (("wa", "weighted_accuracy"), weighted_accuracy),
        (("ua", "unweighted_accuracy"), unweighted_accuracy),
        (("macro_f1",), macro_f1),
    ]:
        for name in names:
            assert get_scorer(name)(model, X, y) == pytest.approx(metric(y, y_pred))
    assert get_scorer("balanced_accuracy")(model, X, y) == pytest.approx(
        balanced_accuracy_score(y, y_pred)
    )
    assert get_scorer("ua") is not get_scorer("ua")  # a fresh copy each time
    assert get_scorer(ua_scorer) is ua_scorer
    assert get_scorer(None) is None
    assert {"wa", "ua", "macro_f1", "ccc", "accuracy"} <= set(get_scorer_names())
    with pytest.raises(ValueError, match="'uar' is not a scorer name: skser knows"):
        get_scorer("uar")


def test_ser_scoring_in_cross_validate():
    X, y, groups = _classification_data()
    model = make_pipeline(StandardScaler(), LogisticRegression())
    cv = GroupKFold(n_splits=4)
    result = cross_validate(model, X, y, groups=groups, cv=cv, scoring=SER_SCORING)
    reference = cross_validate(
        model,
        X,
        y,
        groups=groups,
        cv=cv,
        scoring={"accuracy": "accuracy", "balanced": "balanced_accuracy", "f1": "f1_macro"},
    )
    np.testing.assert_allclose(result["test_wa"], reference["test_accuracy"])
    np.testing.assert_allclose(result["test_ua"], reference["test_balanced"])
    np.testing.assert_allclose(result["test_macro_f1"], reference["test_f1"])


def test_scorers_in_grid_search():
    X, y, groups = _classification_data()
    search = GridSearchCV(
        LogisticRegression(), {"C": [0.001, 1.0]}, scoring=ua_scorer, cv=GroupKFold(3)
    ).fit(X, y, groups=groups)
    assert search.best_params_ == {"C": 1.0}
    assert search.best_score_ > 0.5
    multi = GridSearchCV(
        LogisticRegression(), {"C": [0.001, 1.0]}, scoring=SER_SCORING, refit="ua", cv=3
    ).fit(X, y)
    assert {"mean_test_wa", "mean_test_ua", "mean_test_macro_f1"} <= set(multi.cv_results_)


def test_ccc_scorer_with_a_regressor():
    X, y = make_regression(n_samples=80, n_features=5, n_targets=2, noise=5.0, random_state=0)
    model = Ridge().fit(X[:60], y[:60])
    expected = concordance_correlation_coefficient(y[60:], model.predict(X[60:]))
    assert ccc_scorer(model, X[60:], y[60:]) == pytest.approx(expected)
    assert get_scorer("ccc")(model, X[60:], y[60:]) == pytest.approx(expected)
    scores = cross_validate(Ridge(), X, y, cv=4, scoring={"ccc": ccc_scorer})["test_ccc"]
    assert scores.shape == (4,) and np.all(scores > 0.9)


def test_wa_scorer_object_is_the_metric():
    X, y, _ = _classification_data()
    model = LogisticRegression().fit(X, y)
    assert wa_scorer(model, X, y) == pytest.approx(accuracy_score(y, model.predict(X)))


# -- dimensional metrics ----------------------------------------------------------------


def test_pearson_and_mae_per_dimension_match_numpy():
    from skser.metrics import mean_absolute_error_per_dimension, pearson_correlation

    rng = np.random.default_rng(0)
    y_true = rng.uniform(size=(30, 3))
    y_pred = y_true + rng.normal(scale=0.2, size=(30, 3))
    r = pearson_correlation(y_true, y_pred)
    expected = [np.corrcoef(y_true[:, d], y_pred[:, d])[0, 1] for d in range(3)]
    np.testing.assert_allclose(r, expected, atol=1e-12)
    np.testing.assert_allclose(
        mean_absolute_error_per_dimension(y_true, y_pred), np.abs(y_true - y_pred).mean(0)
    )
    with pytest.raises(ValueError, match="same shape"):
        pearson_correlation(y_true, y_pred[:, :2])
    with pytest.raises(ValueError, match="constant"):
        pearson_correlation(np.ones((5, 1)), y_pred[:5, :1])


def test_dimensional_scoring_in_cross_validate():
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GroupKFold, cross_validate

    from skser.metrics import DIMENSIONAL_SCORING, concordance_correlation_coefficient

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = np.column_stack([X[:, 0], X[:, 1] + rng.normal(scale=2, size=120), rng.normal(size=120)])
    groups = np.repeat(np.arange(4), 30)
    result = cross_validate(Ridge(), X, y, groups=groups, cv=GroupKFold(4),
                            scoring=DIMENSIONAL_SCORING)
    assert (result["test_ccc_arousal"] > 0.9).all()
    assert (result["test_ccc_valence"] < result["test_ccc_arousal"]).all()
    assert (np.abs(result["test_ccc_dominance"]) < 0.3).all()
    per_dim = np.column_stack([result[f"test_ccc_{d}"] for d in ("arousal", "valence",
                                                                     "dominance")])
    np.testing.assert_allclose(per_dim.mean(1), result["test_ccc"])
    assert (result["test_neg_mae"] < 0).all()
    train, test = next(GroupKFold(4).split(X, y, groups))
    fold = Ridge().fit(X[train], y[train])
    assert result["test_ccc"][0] == pytest.approx(
        concordance_correlation_coefficient(y[test], fold.predict(X[test]))
    )
