"""One training loop for skser's torch estimators: AdamW, warm-up cosine, early stopping.

:func:`fit_stochastic` trains the MLP heads (``FocalLossClassifier``, ``CCCLossRegressor``)
and the Wav2Small students, as scikit-learn's ``_fit_stochastic`` serves both MLP
estimators. The caller brings its module, its mini-batches (``batch(rows)``), its
objective and its validation (``validate(module)``); the loop brings the optimiser, the
learning-rate schedule, the divergence checks, the history attributes and
:class:`EarlyStopping`, so ``early_stopping``, ``n_iter_no_change`` and ``tol`` mean the
same in every estimator.
"""

import math

import numpy as np
import torch

from ._progress import progress
from ._schedule import warmup_cosine

__all__ = ["HISTORY", "EarlyStopping", "check_device", "fit_stochastic", "fork_rng_kwargs"]

HISTORY = (
    "loss_curve_", "validation_scores_", "validation_loss_curve_", "best_epoch_", "n_iter_"
)
"""The fitted attributes :func:`fit_stochastic` sets on its estimator."""


class EarlyStopping:
    """The early-stopping rule of every skser torch estimator.

    An epoch is better than the best so far when its validation score is higher by more
    than ``tol``, or at least as high with a lower validation loss (scores on small
    validation sets move in coarse steps and often tie). Training should stop after
    ``n_iter_no_change`` epochs in a row without a better one.

    Parameters
    ----------
    tol : float >= 0
        How much higher a score must be to count as better by itself.
    n_iter_no_change : int >= 1
        Patience, in epochs.

    Examples
    --------
    >>> rule = EarlyStopping(tol=0.05, n_iter_no_change=2)
    >>> [rule.update(score, loss) for score, loss in [(0.5, 1.0), (0.52, 1.1), (0.52, 0.9)]]
    [True, False, True]
    >>> rule.update(0.4, 0.5), rule.should_stop, rule.update(0.4, 0.5), rule.should_stop
    (False, False, False, True)
    """

    def __init__(self, tol, n_iter_no_change):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.best_score, self.best_loss, self.since_best = -np.inf, np.inf, 0

    def update(self, score, loss):
        """Record an epoch's validation ``score`` and ``loss``; True if it is the best."""
        if score > self.best_score + self.tol or (
            score >= self.best_score and loss < self.best_loss
        ):
            self.best_score, self.best_loss = max(score, self.best_score), loss
            self.since_best = 0
            return True
        self.since_best += 1
        return False

    @property
    def should_stop(self):
        """Whether the last ``n_iter_no_change`` epochs were none of them better."""
        return self.since_best >= self.n_iter_no_change


