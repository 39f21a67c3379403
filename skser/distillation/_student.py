"""Wav2Small students: tiny waveform networks as sklearn classifiers and regressors."""

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..io import SAMPLE_RATE, clip_lengths
from ..utils import (
    Interval,
    KnownLabelsScoreMixin,
    StrOptions,
    TorchStateMixin,
    check_device,
    check_params,
    fit_context,
    fit_stochastic,
    fork_rng_kwargs,
    validate_waveforms,
)
from ._losses import soft_cross_entropy, soften
from ._module import LogMelFrontEnd, Wav2SmallModule, Wav2SmallNetwork

__all__ = ["Wav2SmallClassifier", "Wav2SmallRegressor", "Wav2SmallStudent"]

_PREDICT_BATCH = 32


class Wav2SmallStudent(TorchStateMixin, BaseEstimator):
    """Base of the Wav2Small students: a tiny network trained end to end on waveforms.

    The architecture follows Wav2Small (audeering's 72K-parameter student of a wav2vec
    2.0 teacher for arousal, dominance and valence). Each clip is normalized to zero
    mean and unit variance over its true samples. Power spectra of ``n_fft``-sample
    frames every ``hop_length`` samples come from a frozen convolution with the DFT
    basis. ``n_mels`` log-mel bands feed ``n_layers`` blocks of
    ``Conv2d(3x3, n_channels) -> BatchNorm -> ReLU``, with one max pooling of
    ``pool_size`` (time, mel) after block ``pool_after`` (0: on the log-mel, before the
    first block). Attention pooling over the clip's **true** frames is concatenated with
    the channels' Gram matrix, and a linear layer gives the outputs. Frames past a clip's
    end are zeroed after every block, so appending zeros to a clip leaves its outputs
    unchanged.

    Use :class:`Wav2SmallClassifier` (categories) or :class:`Wav2SmallRegressor`
    (dimensions such as arousal, valence, dominance); :func:`skser.distillation.distill`
    trains either one on a teacher's outputs.

    **Defaults.** 7 blocks of 13 channels over 26 log-mel bands of 64-sample frames
    (4 ms) every 32 samples (2 ms), as in Wav2Small, give 11K parameters. The one max
    pooling takes 8 frames by 2 bands, on the log-mel (``pool_after=0``): the
    convolutions run on 16 ms frames of 13 bands, and an 8 s clip costs 80.3M
    multiply-accumulates (16.9M of them in the STFT). A 4x2 pooling would double the
    convolutions' share. ``benchmarks/bench_distillation.py`` prints the count and the
    latency on one thread.
    Training takes random crops of ``crop_duration`` seconds, drawn anew at each
    epoch; prediction sees whole clips.
    """

    _parameter_constraints: dict = {
        "n_fft": [Interval(Integral, 4, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
        "n_mels": [Interval(Integral, 2, None, closed="left")],
        "n_channels": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "pool_after": [Interval(Integral, 0, None, closed="left")],
        "pool_size": [tuple, list],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "warmup_fraction": [Interval(Real, 0, 1, closed="both")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "crop_duration": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_fft=64,
        hop_length=32,
        n_mels=26,
        n_channels=13,
        n_layers=7,
        pool_after=0,
        pool_size=(8, 2),
        dropout=0.1,
        learning_rate_init=3e-3,
        weight_decay=0.01,
        warmup_fraction=0.05,
        max_iter=30,
        batch_size=32,
        crop_duration=2.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=6,
        tol=0.0,
        random_state=None,
        device="cpu",
        verbose=False,
    ):
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.n_channels = n_channels
        self.n_layers = n_layers
        self.pool_after = pool_after
        self.pool_size = pool_size
        self.dropout = dropout
        self.learning_rate_init = learning_rate_init
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.crop_duration = crop_duration
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    _score_name = "val_score"

    # -- what subclasses define ---------------------------------------------------------

    def _n_outputs(self):
        raise NotImplementedError

    # -- checks -------------------------------------------------------------------------

    def _check_params(self):
        check_params(self)
        pool = self.pool_size
        if len(pool) != 2 or not all(isinstance(p, Integral) and p >= 1 for p in pool):
            raise ValueError(f"pool_size must be two positive integers (time, mel), got {pool!r}")
        if self.pool_after > self.n_layers:
            raise ValueError(
                f"pool_after={self.pool_after} must be at most n_layers={self.n_layers}"
            )
        if self.n_mels // pool[1] < 1:
            raise ValueError(f"n_mels={self.n_mels} is fewer bands than pool_size[1]={pool[1]}")
        if self.hop_length > self.n_fft:
            raise ValueError(f"hop_length={self.hop_length} must not exceed n_fft={self.n_fft}")
        return check_device(self.device)

    @property
    def min_samples(self):
        """Shortest clip the network takes whole; shorter ones are padded with zeros."""
        return int(self.n_fft + self.hop_length * (int(self.pool_size[0]) - 1))

    def _module_config(self, module):
        return module.get_config()

    def _module_from_config(self, config):
        return Wav2SmallModule.from_config(config)

    def _build_module(self, n_outputs):
        front_end = LogMelFrontEnd(self.n_fft, self.hop_length, self.n_mels)
        network = Wav2SmallNetwork(
            n_mels=self.n_mels, n_outputs=n_outputs, n_channels=self.n_channels,
            n_layers=self.n_layers, pool_after=self.pool_after, pool_size=self.pool_size,
            dropout=self.dropout,
        )
        return Wav2SmallModule(front_end, network)

    # -- training -----------------------------------------------------------------------

    def _train(self, X, targets, objective, X_val=None, measure=None):
        """Fit a fresh module on clips ``X`` and ``targets`` (a tensor, one row per clip).

        ``objective(outputs, target)`` is the training loss of a mini-batch. With
        ``X_val``, ``measure(outputs)`` gives the ``(score, loss)`` of the module's outputs
        on it after each epoch (a higher score is better), for :func:`fit_stochastic`'s
        early stopping.
        """
        device = self._check_params()
        if X.shape[0] < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 training clips "
                             f"(BatchNorm), got n_samples={X.shape[0]}")
        rng = check_random_state(self.random_state)
        torch_seed, shuffle_seed, crop_seed = (
            int(s) for s in rng.randint(np.iinfo(np.int32).max, size=3)
        )
        lengths = clip_lengths(X)
        crops = np.random.default_rng(crop_seed)

        def batch(rows):
            rows = rows.numpy()
            if rows.size == 1:  # BatchNorm needs two; the clip waits an epoch
                return None
            waveforms, batch_lengths = self._crop_batch(X, lengths, rows, crops)
            return (waveforms.to(device), batch_lengths.to(device)), targets[rows].to(device)

        validate = None
        if X_val is not None:
            def validate(module):
                return measure(self._predict_outputs(module, X_val))

        with torch.random.fork_rng(**fork_rng_kwargs(device)):
            torch.manual_seed(torch_seed)
            module = self._build_module(targets.shape[1] if targets.ndim > 1 else 1).to(device)
            generator = torch.Generator().manual_seed(shuffle_seed)
            fit_stochastic(
                self, module, n_samples=X.shape[0], batch=batch, objective=objective,
                generator=generator, validate=validate, desc=type(self).__name__,
                score_name=self._score_name,
            )
        self.module_ = module.cpu().eval()
        self.n_parameters_ = int(sum(p.numel() for p in module.parameters()))
        return self

    def _crop_batch(self, X, lengths, rows, rng):
        """Random crops of ``crop_duration`` seconds of the rows (whole when shorter)."""
        size = None if self.crop_duration is None else round(self.crop_duration * SAMPLE_RATE)
        size = None if size is None else max(size, self.min_samples)
        clip_lengths_ = lengths[rows]
        kept = clip_lengths_ if size is None else np.minimum(clip_lengths_, size)
        kept = np.maximum(kept, 1)
        width = max(int(kept.max()), self.min_samples)
        batch = np.zeros((rows.size, width), dtype=np.float32)
        for index, (row, length, keep) in enumerate(zip(rows, clip_lengths_, kept)):
            start = int(rng.integers(0, length - keep + 1)) if length > keep else 0
            batch[index, :keep] = X[row, start : start + keep]
        true = np.maximum(kept, self.min_samples)
        return torch.from_numpy(batch), torch.from_numpy(true.astype(np.int64))

    # -- prediction ---------------------------------------------------------------------

    def _predict_outputs(self, module, X):
        """Raw network outputs for whole clips, in length-sorted batches."""
        lengths = np.maximum(clip_lengths(X), self.min_samples)
        order = np.argsort(lengths, kind="stable")
        device = next(module.parameters()).device
        outputs = None
        was_training = module.training
        module.eval()
        with torch.inference_mode():
            for start in range(0, order.size, _PREDICT_BATCH):
                rows = order[start : start + _PREDICT_BATCH]
                width = int(lengths[rows].max())
                batch = np.zeros((rows.size, width), dtype=np.float32)
                kept = min(width, X.shape[1])
                batch[:, :kept] = X[rows, :kept]
                result = module(torch.from_numpy(batch).to(device),
                                torch.from_numpy(lengths[rows]).to(device)).cpu().double()
                if outputs is None:
                    outputs = torch.empty((X.shape[0], result.shape[1]), dtype=torch.float64)
                outputs[torch.from_numpy(rows)] = result
        module.train(was_training)
        return outputs

    def _outputs(self, X):
        check_is_fitted(self)
        X = validate_waveforms(self, X, reset=False)
        outputs = self._predict_outputs(self.module_, X)
        if not torch.isfinite(outputs).all():
            bad = int(torch.nonzero(~torch.isfinite(outputs).all(dim=1))[0, 0])
            raise FloatingPointError(f"the student gave NaN or inf for clip {bad}")
        return outputs

    def _validation_split(self, X, y, stratify):
        """An internal validation split, or None where one is not possible or wanted."""
        if not self.early_stopping:
            return None
        n_val = math.ceil(self.validation_fraction * len(X))
        if stratify is not None:
            counts = np.unique(stratify, return_counts=True)[1]
            n_classes = counts.size
            if counts.min() < 2 or not n_classes <= n_val <= len(X) - n_classes:
                return None
        elif not 1 <= n_val < len(X):
            return None
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return train_test_split(np.arange(len(X)), test_size=self.validation_fraction,
                                stratify=stratify, random_state=seed)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _poor_on_toy_data(tags, kind):
    # sklearn's toy "waveforms" of a few dozen samples are blobs: per-clip normalization
    # and a log-mel of one or two frames discard what separates them.
    getattr(tags, f"{kind}_tags").poor_score = True
    return tags


class Wav2SmallClassifier(KnownLabelsScoreMixin, ClassifierMixin, Wav2SmallStudent):
    """A Wav2Small student for categories: waveforms in, class probabilities out.

    Read more in the :ref:`User Guide <distillation>`.

    See :class:`Wav2SmallStudent` for the architecture and the parameters they share.
    ``fit(X, y)`` trains on hard labels with cross-entropy;
    :func:`skser.distillation.distill` trains it on a teacher's probabilities.
    Early stopping watches the unweighted accuracy (UA) of ``X_val``, ``y_val`` (or of a
    stratified ``validation_fraction`` when none is given) and restores the best epoch.

    Parameters
    ----------
    label_smoothing : float in [0, 1), default=0.0
        Label smoothing of the hard-label cross-entropy.
    n_fft, hop_length, n_mels, n_channels, n_layers, pool_after, pool_size, dropout, \
learning_rate_init, weight_decay, warmup_fraction, max_iter, batch_size, crop_duration, \
early_stopping, validation_fraction, n_iter_no_change, tol, random_state, device, verbose
        Those of :class:`Wav2SmallStudent`: ``n_fft=64``, ``hop_length=32``,
        ``n_mels=26``, ``n_channels=13``, ``n_layers=7``, ``pool_after=0``,
        ``pool_size=(8, 2)``, ``dropout=0.1``, ``learning_rate_init=3e-3``,
        ``weight_decay=0.01``, ``warmup_fraction=0.05``, ``max_iter=30``,
        ``batch_size=32`` (at least 2: BatchNorm), ``crop_duration=2.0`` (seconds; None
        trains on whole clips), ``early_stopping=True``, ``validation_fraction=0.1``,
        ``n_iter_no_change=6``, ``tol=0.0``, ``random_state``, ``device="cpu"``,
        ``verbose=False``. ``early_stopping``, ``n_iter_no_change`` and ``tol`` mean what
        they mean in :class:`skser.classification.FocalLossClassifier` (one training
        loop serves both): an epoch is better when its validation score is higher by
        more than ``tol``, or as high with a lower validation loss.

    Attributes
    ----------
    classes_ : np.ndarray [shape=(n_classes,)]
    module_ : Wav2SmallModule
        ``module_(waveforms, lengths)`` gives logits; on the CPU, in eval mode.
    n_parameters_ : int
        Trainable parameters (the frozen STFT and mel bases are not counted).
    loss_curve_, validation_scores_, validation_loss_curve_, best_epoch_, n_iter_
        Training history, as :class:`skser.classification.FocalLossClassifier` has: the
        validation score is the UA of ``X_val`` (agreement with the teacher under
        :func:`skser.distillation.distill`), the validation loss the training objective
        on it (the distillation loss, without hard labels, under ``distill``).

    Examples
    --------
    >>> from skser.datasets import make_emotional_speech
    >>> X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=3, random_state=0)
    >>> student = Wav2SmallClassifier(max_iter=2, random_state=0).fit(X, y)
    >>> student.predict_proba(X[:2]).shape, student.n_parameters_ < 75_000
    ((2, 4), True)
    """

    _parameter_constraints: dict = {
        **Wav2SmallStudent._parameter_constraints,
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        *,
        label_smoothing=0.0,
        n_fft=64,
        hop_length=32,
        n_mels=26,
        n_channels=13,
        n_layers=7,
        pool_after=0,
        pool_size=(8, 2),
        dropout=0.1,
        learning_rate_init=3e-3,
        weight_decay=0.01,
        warmup_fraction=0.05,
        max_iter=30,
        batch_size=32,
        crop_duration=2.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=6,
        tol=0.0,
        random_state=None,
        device="cpu",
        verbose=False,
    ):
        super().__init__(
            n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, n_channels=n_channels,
            n_layers=n_layers, pool_after=pool_after, pool_size=pool_size, dropout=dropout,
            learning_rate_init=learning_rate_init, weight_decay=weight_decay,
            warmup_fraction=warmup_fraction, max_iter=max_iter, batch_size=batch_size,
            crop_duration=crop_duration, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change,
            tol=tol, random_state=random_state, device=device, verbose=verbose,
        )
        self.label_smoothing = label_smoothing

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, X_val=None, y_val=None):
        """Train on hard labels (a fresh network at every call).

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
        y : array-like [shape=(n_clips,)]
        X_val, y_val : optional
            A validation set (e.g. other speakers) for early stopping on UA.

        Returns
        -------
        self : Wav2SmallClassifier
        """
        X = validate_waveforms(self, X, reset=True)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target "
                             "y is None")
        y = column_or_1d(y, warn=True)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y must hold one label per clip ({X.shape[0]}), got {y.shape[0]}")
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(f"{type(self).__name__} needs at least two classes in y, got "
                             f"one class: {self.classes_.tolist()}")
        X, encoded, X_val, val_encoded = self._hard_validation(X, encoded, X_val, y_val)
        smoothing = self.label_smoothing

        def loss(logits, target):
            return torch.nn.functional.cross_entropy(logits, target, label_smoothing=smoothing)

        def measure(outputs):
            return _ua_score(outputs, val_encoded), loss(outputs, torch.as_tensor(val_encoded))

        return self._train(X, torch.as_tensor(encoded), loss, X_val, measure)

    def _hard_validation(self, X, encoded, X_val, y_val):
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        if X_val is not None:
            X_val = validate_waveforms(self, X_val, reset=False)
            y_val = np.asarray(y_val)
            if y_val.shape != (X_val.shape[0],):
                raise ValueError(f"y_val must hold one label per clip of X_val "
                                 f"({X_val.shape[0]}), got shape {y_val.shape}")
            unknown = np.setdiff1d(y_val, self.classes_)
            if unknown.size:
                raise ValueError(f"y_val has labels not seen in y: {unknown.tolist()}")
            return X, encoded, X_val, np.searchsorted(self.classes_, y_val)
        split = self._validation_split(X, encoded, stratify=encoded)
        if split is None:
            return X, encoded, None, None
        train, val = split
        return X[train], encoded[train], X[val], encoded[val]

    def _fit_soft(self, X, soft_targets, classes, *, temperature, hard=None,
                  hard_label_weight=0.0, X_val=None, teacher_val=None):
        """Train on a teacher's (softened) probabilities; early stopping on agreement."""
        self.classes_ = np.asarray(classes)
        targets = torch.as_tensor(np.asarray(soft_targets, dtype=np.float32))
        if hard is not None:
            targets = torch.cat([targets, torch.as_tensor(hard, dtype=torch.float32)[:, None]], 1)
        n_classes = self.classes_.size
        smoothing = self.label_smoothing

        def loss(logits, target):
            value = soft_cross_entropy(logits, target[:, :n_classes], temperature)
            if hard is None or hard_label_weight == 0:
                return value
            labels = target[:, n_classes].long()
            known = labels >= 0
            if not known.any():
                return (1 - hard_label_weight) * value
            hard_loss = torch.nn.functional.cross_entropy(
                logits[known], labels[known], label_smoothing=smoothing
            )
            return (1 - hard_label_weight) * value + hard_label_weight * hard_loss

        measure = None
        if teacher_val is not None:
            teacher_val = torch.as_tensor(np.asarray(teacher_val, dtype=np.float64))
            reference, soft_val = teacher_val.argmax(1), soften(teacher_val, temperature)

            def measure(outputs):
                # Top-1 agreement with the teacher; the loss is the distillation loss.
                agreement = float((outputs.argmax(1) == reference).double().mean())
                return agreement, soft_cross_entropy(outputs, soft_val, temperature)

        return self._train(X, targets, loss, X_val, measure)

    def _build_module(self, n_outputs):
        return super()._build_module(self.classes_.size)

    def __sklearn_tags__(self):
        return _poor_on_toy_data(super().__sklearn_tags__(), "classifier")

    def predict_proba(self, X):
        """Class probabilities of each clip.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays

        Returns
        -------
        proba : np.ndarray [shape=(n_clips, n_classes), dtype=float64]
        """
        return torch.softmax(self._outputs(X), dim=1).numpy()

    def predict(self, X):
        """The most probable class of each clip.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays

        Returns
        -------
        y_pred : np.ndarray [shape=(n_clips,)]
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class Wav2SmallRegressor(RegressorMixin, Wav2SmallStudent):
    """A Wav2Small student for dimensions: waveforms in, e.g. arousal/valence/dominance out.

    Read more in the :ref:`User Guide <distillation>`.

    See :class:`Wav2SmallStudent` for the architecture and the parameters they share.
    Targets are standardised inside (the fitted network predicts them back in their own
    units), so every dimension weighs the same in the loss. Early stopping watches the
    mean concordance correlation coefficient (CCC) over dimensions of ``X_val``, ``y_val``
    (or of a ``validation_fraction``).

    Parameters
    ----------
    loss : {"mse", "ccc"}, default="mse"
        The training loss on the standardised targets: the mean squared error, or the
        mean ``1 - CCC`` over dimensions of each batch
        (:func:`skser.regression.ccc_loss`), the measure dimensional SER is scored by.
    n_fft, hop_length, n_mels, n_channels, n_layers, pool_after, pool_size, dropout, \
