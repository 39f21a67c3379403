"""The torch module of skser's MLP heads: standardisation baked in, then an MLP."""

import math

import numpy as np
import torch
from torch import nn

__all__ = [
    "LogMeanOfProbabilities", "LogMeanOverViews", "MeanOfHeads", "Standardize", "Temperature",
    "average_mlp_heads", "build_mlp_head", "make_mlp_head", "mlp_head_config", "with_temperature",
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


class Temperature(nn.Module):
    """Logits divided by a temperature: ``x / temperature``, a buffer.

    Temperature scaling (Guo et al., 2017) as the last layer of a classifier: its
    softmax is ``softmax(logits / T)``, sharper for ``T < 1`` and flatter for ``T > 1``,
    with the same argmax.

    Parameters
    ----------
    temperature : float > 0, default=1.0
    """

    def __init__(self, temperature=1.0):
        super().__init__()
        self.register_buffer("temperature", torch.tensor(float(temperature)))

    def forward(self, x):
        return x / self.temperature


def with_temperature(module, temperature):
    """``module`` followed by a :class:`Temperature` layer, as one ``nn.Sequential``.

    A Sequential gets the layer appended (its layers keep their indices); any other
    module becomes the first layer of a new Sequential.

    Parameters
    ----------
    module : torch.nn.Module
        Maps inputs to logits.
    temperature : float > 0

    Returns
    -------
    module : torch.nn.Sequential
        Whose last layer is the :class:`Temperature`.

    Examples
    --------
    >>> import torch
    >>> scaled = with_temperature(torch.nn.Sequential(torch.nn.Identity()), 0.5)
    >>> scaled(torch.tensor([[1.0, -1.0]])).tolist(), type(scaled[-1]).__name__
    ([[2.0, -2.0]], 'Temperature')
    """
    layers = list(module) if isinstance(module, nn.Sequential) else [module]
    return nn.Sequential(*layers, Temperature(temperature))


def _without_temperature(module):
    """``(module without its final Temperature layer, whether it had one)``."""
    if not (isinstance(module, nn.Sequential) and isinstance(module[-1], Temperature)):
        return module, False
    if len(module) == 2 and not isinstance(module[0], Standardize):
        return module[0], True
    return module[:-1], True


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


def mlp_head_config(module):
    """The architecture of a head module as plain Python, for :func:`build_mlp_head`.

    Parameters
    ----------
    module : torch.nn.Module
        A head of :func:`make_mlp_head`, an average of heads (:func:`average_mlp_heads`),
        or either inside a :class:`LogMeanOverViews`; any of these may end with a
        :class:`Temperature` (:func:`with_temperature`).

    Returns
    -------
    config : dict
        ``n_features``, ``hidden_layer_sizes``, ``n_outputs``, ``dropout``, ``n_heads``,
        ``average``, ``n_views`` and ``temperature`` (whether it ends with a
        :class:`Temperature`; its value is a weight): ints, floats, strings, a bool and a
        list of ints.
    """
    module, temperature = _without_temperature(module)
    n_views = 1
    if isinstance(module, LogMeanOverViews):
        n_views, module = module.n_views, module.module
    average = next(
        (name for name, kind in _AVERAGES.items() if isinstance(module[-1], kind)), None
    )
    heads = list(module[1].heads) if average else [module[1:]]
    linears = [layer for layer in heads[0] if isinstance(layer, nn.Linear)]
    dropouts = [layer.p for layer in heads[0] if isinstance(layer, nn.Dropout)]
    return {
        "n_features": int(module[0].mean.numel()),
        "hidden_layer_sizes": [int(layer.out_features) for layer in linears[:-1]],
        "n_outputs": int(linears[-1].out_features),
        "dropout": float(dropouts[0]) if dropouts else 0.0,
        "n_heads": len(heads),
        "average": average or "outputs",
        "n_views": int(n_views),
        "temperature": temperature,
    }


def build_mlp_head(config):
    """A head module of the architecture ``config`` describes, with fresh weights.

    Parameters
    ----------
    config : dict
        As :func:`mlp_head_config` gives it (a config without ``temperature``, from
        before it existed, has no :class:`Temperature`).

    Returns
    -------
    module : torch.nn.Module
        Its ``state_dict`` has the same names and shapes as the module ``config`` was
        taken from: ``load_state_dict`` gives that module back.

    Examples
    --------
    >>> import numpy as np
    >>> head = make_mlp_head(mean=np.zeros(4), scale=np.ones(4), hidden_layer_sizes=[8],
    ...                      n_outputs=3, dropout=0.1)
    >>> views = LogMeanOverViews(average_mlp_heads([head, head], average="probabilities"),
    ...                          n_views=2, n_features=4)
    >>> rebuilt = build_mlp_head(mlp_head_config(views))
    >>> rebuilt.load_state_dict(views.state_dict())
    <All keys matched successfully>
    >>> calibrated = with_temperature(views, 0.5)
    >>> rebuilt = build_mlp_head(mlp_head_config(calibrated))
    >>> rebuilt.load_state_dict(calibrated.state_dict())
    <All keys matched successfully>
    >>> float(rebuilt[-1].temperature)
    0.5
    """
    n_features = config["n_features"]
    heads = [
        make_mlp_head(
            mean=np.zeros(n_features), scale=np.ones(n_features),
            hidden_layer_sizes=config["hidden_layer_sizes"], n_outputs=config["n_outputs"],
            dropout=config["dropout"],
        )
        for _ in range(config["n_heads"])
    ]
    module = average_mlp_heads(heads, average=config["average"])
    if config["n_views"] > 1:
        module = LogMeanOverViews(module, config["n_views"], n_features)
    if config.get("temperature", False):
        module = with_temperature(module, 1.0)
    return module
