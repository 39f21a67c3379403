"""Distillation losses: soft cross-entropy with temperature, and soft targets."""

import torch
from torch.nn import functional as F

__all__ = ["soften", "soft_cross_entropy"]


def soften(probabilities, temperature):
    """Teacher probabilities at a temperature: ``softmax(log(p) / T)``.

    For a teacher whose probabilities are a softmax of logits ``z``, this is exactly
    ``softmax(z / T)``: a teacher seen only through its probabilities softens the same
    way. Zero probabilities stay zero.

    Parameters
    ----------
    probabilities : torch.Tensor [shape=(n, n_classes)]
    temperature : float > 0

    Returns
    -------
    torch.Tensor [shape=(n, n_classes)]

    Examples
    --------
    >>> import torch
    >>> p = torch.tensor([[0.8, 0.2]])
    >>> soften(p, 1.0).tolist() == p.tolist(), soften(p, 1e6)[0, 0].item() < 0.51
    (True, True)
    """
    logits = torch.log(probabilities.clamp(min=1e-12)) / temperature
    logits = torch.where(probabilities > 0, logits, torch.full_like(logits, -1e9))
    return torch.softmax(logits, dim=1)


def soft_cross_entropy(logits, soft_targets, temperature=1.0):
    """Hinton's distillation loss: ``T**2 * KL(targets || softmax(logits / T))``, batch mean.

    ``soft_targets`` are the teacher's probabilities already at temperature ``T``
    (:func:`soften`); the ``T**2`` keeps the gradient's scale independent of ``T``.
    The KL divergence differs from the soft cross-entropy by the targets' entropy, a
    constant: the same gradients, and 0 when the student matches the teacher.

    Parameters
    ----------
    logits : torch.Tensor [shape=(n, n_classes)]
        The student's.
    soft_targets : torch.Tensor [shape=(n, n_classes)]
        Rows summing to 1.
    temperature : float > 0, default=1.0

    Returns
    -------
    loss : torch.Tensor (scalar)

    Examples
    --------
    >>> import torch
    >>> target = torch.tensor([[0.7, 0.3]])
    >>> round(soft_cross_entropy(torch.log(target), target).item(), 6)
    0.0
    """
    log_student = F.log_softmax(logits / temperature, dim=1)
    entropy_terms = torch.xlogy(soft_targets, soft_targets)
    kl = (entropy_terms - soft_targets * log_student).sum(dim=1)
    return temperature**2 * kl.mean()