learning_rate_init, weight_decay, warmup_fraction, max_iter, batch_size, crop_duration, \
early_stopping, validation_fraction, n_iter_no_change, tol, random_state, device, verbose
        Those of :class:`Wav2SmallStudent` (defaults listed in :class:`Wav2SmallClassifier`).

    Attributes
    ----------
    module_ : Wav2SmallModule
        ``module_(waveforms, lengths)`` gives ``(n, n_outputs)`` values in ``y``'s units.
    n_outputs_ : int
        Dimensions of ``y`` (``predict`` returns 1-D when ``y`` was 1-D).
    n_parameters_ : int
    loss_curve_, validation_scores_, validation_loss_curve_, best_epoch_, n_iter_
        Training history, as :class:`skser.classification.FocalLossClassifier` has: the
        validation score is the mean CCC, the validation loss ``loss`` (both on
        standardised values).

    Examples
    --------
    >>> import numpy as np
    >>> from skser.datasets import make_emotional_speech
    >>> X, labels, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=3,
    ...                                      random_state=0)
    >>> y = np.column_stack([labels == "ang", labels == "sad"]).astype(float)
    >>> student = Wav2SmallRegressor(max_iter=2, random_state=0).fit(X, y)
    >>> student.predict(X[:3]).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        **Wav2SmallStudent._parameter_constraints,
        "loss": [StrOptions({"mse", "ccc"})],
    }

    def __init__(
        self,
        *,
        loss="mse",
        n_fft=64,
        hop_length=32,
        n_mels=26,
        n_channels=13,
        n_layers=7,
        pool_after=0,
        pool_size=(8, 2),
        dropout=0.1,
        learning_rate_init=3e-3,
        weight_decay=0.01,
        warmup_fraction=0.05,
        max_iter=30,
        batch_size=32,
        crop_duration=2.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=6,
        tol=0.0,
        random_state=None,
        device="cpu",
        verbose=False,
    ):
        super().__init__(
            n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, n_channels=n_channels,
            n_layers=n_layers, pool_after=pool_after, pool_size=pool_size, dropout=dropout,
            learning_rate_init=learning_rate_init, weight_decay=weight_decay,
            warmup_fraction=warmup_fraction, max_iter=max_iter, batch_size=batch_size,
            crop_duration=crop_duration, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change,
            tol=tol, random_state=random_state, device=device, verbose=verbose,
        )
        self.loss = loss

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, X_val=None, y_val=None):
        """Train on targets ``y`` (a fresh network at every call).

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
        y : array-like [shape=(n_clips,) or (n_clips, n_outputs)]
        X_val, y_val : optional
            A validation set (e.g. other speakers) for early stopping on mean CCC.

        Returns
        -------
        self : Wav2SmallRegressor
        """
        X = validate_waveforms(self, X, reset=True)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target "
                             "y is None")
        y = self._check_targets(y, X.shape[0], "y")
        self._one_dimensional = np.ndim(y) == 1
        y = y.reshape(len(y), -1)
        self.n_outputs_ = y.shape[1]
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        if X_val is not None:
            X_val = validate_waveforms(self, X_val, reset=False)
            y_val = self._check_targets(y_val, X_val.shape[0], "y_val").reshape(len(X_val), -1)
            if y_val.shape[1] != self.n_outputs_:
                raise ValueError(f"y_val has {y_val.shape[1]} outputs, y has {self.n_outputs_}")
        else:
            split = self._validation_split(X, y, stratify=None)
            if split is not None:
                train, val = split
                X, y, X_val, y_val = X[train], y[train], X[val], y[val]
        return self._fit_values(X, y, X_val, y_val)

    @staticmethod
    def _check_targets(y, n, name):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim not in (1, 2) or y.shape[0] != n:
            raise ValueError(f"{name} must be (n_clips,) or (n_clips, n_outputs) with {n} "
                             f"rows, got shape {y.shape}")
        if not np.isfinite(y).all():
            raise ValueError(f"{name} holds NaN or inf")
        return y

    def _fit_values(self, X, y, X_val=None, y_val=None):
        """Train on values ``y`` (n, n_outputs), validating on mean CCC of ``X_val``."""
        self.n_outputs_ = y.shape[1]
        self.y_mean_ = y.mean(axis=0)
        scale = y.std(axis=0)
        self.y_scale_ = np.where(scale > 0, scale, 1.0)
        targets = torch.as_tensor((y - self.y_mean_) / self.y_scale_, dtype=torch.float32)

        if self.loss == "ccc":
            from ..regression import ccc_loss as loss
        else:
            loss = torch.nn.functional.mse_loss

        # The network's outputs are in y's units; train and validate on standardised ones.
        def objective(outputs, target):
            return loss(self._standardise(outputs), target)

        measure = None
        if y_val is not None:
            reference = (y_val - self.y_mean_) / self.y_scale_

            # The CCC needs two clips: one validation clip is measured by its squared error.
            val_loss = loss if len(reference) > 1 else torch.nn.functional.mse_loss

            def measure(outputs):
                outputs = self._standardise(outputs)
                return _mean_ccc(outputs, reference), val_loss(outputs, torch.as_tensor(reference))

        return self._train(X, targets, objective, X_val, measure)

    def _build_module(self, n_outputs):
        module = super()._build_module(self.n_outputs_)
        module.network.set_output_scale(self.y_mean_, self.y_scale_)
        return module

    def _standardise(self, outputs):
        mean = torch.as_tensor(self.y_mean_, dtype=outputs.dtype, device=outputs.device)
        scale = torch.as_tensor(self.y_scale_, dtype=outputs.dtype, device=outputs.device)
        return (outputs - mean) / scale

    def __sklearn_tags__(self):
        tags = _poor_on_toy_data(super().__sklearn_tags__(), "regressor")
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """The predicted values of each clip.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays

        Returns
        -------
        y_pred : np.ndarray [shape=(n_clips, n_outputs) or (n_clips,)]
        """
        values = self._outputs(X).numpy()
        return values[:, 0] if self._one_dimensional else values


def _ua_score(outputs, labels):
    """Unweighted accuracy (mean per-class recall) of logits against integer labels."""
    predicted = outputs.argmax(1).numpy()
    return float(np.mean([(predicted[labels == c] == c).mean() for c in np.unique(labels)]))


def _mean_ccc(outputs, reference):
    """Mean CCC over the columns that vary (minus the MSE where none does)."""
    from ..metrics import concordance_correlation_coefficient

    outputs = outputs.numpy()
    reference = np.asarray(reference).reshape(outputs.shape)
    varying = np.ptp(reference, axis=0) > 0
    if reference.shape[0] < 2 or not varying.any():
        return -float(np.mean((outputs - reference) ** 2))
    return float(concordance_correlation_coefficient(reference[:, varying], outputs[:, varying]))
