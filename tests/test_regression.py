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
    assert float(loss) == pytest.approx(1.0)
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
