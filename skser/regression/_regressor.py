"""CCCLossRegressor: a torch MLP head trained on 1 - CCC, for dimensional emotion."""

import copy
import math
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..utils import (
    Interval,
    StrOptions,
    TorchHeadMixin,
    as_tensor,
    fit_context,
    predict_outputs,
    safe_scale,
)
from ._ccc_loss import _ccc_loss

__all__ = ["AVD", "CCCLossRegressor"]

AVD = ("arousal", "valence", "dominance")
"""The emotion dimensions, in skser's column order everywhere."""


class CCCLossRegressor(RegressorMixin, TorchHeadMixin, BaseEstimator):
    """A torch MLP head trained on the concordance loss, for arousal, valence, dominance.

    Read more in the :ref:`User Guide <dimensional>`.

    The regression sibling of :class:`skser.classification.FocalLossClassifier`, with the
    same machinery: features (frozen utterance embeddings, not waveforms) go through
    ``Standardize -> [Linear -> ReLU -> Dropout] * len(hidden_layer_sizes) -> Linear``,
    trained by AdamW on shuffled mini-batches of ``batch_size`` under a linear warm-up and
    cosine decay. The loss of each mini-batch is :func:`ccc_loss`: ``1 - CCC`` of each
    dimension over the batch, averaged with ``dimension_weights``, as the dimensional
    emotion literature trains. ``loss="mse"`` trains the same head on the mean squared
    error instead (the baseline CCC training is measured against).

    **Ensemble.** ``n_ensemble`` heads (5 by default) are trained from different seeds
    and their predictions averaged: one head's leave-one-speaker-out CCC depends on its
    seed, and the average of five is steadier and scores higher (see
    ``benchmarks/bench_dimensional.py --variants``). Training costs ``n_ensemble`` times one head;
    ``n_ensemble=1`` trains one.

    **Validation and early stopping.** A random ``validation_fraction`` of the training
    rows (drawn with ``random_state``) is held out unless :meth:`fit` gets ``X_val``,
    ``y_val`` (e.g. a held-out session). After each epoch the head is scored by the mean
    CCC over dimensions on the validation set; an epoch is better when that is higher by
    more than ``tol``, or as high with a lower validation loss. Training stops after
    ``n_iter_no_change`` epochs without a better one and the best epoch is restored. With
    fewer than 4 rows no split is made and all ``max_iter`` epochs run.

    The fitted ``module_`` maps raw float32 features to the predictions: its first layer
    standardises them, so ``module_`` alone is the whole model (what the ONNX export
    needs). :meth:`score` is the mean CCC over dimensions, not R².

    **Target scale.** Each dimension is standardised by its training mean and standard
    deviation for training, and the last layer of every head maps back after it, so
    targets on any scale (0 to 1, 1 to 5, -100 to 100) train alike. The CCC is unchanged
    by mapping targets and predictions alike; ``loss="mse"`` weighs the dimensions by
    their squared error in standard deviations of each, and the loss curves are in those
    standardised units.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(256,)
        Width of each hidden layer; ``()`` gives a linear head.
    dropout : float in [0, 1), default=0.5
        Dropout after each hidden ReLU.
    loss : {"ccc", "mse"}, default="ccc"
        The training objective: mean ``1 - CCC`` over dimensions, or the mean squared
        error.
    dimension_weights : array-like [shape=(n_dims,)] or None, default=None
        Weight of each dimension in the loss and in the validation score; None weighs
        them equally.
    learning_rate_init : float > 0, default=1e-3
        AdamW's peak learning rate.
    weight_decay : float >= 0, default=0.01
        AdamW's decoupled weight decay.
    warmup_fraction : float in [0, 1], default=0.1
        Fraction of all steps spent warming up.
    max_iter : int >= 1, default=25
        Maximum number of epochs.
    batch_size : int >= 2, default=16
        Mini-batch size (the CCC is computed over each batch, so at least 2).
    n_ensemble : int >= 1, default=5
        Number of heads trained from different seeds (initialisation, dropout,
        shuffling) on the same rows and validation set, each early-stopping on its own;
        ``module_`` averages their predictions.
    early_stopping : bool, default=True
        Validate after each epoch, stop when it stops improving, restore the best epoch.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the training rows held out when no ``X_val`` is given.
    n_iter_no_change : int >= 1, default=6
        Patience, in epochs.
    tol : float >= 0, default=0.0
        How much higher the validation mean CCC must be to count as better by itself.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initialisation, dropout and the shuffling.
    device : str or torch.device, default="cpu"
        Where to train; the fitted ``module_`` comes back to the CPU.
    verbose : bool or int, default=False
        A progress bar over epochs with the losses and the validation CCC.

    Attributes
    ----------
    n_outputs_ : int
        Number of dimensions (columns of ``y``).
    target_names_ : np.ndarray [shape=(n_outputs_,)]
        The dimensions' names: ``y``'s columns when it is a DataFrame, else
        ``arousal, valence, dominance`` for 3 columns, else ``y0, y1, ...``.
    n_features_in_ : int
    feature_names_in_ : np.ndarray
        When ``X`` was a DataFrame with string column names.
    module_ : torch.nn.Sequential
        Raw float32 features to predictions ``(n, n_outputs_)``, on the CPU, in eval mode:
        ``Standardize`` then the head, or with ``n_ensemble > 1`` a ``MeanOfHeads``
        averaging the heads.
    loss_curve_, validation_scores_, validation_loss_curve_ : list of float
        Per epoch, of the first head: training loss, validation mean CCC and validation
        loss (the last two None without a validation set).
    best_epoch_, n_iter_ : int
        The epoch the first head was restored to, and the number of epochs it ran.
    ensemble_history_ : list of dict
        The five attributes above for each head, as ``{"loss_curve_": ..., ...}``.

    See Also
    --------
    ccc_loss : The loss.
    skser.metrics.concordance_correlation_coefficient : The score.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 20))
    >>> y = np.column_stack([X[:, 0], X[:, 1] - X[:, 2], 0.5 * X[:, 3]])
    >>> reg = CCCLossRegressor(random_state=0).fit(X[:200], y[:200])
    >>> reg.predict(X[200:]).shape, reg.target_names_.tolist()
    ((100, 3), ['arousal', 'valence', 'dominance'])
    >>> reg.score(X[200:], y[200:]) > 0.8
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "loss": [StrOptions({"ccc", "mse"})],
        "dimension_weights": ["array-like", None],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "warmup_fraction": [Interval(Real, 0, 1, closed="both")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    _score_name = "val_CCC"

    def __init__(
        self,
        *,
        hidden_layer_sizes=(256,),
        dropout=0.5,
        loss="ccc",
        dimension_weights=None,
        learning_rate_init=1e-3,
        weight_decay=0.01,
        warmup_fraction=0.1,
        max_iter=25,
        batch_size=16,
        n_ensemble=5,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=6,
        tol=0.0,
        random_state=None,
        device="cpu",
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.loss = loss
        self.dimension_weights = dimension_weights
        self.learning_rate_init = learning_rate_init
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.n_ensemble = n_ensemble
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # -- checks ------------------------------------------------------------------------

    def _check_weights(self, n_outputs):
        if self.dimension_weights is None:
            return None
        weights = np.asarray(self.dimension_weights, dtype=np.float64)
        if weights.shape != (n_outputs,):
            raise ValueError(
                f"dimension_weights must hold one weight per column of y ({n_outputs}), got "
                f"shape {weights.shape}"
            )
        if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(
                f"dimension_weights must be finite, non-negative and not all zero, got "
                f"{weights.tolist()}"
            )
        return weights

    def _check_validation_set(self, X_val, y_val):
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        X_val = check_array(X_val, dtype=[np.float64, np.float32], input_name="X_val")
        y_val = check_array(y_val, ensure_2d=False, dtype=np.float64, input_name="y_val")
        y_val = y_val.reshape(len(y_val), -1)
        if y_val.shape != (X_val.shape[0], self.n_outputs_):
            raise ValueError(
                f"y_val must have one row per row of X_val ({X_val.shape[0]}) and "
                f"{self.n_outputs_} column(s) like y, got shape {y_val.shape}"
            )
        if X_val.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X_val has {X_val.shape[1]} features, but X has {self.n_features_in_}"
            )
        return X_val, y_val

    @staticmethod
    def _names(y, n_outputs):
        columns = getattr(y, "columns", None)
        if columns is not None and len(columns) == n_outputs:
            return np.asarray([str(name) for name in columns], dtype=object)
        if n_outputs == len(AVD):
            return np.asarray(AVD, dtype=object)
        return np.asarray([f"y{i}" for i in range(n_outputs)], dtype=object)

    # -- fit ---------------------------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, X_val=None, y_val=None):
        """Train the head on ``X``, ``y`` (a fresh module at every call).

        Parameters
        ----------
        X : array-like [shape=(n_samples, n_features)]
            Feature vectors, e.g. frozen utterance embeddings.
        y : array-like [shape=(n_samples,) or (n_samples, n_dims)]
            Targets, one column per dimension (arousal, valence, dominance in skser).
        X_val : array-like [shape=(n_val, n_features)], optional
            An explicit validation set, used instead of a split of ``X``.
        y_val : array-like [shape=(n_val,) or (n_val, n_dims)], optional
            Its targets.

        Returns
        -------
        self : CCCLossRegressor

        Raises
        ------
        ValueError
            For NaN or inf in ``X`` or ``y``, mismatched shapes, bad
            ``dimension_weights``, an unavailable ``device``, or a loss that diverges.
        """
        hidden = self._hidden_sizes()
        device = self._torch_device()
        names_source = y
        _check_numeric_targets(y)
        X, y = validate_data(
            self, X, y, multi_output=True, y_numeric=True, dtype=[np.float64, np.float32]
        )
        self._single_output_ = y.ndim == 1
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        self.n_outputs_ = y.shape[1]
        self.target_names_ = self._names(names_source, self.n_outputs_)
        _check_learnable_targets(y, self.target_names_)
        self.dimension_weights_ = self._check_weights(self.n_outputs_)
        rng = check_random_state(self.random_state)
        split_seed, *member_seeds = (
            int(seed) for seed in rng.randint(np.iinfo(np.int32).max, size=1 + 2 * self.n_ensemble)
        )
        n_val = math.ceil(self.validation_fraction * len(y))
        if X_val is not None or y_val is not None:
            X_val, y_val = self._check_validation_set(X_val, y_val)
            X_train, y_train = X, y
        elif self.early_stopping and n_val >= 2 and len(y) - n_val >= 2:
            X_train, X_val, y_train, y_val = train_test_split(
                X, y, test_size=n_val, random_state=split_seed
            )
        else:
            X_train, y_train = X, y
        y_mean, y_scale = y_train.mean(axis=0), safe_scale(y_train.std(axis=0))
        self._fit_module(
            X_train, (y_train - y_mean) / y_scale, X_val,
            None if y_val is None else (y_val - y_mean) / y_scale,
            n_outputs=self.n_outputs_, hidden=hidden,
            device=device, seeds=list(zip(member_seeds[::2], member_seeds[1::2])),
        )
        _unstandardise_outputs(self.module_, y_mean, y_scale)
        return self

    def _weights_tensor(self, like):
        if self.dimension_weights_ is None:
            return None
        return torch.as_tensor(self.dimension_weights_, dtype=like.dtype, device=like.device)

    def _objective(self, pred, target):
        weights = self._weights_tensor(pred)
        if self.loss == "mse":
            per_dim = F.mse_loss(pred, target, reduction="none").mean(0)
            if weights is None:
                return per_dim.mean()
            return (per_dim * weights).sum() / weights.sum()
        return _ccc_loss(pred, target, weights)

    def _validation_score(self, pred, target):
        return 1.0 - float(_ccc_loss(pred.double(), target.double(), self._weights_tensor(pred)))

    # -- predict -----------------------------------------------------------------------

    def predict(self, X):
        """Predicted dimensions of each row.

        Parameters
        ----------
        X : array-like [shape=(n_samples, n_features)]

        Returns
        -------
        y_pred : np.ndarray [shape=(n_samples, n_outputs_), dtype=float64]
            Columns follow ``target_names_``; 1-D when ``y`` was 1-D in ``fit``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        # In float64: float32 matrix products round differently with the batch's size,
        # and the outputs are on the targets' scale, so a clip's prediction would depend
        # on the clips predicted with it (by more than scikit-learn's 1e-7).
        module = copy.deepcopy(self.module_).double()
        pred = predict_outputs(module, as_tensor(X, "cpu").double()).numpy()
        return pred[:, 0] if self._single_output_ else pred

    def score(self, X, y, sample_weight=None):
        """Mean concordance correlation coefficient over dimensions.

        Parameters
        ----------
        X : array-like [shape=(n_samples, n_features)]
        y : array-like [shape=(n_samples,) or (n_samples, n_outputs_)]
        sample_weight : None
            Not supported (the CCC has no sample weights); must be None.

        Returns
        -------
        score : float
            :func:`skser.metrics.concordance_correlation_coefficient` of ``predict(X)``,
            weighted by ``dimension_weights``.

        Raises
        ------
        ValueError
            If ``y`` holds text, or a missing (None, NaN) or infinite rating: the message
            names its clip (and output).
        """
        from ..metrics import concordance_correlation_coefficient

        if sample_weight is not None:
            raise ValueError("CCCLossRegressor.score takes no sample_weight")
        check_is_fitted(self)
        _check_numeric_targets(y)
        y = _check_score_targets(y)
        weights = "uniform_average" if self.dimension_weights_ is None else self.dimension_weights_
        return concordance_correlation_coefficient(y, self.predict(X), multioutput=weights)


