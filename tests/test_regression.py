"""CCCLossRegressor and ccc_loss."""

import numpy as np
import pytest
import torch

from skser.metrics import concordance_correlation_coefficient
from skser.regression import ccc_loss


@pytest.mark.parametrize("n_dims", [1, 3])
def test_ccc_loss_is_one_minus_the_metric(n_dims):
    rng = np.random.default_rng(0)
    target = rng.uniform(size=(50, n_dims))
    pred = 0.6 * target + rng.normal(scale=0.2, size=target.shape) + 0.1
    loss = ccc_loss(torch.tensor(pred), torch.tensor(target))
    expected = 1 - concordance_correlation_coefficient(target, pred)
    assert float(loss) == pytest.approx(expected, abs=1e-9)


def test_ccc_loss_weights_average_the_dimensions():
    rng = np.random.default_rng(1)
    target = rng.uniform(size=(40, 3))
    pred = target + rng.normal(scale=[0.05, 0.3, 1.0], size=target.shape)
    per_dim = 1 - concordance_correlation_coefficient(target, pred, multioutput="raw_values")
    weights = np.array([2.0, 1.0, 0.0])
    loss = ccc_loss(torch.tensor(pred), torch.tensor(target), weights=torch.tensor(weights))
    assert float(loss) == pytest.approx(np.average(per_dim, weights=weights), abs=1e-9)


def test_ccc_loss_1d_and_gradient():
    target = torch.linspace(0, 1, 10)
    pred = torch.zeros(10, requires_grad=True)
    loss = ccc_loss(pred, target)
    loss.backward()
    assert float(loss.detach()) == pytest.approx(1.0)
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0


def test_ccc_loss_constant_batch_is_not_nan():
    loss = ccc_loss(torch.full((4, 3), 0.5), torch.full((4, 3), 0.5))
    assert float(loss) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("pred", "target", "weights", "match"),
    [
        (torch.zeros(4, 3), torch.zeros(4, 2), None, "same shape"),
        (torch.zeros(1, 3), torch.zeros(1, 3), None, "at least 2"),
        (torch.zeros(4, 3, dtype=torch.long), torch.zeros(4, 3), None, "floating-point"),
        (np.zeros((4, 3)), torch.zeros(4, 3), None, "floating-point"),
        (torch.zeros(4, 3, 2), torch.zeros(4, 3, 2), None, "1-D"),
        (torch.zeros(4, 3), torch.zeros(4, 3), torch.ones(2), "one weight per dimension"),
        (torch.zeros(4, 3), torch.zeros(4, 3), torch.tensor([1.0, -1, 0]), "non-negative"),
    ],
)
def test_ccc_loss_rejects_bad_input(pred, target, weights, match):
    with pytest.raises(ValueError, match=match):
        ccc_loss(pred, target, weights=weights)


# -- CCCLossRegressor ------------------------------------------------------------------

import pickle  # noqa: E402

from skser.exceptions import InvalidParameterError  # noqa: E402
from skser.regression import CCCLossRegressor  # noqa: E402


def _avd_problem(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 16))
    y = np.column_stack([
        0.5 + 0.15 * X[:, 0],
        0.5 + 0.1 * (X[:, 1] - X[:, 2]),
        0.5 + 0.1 * X[:, 3],
    ])
    return X, y + rng.normal(scale=0.02, size=y.shape)


def test_regressor_learns_each_dimension():
    X, y = _avd_problem()
    reg = CCCLossRegressor(random_state=0).fit(X[:300], y[:300])
    pred = reg.predict(X[300:])
    assert pred.shape == (100, 3) and pred.dtype == np.float64
    per_dim = concordance_correlation_coefficient(y[300:], pred, multioutput="raw_values")
    assert (per_dim > 0.8).all(), per_dim
    assert reg.score(X[300:], y[300:]) == pytest.approx(per_dim.mean())
    assert reg.target_names_.tolist() == ["arousal", "valence", "dominance"]


def test_ccc_training_beats_mse_on_ccc_with_noisy_targets():
    # MSE shrinks predictions of noisy targets towards the mean; the CCC penalises the
    # missing spread, so its predictions spread more and agree better.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 16))
    y = 0.5 + 0.1 * X[:, :3] + rng.normal(scale=0.15, size=(400, 3))
    ccc = CCCLossRegressor(random_state=0).fit(X[:300], y[:300])
    mse = CCCLossRegressor(random_state=0, loss="mse").fit(X[:300], y[:300])
    assert ccc.score(X[300:], y[300:]) > mse.score(X[300:], y[300:]) + 0.05
    assert (ccc.predict(X[300:]).std(0) > mse.predict(X[300:]).std(0)).all()


def test_dimension_weights_steer_the_training():
    X, y = _avd_problem(seed=2)
    only_first = CCCLossRegressor(random_state=0, dimension_weights=[1, 0, 0]).fit(X, y)
    per_dim = concordance_correlation_coefficient(
        y, only_first.predict(X), multioutput="raw_values"
    )
    assert per_dim[0] > 0.8 and per_dim[1] < 0.5 and per_dim[2] < 0.5


def test_regressor_one_column_and_dataframe_names():
    pd = pytest.importorskip("pandas")
    X, y = _avd_problem()
    reg = CCCLossRegressor(random_state=0, max_iter=5).fit(X, y[:, 0])
    assert reg.predict(X).shape == (len(X),) and reg.n_outputs_ == 1
    frame = pd.DataFrame(y[:, :2], columns=["valence", "arousal"])
    reg.fit(X, frame)
    assert reg.target_names_.tolist() == ["valence", "arousal"]