def fit_stochastic(estimator, module, *, n_samples, batch, objective, generator,
                   validate=None, desc="epochs", score_name="score"):
    """Train ``module`` in place on shuffled mini-batches, as ``estimator`` says.

    Each epoch shuffles the rows (``generator``) and cuts them into mini-batches of
    ``batch_size``. Each step sets AdamW's learning rate to ``learning_rate_init`` times
    :func:`warmup_cosine` (warm-up over ``warmup_fraction`` of all
    ``max_iter * ceil(n_samples / batch_size)`` steps), and a ValueError stops training
    when the loss or, after an epoch, a weight is NaN or inf. After each epoch
    ``validate`` scores the module; with ``early_stopping``, :class:`EarlyStopping`
    (``tol``, ``n_iter_no_change``) stops training and the best epoch's weights are
    restored.

    Parameters
    ----------
    estimator : BaseEstimator
        Its ``learning_rate_init``, ``weight_decay``, ``warmup_fraction``, ``max_iter``,
        ``batch_size``, ``early_stopping``, ``n_iter_no_change``, ``tol`` and ``verbose``
        drive the loop, which sets its :data:`HISTORY` attributes: ``loss_curve_`` (mean
        training loss per epoch), ``validation_scores_`` and ``validation_loss_curve_``
        (None without ``validate``), ``best_epoch_`` (the epoch whose weights the module
        holds) and ``n_iter_`` (epochs run).
    module : torch.nn.Module
        Already on its device.
    n_samples : int
        Number of training rows.
    batch : callable
        ``batch(rows)`` gives ``(inputs, target)`` for ``rows`` (a CPU int64 tensor of
        row indices): ``module(*inputs)`` are the outputs ``objective`` compares with
        ``target``. It may return None to skip those rows for this epoch.
    objective : callable
        ``objective(outputs, target)``: the scalar loss tensor to minimise.
    generator : torch.Generator
        Shuffles the rows.
    validate : callable, optional
        ``validate(module)`` gives the ``(score, loss)`` of the validation set (a higher
        score is better); None trains ``max_iter`` epochs without validation.
    desc, score_name : str
        Labels of the progress bar and of the score in it.

    Returns
    -------
    module : torch.nn.Module
        The same module, trained.
    """
    rate = estimator.learning_rate_init
    optimizer = torch.optim.AdamW(module.parameters(), lr=rate,
                                  weight_decay=estimator.weight_decay)
    batch_size = min(estimator.batch_size, n_samples)
    total_steps = math.ceil(n_samples / batch_size) * estimator.max_iter
    warmup_steps = round(estimator.warmup_fraction * total_steps)
    monitor = validate is not None
    stop_early = monitor and estimator.early_stopping
    rule = EarlyStopping(estimator.tol, estimator.n_iter_no_change)
    history = {"loss_curve_": [], "validation_scores_": [] if monitor else None,
               "validation_loss_curve_": [] if monitor else None, "best_epoch_": 0}
    best_state, step, n_iter = None, 0, 0
    epochs = progress(range(estimator.max_iter), verbose=estimator.verbose, desc=desc,
                      unit="epoch")
    for epoch in epochs:
        module.train()
        order = torch.randperm(n_samples, generator=generator)
        total, seen = 0.0, 0
        for start in range(0, n_samples, batch_size):
            rows = order[start : start + batch_size]
            data = batch(rows)
            if data is None:
                continue
            inputs, target = data
            factor = warmup_cosine(step, total_steps=total_steps, warmup_steps=warmup_steps)
            for group in optimizer.param_groups:
                group["lr"] = rate * factor
            loss = objective(module(*inputs), target)
            value = loss.item()
            if not math.isfinite(value):
                _diverged(f"the training loss became {value}", epoch, step, rate)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += value * rows.numel()
            seen += rows.numel()
            step += 1
        if not _finite_weights(module):
            _diverged("the weights became non-finite", epoch, step - 1, rate)
        history["loss_curve_"].append(total / seen)
        n_iter = epoch + 1
        postfix = {"loss": f"{total / seen:.4f}"}
        if monitor:
            score, val_loss = validate(module)
            score, val_loss = float(score), float(val_loss)
            history["validation_scores_"].append(score)
            history["validation_loss_curve_"].append(val_loss)
            postfix.update({"val_loss": f"{val_loss:.4f}", score_name: f"{score:.3f}"})
            if rule.update(score, val_loss) and stop_early:
                best_state, history["best_epoch_"] = _copy_state(module), n_iter
        if hasattr(epochs, "set_postfix"):
            epochs.set_postfix(postfix)
        if stop_early and rule.should_stop:
            break
    if best_state is not None:
        module.load_state_dict(best_state)
    else:
        history["best_epoch_"] = n_iter
    for name, value in history.items():
        setattr(estimator, name, value)
    estimator.n_iter_ = n_iter
    return module


def _diverged(what, epoch, step, rate):
    raise ValueError(
        f"{what} at epoch {epoch + 1}, step {step + 1}; try a lower learning_rate_init "
        f"(now {rate})"
    )


def _finite_weights(module):
    """Whether every parameter and floating-point buffer of ``module`` is finite."""
    tensors = [*module.parameters(), *module.buffers()]
    return all(torch.isfinite(t).all() for t in tensors if t.is_floating_point())


def _copy_state(module):
    return {name: value.detach().clone() for name, value in module.state_dict().items()}


def check_device(device):
    """``device`` as a ``torch.device``; a ValueError where torch cannot use it.

    Parameters
    ----------
    device : str or torch.device
        Anything ``torch.device`` accepts (``"cpu"``, ``"cuda:1"``, ``"mps"``).

    Returns
    -------
    device : torch.device
    """
    try:
        checked = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as error:
        raise ValueError(f"device {device!r} is not a torch device: {error}") from None
    if checked.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r} was requested but CUDA is not available; use device='cpu'"
        )
    if checked.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r} was requested but MPS is not available")
    return checked


def fork_rng_kwargs(device):
    """Arguments of ``torch.random.fork_rng`` that fork the generators ``device`` uses."""
    if device.type == "cpu":
        return {"devices": []}
    index = device.index
    if index is None:
        index = getattr(torch, device.type).current_device()
    return {"devices": [index], "device_type": device.type}
