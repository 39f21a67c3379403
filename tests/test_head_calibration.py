"""FocalLossClassifier's temperature scaling: fitted on the validation set, argmax kept."""

import math
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import make_classification

from skser.classification import FocalLossClassifier
from skser.metrics import expected_calibration_error, log_loss
from skser.utils import Temperature

PARAMS = {"max_iter": 10, "n_ensemble": 2, "random_state": 0}


def _data(n_samples=400, seed=0):
    return make_classification(n_samples=n_samples, n_features=30, n_informative=6,
                               n_classes=4, class_sep=1.0, flip_y=0.05, random_state=seed)


def _nll(clf, X, y, temperature):
    """NLL of the uncalibrated module's logits at ``temperature``."""
    with torch.no_grad():
        logits = clf.module_[:-1](torch.as_tensor(X, dtype=torch.float32)).double()
    target = torch.as_tensor(np.searchsorted(clf.classes_, y))
    return float(F.cross_entropy(logits / temperature, target))


@pytest.mark.parametrize("n_views", [1, 3])
def test_calibration_keeps_every_prediction(n_views):
    X, y = _data()
    X = np.hstack([X + 0.1 * k for k in range(n_views)])
    X_val, y_val = _data(120, seed=1)
    X_val = np.hstack([X_val] * n_views)
    fits = {
        calibration: FocalLossClassifier(n_views=n_views, calibration=calibration, **PARAMS)
        for calibration in ("temperature", None)
    }
    for clf in fits.values():
        clf.fit(X[:300], y[:300], X_val=X_val, y_val=y_val)
    calibrated, raw = fits["temperature"], fits[None]
    assert raw.temperature_ == 1.0
    assert not any(isinstance(layer, Temperature) for layer in raw.module_.modules())
    assert isinstance(calibrated.module_[-1], Temperature)
    assert float(calibrated.module_[-1].temperature) == pytest.approx(calibrated.temperature_)
    assert calibrated.temperature_ != 1.0
    np.testing.assert_array_equal(calibrated.predict(X[300:]), raw.predict(X[300:]))
    np.testing.assert_array_equal(calibrated.predict_proba(X[300:]).argmax(1),
                                  raw.predict_proba(X[300:]).argmax(1))
    proba = calibrated.predict_proba(X[300:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert not np.allclose(proba, raw.predict_proba(X[300:]))
    # The training is the same: the calibrated module is the raw one, then T.
    for name, value in raw.module_.state_dict().items():
        key = name if n_views == 1 else f"0.{name}"
        torch.testing.assert_close(calibrated.module_.state_dict()[key], value, rtol=0, atol=0)


def test_the_temperature_minimises_the_validation_nll():
    X, y = _data()
    X_val, y_val = _data(150, seed=2)
    clf = FocalLossClassifier(**PARAMS).fit(X, y, X_val=X_val, y_val=y_val)
    best = _nll(clf, X_val, y_val, clf.temperature_)
    for factor in (0.9, 1.1):
        assert best < _nll(clf, X_val, y_val, clf.temperature_ * factor)
    assert best < _nll(clf, X_val, y_val, 1.0)
    # The probabilities are those of softmax(logits / T).
    with torch.no_grad():
        logits = clf.module_[:-1](torch.as_tensor(X_val, dtype=torch.float32)).double()
    expected = torch.softmax(logits / clf.temperature_, 1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X_val), expected, atol=1e-6)


def test_the_default_head_is_under_confident_and_calibration_fixes_it():
    """Focal loss, smoothing and five heads' mean give flat probabilities; T < 1 sharpens
    them and the ECE on other data drops."""
    X, y = _data(1200, seed=3)
    train, val, test = slice(0, 600), slice(600, 800), slice(800, None)
    clf = FocalLossClassifier(random_state=0).fit(X[train], y[train], X_val=X[val],
                                                   y_val=y[val])
    raw = FocalLossClassifier(calibration=None, random_state=0)
    raw.fit(X[train], y[train], X_val=X[val], y_val=y[val])
    assert clf.temperature_ < 1.0
    labels = clf.classes_
    before = expected_calibration_error(y[test], raw.predict_proba(X[test]), labels=labels)
    after = expected_calibration_error(y[test], clf.predict_proba(X[test]), labels=labels)
    assert after < 0.6 * before and after < 0.08
    assert log_loss(y[test], clf.predict_proba(X[test]), labels=labels) < log_loss(
        y[test], raw.predict_proba(X[test]), labels=labels)


def test_held_out_fraction_calibrates_without_x_val():
    X, y = _data()
    clf = FocalLossClassifier(**PARAMS).fit(X, y)
    assert clf.temperature_ != 1.0 and isinstance(clf.module_[-1], Temperature)
    lo, hi = math.exp(-math.log(20.0)), 20.0
    assert lo <= clf.temperature_ <= hi


def test_no_validation_set_means_no_temperature():
    X, y = _data()
    clf = FocalLossClassifier(early_stopping=False, **PARAMS).fit(X, y)
    assert clf.temperature_ == 1.0 and not isinstance(clf.module_[-1], Temperature)
    # A validation set handed over is calibrated on even without early stopping.
    X_val, y_val = _data(100, seed=1)
    clf = FocalLossClassifier(early_stopping=False, **PARAMS).fit(X, y, X_val=X_val,
                                                                  y_val=y_val)
    assert isinstance(clf.module_[-1], Temperature)


@pytest.mark.parametrize("n_views", [1, 2])
def test_the_temperature_survives_pickle(n_views):
    X, y = _data()
    clf = FocalLossClassifier(n_views=n_views, **PARAMS).fit(np.hstack([X] * n_views), y)
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded.temperature_ == clf.temperature_
    assert isinstance(loaded.module_[-1], Temperature)
    X2 = np.hstack([X] * n_views)
    np.testing.assert_array_equal(loaded.predict_proba(X2), clf.predict_proba(X2))
    state = clf.__getstate__()
    assert state["_module_config"]["temperature"] is True