def _unstandardise_outputs(module, mean, scale):
    """Fold ``y = z * scale + mean`` into the last Linear layer of each head of ``module``."""
    heads = module[1].heads if hasattr(module[1], "heads") else [module]
    with torch.no_grad():
        for head in heads:
            last = head[-1]
            scale_t = torch.as_tensor(scale, dtype=last.weight.dtype)
            last.weight.mul_(scale_t[:, None])
            last.bias.mul_(scale_t).add_(torch.as_tensor(mean, dtype=last.bias.dtype))


def _check_numeric_targets(y):
    """Refuse class names where ratings are expected, naming what was given."""
    values = np.asarray(getattr(y, "values", y), dtype=object).ravel()
    text = [v for v in values[:1000] if isinstance(v, str)]
    if text:
        try:
            [float(v) for v in text]
        except ValueError:
            shown = sorted(set(text))[:4]
            raise ValueError(
                f"y holds text ({', '.join(map(repr, shown))}) where CCCLossRegressor needs "
                "numbers (arousal, valence, dominance ratings): for emotion classes use "
                "FocalLossClassifier, or map the classes to ratings "
                "(skser.datasets.emotion_to_avd)") from None


def _check_score_targets(y):
    """``score``'s ``y`` as float64, refusing a missing or infinite rating by its clip."""
    values = np.asarray(getattr(y, "values", y))
    where = np.zeros(values.shape, dtype=bool)
    if values.dtype.kind == "O":
        where = np.array([v is None for v in values.ravel().tolist()]).reshape(values.shape)
        values = np.where(where, np.nan, values)
    try:
        values = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y must hold numbers (ratings), got {exc}") from None
    bad = ~np.isfinite(values)
    if bad.any():
        position = np.argwhere(bad)[0].tolist()
        clip = position[0]
        output = f", output {position[1]}" if values.ndim == 2 else ""
        value = values[tuple(position)]
        if np.isnan(value):
            what = f"a missing rating ({'None' if where[tuple(position)] else 'NaN'})"
        else:
            what = f"an infinite rating ({value})"
        raise ValueError(
            f"y holds {what} at clip {clip}{output} ({int(bad.sum())} value(s) in all): every "
            "clip needs a finite rating"
        )
    return values


def _check_learnable_targets(y, names):
    """Refuse targets no regressor can learn from: one clip, or a constant dimension."""
    if y.shape[0] < 2:
        raise ValueError(f"CCCLossRegressor needs at least 2 training clips (a concordance "
                         f"correlation needs spread), got {y.shape[0]} sample")
    constant = [f"{name!r} (always {column[0]:g})" for name, column in zip(names, y.T)
                if np.ptp(column) == 0]
    if constant:
        raise ValueError(f"y's dimension(s) {', '.join(constant)} have the same value for "
                         "every clip: there is nothing to learn and the CCC is undefined; "
                         "give varied ratings or drop the dimension")
