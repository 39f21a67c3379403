"""Multi-class focal loss with class weights and label smoothing."""

from numbers import Real

import torch
import torch.nn.functional as F

__all__ = ["focal_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def _check_inputs(logits, target, gamma, alpha, label_smoothing, reduction):
    if not isinstance(logits, torch.Tensor) or not logits.is_floating_point():
        raise ValueError(f"logits must be a floating-point torch.Tensor, got {_describe(logits)}")
    if logits.ndim != 2:
        raise ValueError(
            f"logits must be 2-D (n_samples, n_classes), got shape {tuple(logits.shape)}"
        )
    n_samples, n_classes = logits.shape
    if n_classes < 2:
        raise ValueError(f"logits must have at least 2 classes (columns), got {n_classes}")
    if not isinstance(target, torch.Tensor) or target.is_floating_point() or target.is_complex():
        raise ValueError(
            f"target must be an integer torch.Tensor of class indices, got {_describe(target)}"
        )
    if target.shape != (n_samples,):
        raise ValueError(
            f"target must be 1-D with one class index per row of logits: expected shape "
            f"({n_samples},), got {tuple(target.shape)}"
        )
    if n_samples and (target.min() < 0 or target.max() >= n_classes):
        bad = target[(target < 0) | (target >= n_classes)].unique().tolist()
        raise ValueError(f"target holds class indices outside [0, {n_classes - 1}]: {bad}")
    if not (isinstance(gamma, Real) and gamma >= 0):
        raise ValueError(f"gamma must be a number >= 0, got {gamma!r}")
    if not (isinstance(label_smoothing, Real) and 0 <= label_smoothing <= 1):
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if alpha is not None:
        if not isinstance(alpha, torch.Tensor) or alpha.shape != (n_classes,):
            shape = tuple(alpha.shape) if isinstance(alpha, torch.Tensor) else _describe(alpha)
            raise ValueError(
                f"alpha must be a 1-D tensor with one weight per class ({n_classes}), got {shape}"
            )
        if not torch.isfinite(alpha).all() or (alpha < 0).any():
            raise ValueError("alpha must hold finite, non-negative class weights")


def _describe(value):
    if isinstance(value, torch.Tensor):
        return f"a tensor of dtype {value.dtype}"
    return type(value).__name__


def focal_loss(logits, target, *, gamma=2.0, alpha=None, label_smoothing=0.0, reduction="mean"):
    r"""Multi-class focal loss (Lin et al., 2017) with class weights and label smoothing.

    Read more in the :ref:`User Guide <head>`.

    With :math:`p = \mathrm{softmax}(z)`, :math:`K` classes, smoothed targets
    :math:`q_{ic} = (1 - \varepsilon)[c = y_i] + \varepsilon / K` (exactly as
    :func:`torch.nn.functional.cross_entropy` smooths them) and class weights
    :math:`\alpha_c` (all 1 when ``alpha`` is None), the loss of sample :math:`i` is

    .. math::

        \ell_i = -\sum_{c=1}^{K} \alpha_c \, q_{ic} \, (1 - p_{ic})^{\gamma} \log p_{ic}.

    The focal factor modulates every class's term by that class's own probability, so
    without smoothing :math:`\ell_i = -\alpha_{y_i} (1 - p_{i,y_i})^\gamma \log p_{i,y_i}`,
    the focal loss with :math:`\alpha_t = \alpha_{y_i}`; with :math:`\gamma = 0` it is
    torch's ``cross_entropy(logits, target, weight=alpha, label_smoothing=eps)``, term for
    term. ``"mean"`` divides the sum by :math:`\sum_i \alpha_{y_i}` (the number of samples
    when ``alpha`` is None), as ``cross_entropy`` does with ``weight``.

    Parameters
    ----------
    logits : torch.Tensor [shape=(n_samples, n_classes), floating point]
        Unnormalized scores.
    target : torch.Tensor [shape=(n_samples,), integer]
        Class indices in ``[0, n_classes)``.
    gamma : float >= 0, default=2.0
        Focusing parameter; 0 gives (weighted, smoothed) cross-entropy.
    alpha : torch.Tensor [shape=(n_classes,)] or None, default=None
        Non-negative per-class weights :math:`\alpha_c`; None weighs classes equally.
    label_smoothing : float in [0, 1], default=0.0
        :math:`\varepsilon` above.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"none"`` returns :math:`\ell_i` per sample, ``"sum"`` their sum, ``"mean"`` their
        sum divided by :math:`\sum_i \alpha_{y_i}`.

    Returns
    -------
    loss : torch.Tensor [shape=() or (n_samples,)]

    Raises
    ------
    ValueError
        If the shapes do not match, a target is not a class index, or an option is invalid.

    Examples
    --------
    >>> import torch
    >>> logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    >>> target = torch.tensor([0, 2])
    >>> ce = torch.nn.functional.cross_entropy(logits, target)
    >>> bool(torch.isclose(focal_loss(logits, target, gamma=0.0), ce))
    True
    >>> loss = focal_loss(logits, target, gamma=2.0, reduction="none")
    >>> [round(value, 4) for value in loss.tolist()]
    [0.0041, 0.9635]
    """
    _check_inputs(logits, target, gamma, alpha, label_smoothing, reduction)
    return _focal_loss(logits, target, gamma, alpha, label_smoothing, reduction)


def _focal_loss(logits, target, gamma, alpha, label_smoothing, reduction):
    """:func:`focal_loss` without the input checks (for training loops)."""
    n_classes = logits.shape[1]
    log_p = F.log_softmax(logits, dim=1)
    # -sum_c q_c (1 - p_c)^gamma log p_c, split into the target term and the uniform term
    # as torch splits cross_entropy's label smoothing.
    terms = -log_p
    if gamma:
        # (1 - p)^gamma; the clamp keeps the gradient finite where p rounds to 1.
        one_minus_p = (-torch.expm1(log_p)).clamp(min=torch.finfo(log_p.dtype).tiny)
        terms = terms * one_minus_p.pow(gamma)
    if alpha is not None:
        alpha = alpha.to(device=logits.device, dtype=logits.dtype)
        terms = terms * alpha
    target_term = terms.gather(1, target.long().unsqueeze(1)).squeeze(1)
    loss = (1 - label_smoothing) * target_term
    if label_smoothing:
        loss = loss + label_smoothing / n_classes * terms.sum(dim=1)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if alpha is None:
        return loss.mean()
    return loss.sum() / alpha[target.long()].sum()
