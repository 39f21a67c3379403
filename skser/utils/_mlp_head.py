"""The torch module of skser's MLP heads: standardisation baked in, then an MLP."""

import math

import numpy as np
import torch
from torch import nn

__all__ = [
    "LogMeanOfProbabilities", "LogMeanOverViews", "MeanOfHeads", "Standardize", "average_mlp_heads",
    "make_mlp_head",
]


class Standardize(nn.Module):
    """``(x - mean) / scale`` with ``mean`` and ``scale`` stored as buffers.

    Parameters
    ----------
    mean : array-like [shape=(n_features,)]
    scale : array-like [shape=(n_features,)], all > 0
    """

    def __init__(self, mean, scale):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean, dtype=np.float32)))
        self.register_buffer("scale", torch.as_tensor(np.asarray(scale, dtype=np.float32)))

    def forward(self, x):
        return (x - self.mean) / self.scale


def make_mlp_head(*, mean, scale, hidden_layer_sizes, n_outputs, dropout):
    """Build ``Standardize -> [Linear -> ReLU -> Dropout] * n_hidden -> Linear``.

    Parameters
    ----------
    mean, scale : np.ndarray [shape=(n_features,)]
        The standardisation of the raw features (see :class:`Standardize`).
    hidden_layer_sizes : sequence of int
        Width of each hidden layer; empty gives a linear head.
    n_outputs : int
        Number of outputs: class logits, or regression targets.
    dropout : float in [0, 1)
        Dropout after each hidden activation.

    Returns
    -------
    module : torch.nn.Sequential
        Maps float32 ``(n, n_features)`` raw features to ``(n, n_outputs)`` outputs.
    """
    layers = [Standardize(mean, scale)]
    width = len(mean)
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


class MeanOfHeads(nn.Module):
    """The mean of several heads' outputs: ``mean_k head_k(x)``.

    Parameters
    ----------
    heads : sequence of torch.nn.Module
        Modules mapping the same input to outputs of the same shape.
    """

    def __init__(self, heads):
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, x):
        return torch.stack([head(x) for head in self.heads]).mean(0)


class LogMeanOfProbabilities(nn.Module):
    """The log of the mean of several heads' class probabilities.

    ``log(mean_k softmax(head_k(x)))``, computed as a ``logsumexp`` of the heads'
    ``log_softmax`` (stable for confident heads). The output is a valid set of logits
    whose softmax is the mean of the heads' probabilities: an ensemble of classifiers
    averaged in probability, not in logits, behind the same "logits, then softmax"
    interface as one head.

    Parameters
    ----------
    heads : sequence of torch.nn.Module
        Modules mapping the same input to logits ``(n, n_classes)``.
    """

    def __init__(self, heads):
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, x):
        log_probabilities = torch.stack([head(x).log_softmax(1) for head in self.heads])
        return torch.logsumexp(log_probabilities, dim=0) - math.log(len(self.heads))


class LogMeanOverViews(nn.Module):
    """A classifier applied to each view of a row, its probabilities averaged, as logits.

    A row of ``n_views * n_features`` columns holds ``n_views`` blocks (views of one clip,
    e.g. at several speeds); each block goes through ``module`` and the output is
    ``log(mean_v softmax(module(view_v)))``, so its softmax is the mean probability.

    Parameters
    ----------
    module : torch.nn.Module
        Maps ``(n, n_features)`` to logits ``(n, n_classes)``.
    n_views : int
        Blocks per row.
    n_features : int
        Columns per block.

    Examples
    --------
    >>> import torch
    >>> views = LogMeanOverViews(torch.nn.Linear(4, 3), n_views=2, n_features=4)
    >>> x = torch.randn(5, 8)
    >>> mean = (views.module(x[:, :4]).softmax(1) + views.module(x[:, 4:]).softmax(1)) / 2
    >>> bool(torch.allclose(views(x).softmax(1), mean, atol=1e-6))
    True
    """

    def __init__(self, module, n_views, n_features):
        super().__init__()
        self.module = module
        self.n_views = int(n_views)
        self.n_features = int(n_features)

    def forward(self, x):
        logits = self.module(x.reshape(-1, self.n_features)).log_softmax(1)
        views = logits.reshape(-1, self.n_views, logits.shape[1])
        return torch.logsumexp(views, dim=1) - math.log(self.n_views)


_AVERAGES = {"outputs": MeanOfHeads, "probabilities": LogMeanOfProbabilities}


def average_mlp_heads(modules, *, average="outputs"):
    """One module averaging MLP heads that share their :class:`Standardize` layer.

    Parameters
    ----------
    modules : sequence of torch.nn.Sequential
        Heads made by :func:`make_mlp_head` on the same training rows (so the same
        standardisation). One module is returned as it is.
    average : {"outputs", "probabilities"}, default="outputs"
        ``"outputs"`` averages the heads' outputs (:class:`MeanOfHeads`, regression);
        ``"probabilities"`` averages the softmax of their logits and returns its log
        (:class:`LogMeanOfProbabilities`, classification).

    Returns
    -------
    module : torch.nn.Sequential
        ``Standardize -> MeanOfHeads([head[1:] for head in modules])``, or
        ``LogMeanOfProbabilities`` in its place.
    """
    modules = list(modules)
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {sorted(_AVERAGES)}, got {average!r}")
    if len(modules) == 1:
        return modules[0]
    return nn.Sequential(modules[0][0], _AVERAGES[average]([module[1:] for module in modules]))