def test_regressor_early_stopping_restores_the_best_epoch():
    X, y = _avd_problem()
    reg = CCCLossRegressor(random_state=0, max_iter=40, n_iter_no_change=3, n_ensemble=1).fit(
        X[:300], y[:300], X_val=X[300:], y_val=y[300:]
    )
    assert isinstance(reg.module_[1], torch.nn.Linear)  # one head: no averaging layer
    assert len(reg.validation_scores_) == reg.n_iter_
    best = int(np.argmax(reg.validation_scores_))
    assert reg.validation_scores_[reg.best_epoch_ - 1] == pytest.approx(
        reg.validation_scores_[best]
    )
    assert reg.score(X[300:], y[300:]) == pytest.approx(max(reg.validation_scores_), abs=1e-5)


def test_ensemble_averages_heads_that_each_stop_early():
    X, y = _avd_problem()
    reg = CCCLossRegressor(random_state=0, max_iter=30, n_iter_no_change=3, n_ensemble=3).fit(
        X[:300], y[:300], X_val=X[300:], y_val=y[300:]
    )
    heads = reg.module_[1].heads
    assert len(heads) == len(reg.ensemble_history_) == 3
    with torch.no_grad():
        standardized = reg.module_[0](torch.as_tensor(X[300:], dtype=torch.float32))
        each = [head(standardized).double().numpy() for head in heads]
    np.testing.assert_allclose(reg.predict(X[300:]), np.mean(each, axis=0), atol=1e-6)
    assert not np.allclose(each[0], each[1])  # different seeds, different heads
    for history in reg.ensemble_history_:
        scores = history["validation_scores_"]
        assert len(scores) == history["n_iter_"]
        assert scores[history["best_epoch_"] - 1] == pytest.approx(max(scores))
    assert reg.validation_scores_ == reg.ensemble_history_[0]["validation_scores_"]
    for head_pred, history in zip(each, reg.ensemble_history_):  # its restored best epoch
        best = max(history["validation_scores_"])
        ccc = concordance_correlation_coefficient(y[300:], head_pred)
        assert ccc == pytest.approx(best, abs=1e-5)


def test_regressor_is_reproducible_and_pickles():
    X, y = _avd_problem()
    a = CCCLossRegressor(random_state=3, max_iter=5).fit(X, y)
    b = CCCLossRegressor(random_state=3, max_iter=5).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(a)).predict(X), a.predict(X))


@pytest.mark.parametrize(
    ("kwargs", "fit_kwargs", "match"),
    [
        ({"dimension_weights": [1, 1]}, {}, "one weight per column"),
        ({"dimension_weights": [0, 0, 0]}, {}, "not all zero"),
        ({}, {"X_val": np.zeros((4, 16))}, "both X_val and y_val"),
        ({}, {"X_val": np.zeros((4, 16)), "y_val": np.zeros((4, 2))}, "3 column"),
        ({}, {"X_val": np.zeros((4, 5)), "y_val": np.zeros((4, 3))}, "features"),
    ],
)
def test_regressor_rejects_bad_input(kwargs, fit_kwargs, match):
    X, y = _avd_problem(n=40)
    with pytest.raises(ValueError, match=match):
        CCCLossRegressor(max_iter=1, **kwargs).fit(X, y, **fit_kwargs)


def test_regressor_names_nan_and_bad_parameters():
    X, y = _avd_problem(n=40)
    y[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CCCLossRegressor(max_iter=1).fit(X, y)
    with pytest.raises(InvalidParameterError, match="loss"):
        CCCLossRegressor(loss="mae").fit(X, np.nan_to_num(y))


def test_regressor_score_names_a_missing_or_bad_rating():
    # Was "y_true must hold numbers, got dtype object" for a None, naming no clip.
    X, y = _avd_problem(n=40)
    reg = CCCLossRegressor(max_iter=1, random_state=0).fit(X, y)
    cases = [(None, r"a missing rating \(None\) at clip 5, output 1"),
             (np.nan, r"a missing rating \(NaN\) at clip 5, output 1"),
             (np.inf, r"an infinite rating \(inf\) at clip 5, output 1")]
    for value, match in cases:
        bad = y.astype(object)
        bad[5, 1] = value
        with pytest.raises(ValueError, match=f"^y holds {match}"):
            reg.score(X, bad)
    with pytest.raises(ValueError, match="y holds text"):
        reg.score(X, np.array(["ang", "hap"] * 20))
    assert reg.score(X, y.astype(object)) == reg.score(X, y)


def test_make_ser_pipeline_dimensional_task():
    from skser.pipeline import make_ser_pipeline

    pipe = make_ser_pipeline(task="dimensional", max_iter=3, loss="mse")
    head = pipe.steps[-1][1]
    assert isinstance(head, CCCLossRegressor) and head.loss == "mse" and head.max_iter == 3
    with pytest.raises(ValueError, match="task must be one of"):
        make_ser_pipeline(task="regression")


@pytest.mark.parametrize("loss", ["ccc", "mse"])
def test_targets_on_any_scale_train_alike(loss):
    """Targets are standardised for training: 100 y + 100 gives 100 times the predictions + 100."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6)).astype(np.float32)
    y = 1 / (1 + np.exp(-X[:, :3] @ rng.standard_normal((3, 2))))
    params = dict(loss=loss, n_ensemble=2, max_iter=8, random_state=0)
    unit = CCCLossRegressor(**params).fit(X[:90], y[:90])
    shifted = CCCLossRegressor(**params).fit(X[:90], 100 * y[:90] + 100)
    np.testing.assert_allclose(shifted.predict(X[90:]), 100 * unit.predict(X[90:]) + 100,
                               rtol=1e-4, atol=1e-2)
    assert shifted.score(X[90:], 100 * y[90:] + 100) > 0.5
