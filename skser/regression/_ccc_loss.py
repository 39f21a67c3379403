"""The concordance correlation loss: mean ``1 - CCC`` over dimensions, on a batch."""

import torch

__all__ = ["ccc_loss"]

# Keeps 0/0 (a constant prediction of a constant target) at CCC 0 instead of NaN.
_EPS = 1e-12


def _check_inputs(pred, target, weights):
    for name, value in (("pred", pred), ("target", target)):
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            kind = f"dtype {value.dtype}" if isinstance(value, torch.Tensor) else type(value)
            raise ValueError(f"{name} must be a floating-point torch.Tensor, got {kind}")
        if value.ndim not in (1, 2):
            raise ValueError(
                f"{name} must be 1-D (n_clips,) or 2-D (n_clips, n_dims), got shape "
                f"{tuple(value.shape)}"
            )
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} and "
            f"{tuple(target.shape)}"
        )
    if pred.shape[0] < 2:
        raise ValueError(f"the CCC needs a batch of at least 2 clips, got {pred.shape[0]}")
    n_dims = 1 if pred.ndim == 1 else pred.shape[1]
    if weights is not None:
        if not isinstance(weights, torch.Tensor) or weights.shape != (n_dims,):
            shape = tuple(weights.shape) if isinstance(weights, torch.Tensor) else type(weights)
            raise ValueError(
                f"weights must be a 1-D tensor with one weight per dimension ({n_dims}), "
                f"got {shape}"
            )
        if not torch.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError("weights must be finite, non-negative and not all zero")


def ccc_loss(pred, target, *, weights=None):
    r"""Mean ``1 - CCC`` over the dimensions of a batch: the loss of dimensional SER.

    Read more in the :ref:`User Guide <dimensional>`.

    Lin's concordance correlation coefficient of each column, computed over the batch
    with population (1/n) moments, as the dimensional emotion literature trains on it
    (e.g. Trigeorgis et al., 2016; Wagner et al., 2023):

    .. math::

        \mathrm{CCC}_d = \frac{2\,\mathrm{cov}(p_d, t_d)}
        {\mathrm{var}(p_d) + \mathrm{var}(t_d) + (\bar p_d - \bar t_d)^2},
        \qquad \ell = \frac{\sum_d w_d (1 - \mathrm{CCC}_d)}{\sum_d w_d}.

    It is :func:`skser.metrics.concordance_correlation_coefficient` in torch, with a
    gradient. A tiny constant in the denominator makes a batch whose target and
    prediction are both constant score CCC 0 (loss 1) rather than NaN.

    Parameters
    ----------
    pred : torch.Tensor [shape=(n_clips,) or (n_clips, n_dims), floating point]
        Predictions, one column per dimension (arousal, valence, dominance in skser).
    target : torch.Tensor, the same shape
        True values.
    weights : torch.Tensor [shape=(n_dims,)] or None, default=None
        Non-negative weight of each dimension's loss; None weighs them equally.

    Returns
    -------
    loss : torch.Tensor [shape=()]
        In [0, 2]: 0 for perfect agreement, 1 for none, 2 for perfect reversal.

    Raises
    ------
    ValueError
        For non-float tensors, shapes that differ, fewer than 2 clips, or bad weights.

    Examples
    --------
    >>> import torch
    >>> target = torch.tensor([[0.1, 0.9], [0.5, 0.5], [0.9, 0.2]])
    >>> round(float(ccc_loss(target, target)), 6)
    0.0
    >>> round(float(ccc_loss(target + 0.2, target)), 4)  # shifted: CCC drops, r does not
    0.1768
    >>> round(float(ccc_loss(-target, target, weights=torch.tensor([1.0, 0.0]))), 4)
    1.1758
    """
    _check_inputs(pred, target, weights)
    return _ccc_loss(pred, target, weights)


def _ccc_loss(pred, target, weights=None):
    """:func:`ccc_loss` without the input checks (for training loops)."""
    if pred.ndim == 1:
        pred, target = pred[:, None], target[:, None]
    target = target.to(pred.dtype)
    mean_pred, mean_true = pred.mean(0), target.mean(0)
    var_pred = pred.var(0, unbiased=False)
    var_true = target.var(0, unbiased=False)
    covariance = ((pred - mean_pred) * (target - mean_true)).mean(0)
    ccc = 2 * covariance / (var_pred + var_true + (mean_pred - mean_true) ** 2 + _EPS)
    if weights is None:
        return (1 - ccc).mean()
    weights = weights.to(device=pred.device, dtype=pred.dtype)
    return ((1 - ccc) * weights).sum() / weights.sum()
