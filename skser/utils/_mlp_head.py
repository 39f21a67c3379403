"""The torch module of skser's MLP heads: standardisation baked in, then an MLP."""

import numpy as np
import torch
from torch import nn

__all__ = ["Standardize", "make_mlp_head"]


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
