"""One training loop: the heads and the Wav2Small students stop, restore and fail alike."""

import numpy as np
import pytest
import torch

import skser.distillation._student
import skser.utils._head_training
from skser.classification import FocalLossClassifier
from skser.distillation import Wav2SmallClassifier, Wav2SmallRegressor
from skser.exceptions import InvalidParameterError
from skser.io import as_batch
from skser.regression import CCCLossRegressor
from skser.utils import EarlyStopping
from skser.utils._training_loop import HISTORY

from .conftest import tone

SMALL_STUDENT = dict(n_channels=4, n_layers=2, pool_size=(4, 2), crop_duration=None,
                     random_state=0)

# One validation sequence for every estimator: (score, loss) per epoch.
SCORES = [0.5, 0.55, 0.55, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
LOSSES = [1.0, 1.1, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]


def _tones(n_per_class=6, seed=0):
    rng = np.random.default_rng(seed)
    clips, labels = [], []
    for label, frequency in {"low": 300.0, "high": 2000.0}.items():
        for _ in range(n_per_class):
            clip = tone(0.4, frequency * rng.uniform(0.9, 1.1), amplitude=rng.uniform(0.1, 0.5))
            clips.append(clip + 0.01 * rng.standard_normal(clip.size).astype(np.float32))
            labels.append(label)
    return as_batch(clips), np.array(labels)


def _features(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    return X, np.where(X[:, 0] > 0, "high", "low")


def _fit(kind, **params):
    """Fit a head or a student with an explicit validation set."""
    if kind == "head":
        X, y = _features()
        X_val, y_val = _features(20, seed=1)
        model = FocalLossClassifier(n_ensemble=1, random_state=0, **params)
    else:
        X, y = _tones()
        X_val, y_val = _tones(3, seed=1)
        model = Wav2SmallClassifier(**SMALL_STUDENT, **params)
    return model.fit(X, y, X_val=X_val, y_val=y_val)


@pytest.fixture
def scripted(monkeypatch):
    """Every training loop sees SCORES and LOSSES; the states of each epoch are kept."""
    states = []

    def wrap(real):
        def fit_stochastic(estimator, module, **kwargs):
            epochs = iter(zip(SCORES, LOSSES))

            def validate(module):
                states.append({k: v.detach().clone() for k, v in module.state_dict().items()})
                return next(epochs)

            if kwargs.get("validate") is not None:
                kwargs["validate"] = validate
            return real(estimator, module, **kwargs)

        return fit_stochastic

    for where in (skser.utils._head_training, skser.distillation._student):
        monkeypatch.setattr(where, "fit_stochastic", wrap(where.fit_stochastic))
    return states


def test_the_rule_prefers_a_higher_score_by_tol_then_a_lower_loss():
    rule = EarlyStopping(tol=0.1, n_iter_no_change=2)
    assert [rule.update(*epoch) for epoch in zip(SCORES[:3], LOSSES[:3])] == [True, False, False]
    assert rule.should_stop
    rule = EarlyStopping(tol=0.0, n_iter_no_change=2)
    # 0.55 > 0.5; then as high a score with a lower loss (1.0 < 1.1) is better too.
    assert [rule.update(*epoch) for epoch in zip(SCORES[:5], LOSSES[:5])] == [
        True, True, True, False, False
    ]
    assert rule.should_stop and (rule.best_score, rule.best_loss) == (0.55, 1.0)


@pytest.mark.parametrize("tol, n_iter, best_epoch", [(0.1, 3, 1), (0.0, 5, 3)])
def test_head_and_student_stop_at_the_same_epoch_given_the_same_validation(
    scripted, tol, n_iter, best_epoch
):
    for kind in ("head", "student"):
        scripted.clear()
        model = _fit(kind, max_iter=10, n_iter_no_change=2, tol=tol)
        assert (model.n_iter_, model.best_epoch_) == (n_iter, best_epoch), kind
        assert model.validation_scores_ == SCORES[:n_iter]
        assert model.validation_loss_curve_ == LOSSES[:n_iter]
        assert len(model.loss_curve_) == n_iter
        # The best epoch's weights are restored.
        fitted = model.module_.state_dict()
        for name, value in scripted[best_epoch - 1].items():
            assert torch.equal(fitted[name], value.cpu()), (kind, name)


def test_without_early_stopping_every_epoch_runs_and_the_last_is_kept(scripted):
    for kind in ("head", "student"):
        model = _fit(kind, max_iter=6, early_stopping=False)
        assert model.n_iter_ == model.best_epoch_ == 6
        assert model.validation_scores_ == SCORES[:6]


def test_the_same_history_attributes_everywhere():
    X, y = _tones()
    X_features, y_features = _features()
    models = [
        FocalLossClassifier(n_ensemble=1, max_iter=3, random_state=0).fit(X_features, y_features),
        CCCLossRegressor(n_ensemble=1, max_iter=3, random_state=0).fit(
            X_features, X_features[:, :2]
        ),
        Wav2SmallClassifier(max_iter=3, **SMALL_STUDENT).fit(X, y),
        Wav2SmallRegressor(max_iter=3, **SMALL_STUDENT).fit(X, (y == "high").astype(float)),
    ]
    for model in models:
        name = type(model).__name__
        assert all(hasattr(model, attribute) for attribute in HISTORY), name
        assert 1 <= model.best_epoch_ <= model.n_iter_ == len(model.loss_curve_) <= 3, name
        assert len(model.validation_scores_) == len(model.validation_loss_curve_) == model.n_iter_
    no_validation = Wav2SmallClassifier(max_iter=2, early_stopping=False, **SMALL_STUDENT)
    no_validation.fit(X, y)
    assert no_validation.validation_scores_ is None
    assert no_validation.validation_loss_curve_ is None
    assert no_validation.best_epoch_ == no_validation.n_iter_ == 2


@pytest.mark.parametrize("kind", ["head", "student"])
def test_non_finite_weights_are_caught(kind):
    # One step per epoch; an absurd weight decay makes the weights infinite at the first
    # step while the loss of that step (computed before it) is still finite.
    with pytest.raises(ValueError, match="the weights became non-finite at epoch 1, step 1"):
        _fit(kind, max_iter=2, batch_size=64, learning_rate_init=1e30, weight_decay=1e10)


def test_students_take_tol_and_need_two_clips_a_batch():
    X, y = _tones()
    assert Wav2SmallClassifier(tol=0.5).get_params()["tol"] == 0.5
    with pytest.raises(InvalidParameterError, match="'tol' parameter"):
        Wav2SmallClassifier(tol=-1.0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'batch_size' parameter"):
        Wav2SmallRegressor(batch_size=1).fit(X, (y == "high").astype(float))
