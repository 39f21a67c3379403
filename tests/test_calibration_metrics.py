"""Calibration metrics: ECE, Brier score, log loss, reliability and coverage curves."""

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sklearn_log_loss

from skser.metrics import (
    brier_score,
    calibration_scores,
    coverage_curve,
    expected_calibration_error,
    log_loss,
    reliability_curve,
    unweighted_accuracy,
)

LABELS = np.array(["ang", "hap", "neu", "sad"])


def _draws(seed, n=20000, concentration=1.0):
    """Probabilities from a Dirichlet and true classes drawn from them: calibrated."""
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.full(LABELS.size, concentration), size=n)
    cumulative = proba.cumsum(axis=1)
    index = (rng.uniform(size=(n, 1)) > cumulative).sum(axis=1)
    return LABELS[np.minimum(index, LABELS.size - 1)], proba


@pytest.mark.parametrize("seed", range(3))
def test_calibrated_draws_have_an_ece_near_zero(seed):
    y_true, proba = _draws(seed)
    assert expected_calibration_error(y_true, proba, labels=LABELS) < 0.02
    curve = reliability_curve(y_true, proba, labels=LABELS)
    filled = curve["count"] > 200
    np.testing.assert_allclose(curve["accuracy"][filled], curve["confidence"][filled],
                               atol=0.05)


def test_confident_and_wrong_has_an_ece_near_one():
    y_true = np.repeat(LABELS, 25)
    proba = np.full((100, 4), 0.0)
    proba[np.arange(100), (np.searchsorted(LABELS, y_true) + 1) % 4] = 1.0
    assert expected_calibration_error(y_true, proba, labels=LABELS) == pytest.approx(1.0)
    assert brier_score(y_true, proba, labels=LABELS) == pytest.approx(2.0)
    assert log_loss(y_true, proba, labels=LABELS) == pytest.approx(-np.log(np.finfo(float).eps))


def test_sharpening_calibrated_draws_makes_them_over_confident():
    y_true, proba = _draws(0)
    sharp = proba**3 / (proba**3).sum(axis=1, keepdims=True)
    flat = np.sqrt(proba) / np.sqrt(proba).sum(axis=1, keepdims=True)

    def signed_gap(p):
        curve = reliability_curve(y_true, p, labels=LABELS)
        return np.nansum(curve["count"] * (curve["accuracy"] - curve["confidence"]))

    # Over-confident: accuracy under confidence; under-confident: over it.
    assert signed_gap(sharp) < 0 < signed_gap(flat)
    ece = expected_calibration_error(y_true, proba, labels=LABELS)
    assert expected_calibration_error(y_true, sharp, labels=LABELS) > ece + 0.05
    assert expected_calibration_error(y_true, flat, labels=LABELS) > ece + 0.05


def test_ece_by_hand_and_bins():
    y_true = ["a", "a", "b", "b"]
    proba = [[0.95, 0.05], [0.65, 0.35], [0.55, 0.45], [0.2, 0.8]]
    # Bins of 0.1: 0.95 right, 0.65 right, 0.55 wrong, 0.8 right: each alone in its bin.
    expected = (0.05 + 0.35 + 0.55 + 0.2) / 4
    assert expected_calibration_error(y_true, proba, labels=["a", "b"]) == pytest.approx(expected)
    # One bin: |mean accuracy - mean confidence|.
    one = expected_calibration_error(y_true, proba, labels=["a", "b"], n_bins=1)
    assert one == pytest.approx(abs(0.75 - np.mean([0.95, 0.65, 0.55, 0.8])))
    curve = reliability_curve(y_true, proba, labels=["a", "b"], n_bins=2)
    assert curve["bin_edges"].tolist() == [0.0, 0.5, 1.0]
    assert curve["count"].tolist() == [0, 4]
    # A confidence of exactly 0.5 falls in the first bin, (m - 1) / M < c <= m / M.
    half = reliability_curve(["a"], [[0.5, 0.5]], labels=["a", "b"], n_bins=2)
    assert half["count"].tolist() == [1, 0]


@pytest.mark.parametrize("seed", range(3))
def test_brier_and_log_loss_match_sklearn(seed):
    y_true, proba = _draws(seed, n=500)
    assert brier_score(y_true, proba, labels=LABELS) == pytest.approx(
        brier_score_loss(y_true, proba, labels=LABELS, scale_by_half=False)
    )
    assert log_loss(y_true, proba, labels=LABELS) == pytest.approx(
        sklearn_log_loss(y_true, proba, labels=LABELS)
    )
    scores = calibration_scores(y_true, proba, labels=LABELS)
    assert list(scores) == ["ece", "brier", "nll"]
    assert scores["nll"] == log_loss(y_true, proba, labels=LABELS)


def test_columns_follow_labels_not_sorted_order():
    y_true = ["sad", "ang"]
    proba = [[0.9, 0.1], [0.2, 0.8]]  # columns: sad, ang
    assert log_loss(y_true, proba, labels=["sad", "ang"]) == pytest.approx(
        -np.log(0.9 * 0.8) / 2
    )
    assert expected_calibration_error(y_true, proba, labels=["sad", "ang"]) == pytest.approx(0.15)


def test_coverage_curve():
    y_true, proba = _draws(0, n=2000)
    curve = coverage_curve(y_true, proba, labels=LABELS)
    assert curve["threshold"].tolist() == [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert curve["coverage"][0] == 1.0 and curve["n"][0] == 2000
    assert (np.diff(curve["coverage"]) <= 0).all()
    # Calibrated probabilities: the more confident clips are more often right.
    assert (np.diff(curve["wa"]) > 0).all()
    predicted = LABELS[proba.argmax(axis=1)]
    assert curve["ua"][0] == pytest.approx(unweighted_accuracy(y_true, predicted))
    kept = proba.max(axis=1) >= 0.6
    assert curve["wa"][4] == pytest.approx(np.mean(predicted[kept] == y_true[kept]))
    nothing = coverage_curve(["a"], [[0.5, 0.5]], labels=["a", "b"], thresholds=[0.9])
    assert nothing["n"].tolist() == [0] and np.isnan(nothing["wa"][0])
    assert np.isnan(nothing["ua"][0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(y_proba=[[0.5, 0.5]]), r"shape \(n_clips, n_labels\) = \(2, 2\)"),
        (dict(y_proba=[[0.5, 0.5], [np.nan, 1.0]]), "finite values in"),
        (dict(y_proba=[[1.5, -0.5], [0.5, 0.5]]), "finite values in"),
        (dict(y_true=["a", "c"]), r"not in labels: \['c'\]"),
        (dict(n_bins=0), "n_bins must be a positive integer"),
    ],
)
def test_bad_input(kwargs, message):
    args = dict(y_true=["a", "b"], y_proba=[[0.5, 0.5], [0.5, 0.5]], labels=["a", "b"])
    n_bins = kwargs.pop("n_bins", 10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        expected_calibration_error(**args, n_bins=n_bins)
    if n_bins == 10:
        with pytest.raises(ValueError, match=message):
            brier_score(**args)
    with pytest.raises(ValueError, match="thresholds must be in"):
        coverage_curve(["a"], [[0.5, 0.5]], labels=["a", "b"], thresholds=[1.5])
