"""What skser's torch MLP heads share: checks, seeding, the training loop with early stopping.

:class:`TorchHeadMixin` is the machinery of ``FocalLossClassifier`` and
``CCCLossRegressor``: a subclass supplies its loss (``_objective``), its validation score
(``_validation_score``, higher is better) and the dtype of its targets; the mixin builds the
standardising MLP (:func:`make_mlp_head`), trains it with AdamW on shuffled mini-batches
under the :func:`warmup_cosine` schedule, stops early on the validation score and restores
the best epoch.
"""

import math
from numbers import Integral

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ._mlp_head import average_mlp_heads, make_mlp_head
from ._progress import progress
from ._schedule import warmup_cosine

__all__ = ["TorchHeadMixin", "as_tensor", "predict_outputs"]

_PREDICT_BATCH = 4096
_HISTORY = (
    "loss_curve_", "validation_scores_", "validation_loss_curve_", "best_epoch_", "n_iter_"
)


class TorchHeadMixin:
    """Shared machinery of the torch MLP heads (see the module docstring).

    Needs the attributes ``hidden_layer_sizes``, ``dropout``, ``learning_rate_init``,
    ``weight_decay``, ``warmup_fraction``, ``max_iter``, ``batch_size``,
    ``early_stopping``, ``n_iter_no_change``, ``tol``, ``device`` and ``verbose``, and the
    methods ``_objective(outputs, target)`` (a scalar loss tensor) and
    ``_validation_score(outputs, target)`` (a float, higher is better). ``_target_dtype``
    is the torch dtype of the targets, ``_score_name`` labels the progress bar, and
    ``_average`` says how several heads are averaged (see :func:`average_mlp_heads`).
    """

    _target_dtype = torch.float32
    _score_name = "score"
    _average = "outputs"

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        for size in sizes:
            if not isinstance(size, Integral) or isinstance(size, bool) or size < 1:
                raise ValueError(
                    "hidden_layer_sizes must hold positive integers, got "
                    f"{self.hidden_layer_sizes!r}"
                )
        return [int(size) for size in sizes]

    def _torch_device(self):
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError, ValueError) as error:
            raise ValueError(f"device {self.device!r} is not a torch device: {error}") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device {self.device!r} was requested but CUDA is not available; use device='cpu'"
            )
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError(f"device {self.device!r} was requested but MPS is not available")
        return device

    def _fit_module(self, X, y, X_val, y_val, *, n_outputs, hidden, device, seeds):
        """Build, train and store ``module_`` (CPU, eval mode).

        ``seeds`` is a list of ``(torch, shuffle)`` seed pairs: one head is trained per
        pair (each early-stopping on its own) and, with several, ``module_`` averages
        them as ``_average`` says (outputs, or class probabilities). The training
        attributes (``loss_curve_``, ``best_epoch_``...) are the first head's;
        ``ensemble_history_`` holds every head's, as one dict per head.
        """
        scaler = StandardScaler().fit(X)
        modules, history = [], []
        # One OpenMP thread while training (scoped to this thread, restored after): with
        # batches of 16 through a small head, thread synchronisation costs more than it
        # saves, ten times more on a busy machine.
        with (
            threadpool_limits(limits=1, user_api="openmp"),
            torch.random.fork_rng(**_fork_kwargs(device)),
        ):
            for torch_seed, shuffle_seed in seeds:
                torch.manual_seed(torch_seed)
                module = make_mlp_head(
                    mean=scaler.mean_,
                    scale=scaler.scale_,
                    hidden_layer_sizes=hidden,
                    n_outputs=n_outputs,
                    dropout=self.dropout,
                )
                generator = torch.Generator().manual_seed(shuffle_seed)
                self._train(module, X, y, X_val, y_val, device, generator)
                modules.append(module.cpu().eval())
                history.append({name: getattr(self, name) for name in _HISTORY})
        for name in _HISTORY:
            setattr(self, name, history[0][name])
        self.ensemble_history_ = history
        self.module_ = average_mlp_heads(modules, average=self._average).eval()

    def _train(self, module, X, y, X_val, y_val, device, generator):
        module.to(device)
        X = as_tensor(X, device)
        y = torch.as_tensor(y, dtype=self._target_dtype, device=device)
        monitor = X_val is not None
        if monitor:
            X_val = as_tensor(X_val, device, "X_val")
            y_val = torch.as_tensor(y_val, dtype=self._target_dtype, device=device)
        optimizer = torch.optim.AdamW(
            module.parameters(), lr=self.learning_rate_init, weight_decay=self.weight_decay
        )
        n_samples = X.shape[0]
        batch_size = min(self.batch_size, n_samples)
        steps_per_epoch = math.ceil(n_samples / batch_size)
        total_steps = steps_per_epoch * self.max_iter
        warmup_steps = round(self.warmup_fraction * total_steps)
        stop_early = monitor and self.early_stopping

        self.loss_curve_ = []
        self.validation_scores_ = [] if monitor else None
        self.validation_loss_curve_ = [] if monitor else None
        best_score, best_loss, best_state, since_best = -np.inf, np.inf, None, 0
        self.best_epoch_ = self.n_iter_ = 0
        step = 0
        epochs = progress(range(self.max_iter), verbose=self.verbose, desc="epochs", unit="epoch")
        for epoch in epochs:
            module.train()
            order = torch.randperm(n_samples, generator=generator).to(device)
            epoch_loss = 0.0
            for start in range(0, n_samples, batch_size):
                index = order[start : start + batch_size]
                factor = warmup_cosine(step, total_steps=total_steps, warmup_steps=warmup_steps)
                for group in optimizer.param_groups:
                    group["lr"] = self.learning_rate_init * factor
                loss = self._objective(module(X[index]), y[index])
                value = loss.item()
                if not math.isfinite(value):
                    self._diverged(f"the training loss became {value}", epoch, step)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                epoch_loss += value * index.numel()
                step += 1
            if not all(torch.isfinite(p).all() for p in module.parameters()):
                self._diverged("the weights became non-finite", epoch, step - 1)
            self.loss_curve_.append(epoch_loss / n_samples)
            self.n_iter_ = epoch + 1
            postfix = {"loss": f"{self.loss_curve_[-1]:.4f}"}
            if monitor:
                outputs = predict_outputs(module, X_val)
                score = self._validation_score(outputs, y_val)
                val_loss = self._objective(outputs, y_val).item()
                self.validation_scores_.append(score)
                self.validation_loss_curve_.append(val_loss)
                postfix.update({"val_loss": f"{val_loss:.4f}", self._score_name: f"{score:.3f}"})
                # Better: a higher score (by more than tol), or as high a score, lower loss.
                if score > best_score + self.tol or (score >= best_score and val_loss < best_loss):
                    best_score, best_loss, since_best = max(score, best_score), val_loss, 0
                    if stop_early:
                        best_state = _copy_state(module)
                        self.best_epoch_ = self.n_iter_
                else:
                    since_best += 1
            if hasattr(epochs, "set_postfix"):
                epochs.set_postfix(postfix)
            if stop_early and since_best >= self.n_iter_no_change:
                break
        if best_state is not None:
            module.load_state_dict(best_state)
        else:
            self.best_epoch_ = self.n_iter_

    def _diverged(self, what, epoch, step):
        raise ValueError(
            f"{what} at epoch {epoch + 1}, step {step + 1}; try a lower "
            f"learning_rate_init (now {self.learning_rate_init})"
        )


def _fork_kwargs(device):
    """Arguments of ``torch.random.fork_rng`` that fork the generators ``device`` uses."""
    if device.type == "cpu":
        return {"devices": []}
    index = device.index
    if index is None:
        index = getattr(torch, device.type).current_device()
    return {"devices": [index], "device_type": device.type}


def as_tensor(X, device, name="X"):
    """``X`` as a float32 tensor on ``device``; a ValueError if float32 overflows to inf."""
    with np.errstate(over="ignore"):
        X = np.asarray(X, dtype=np.float32)
    if not np.isfinite(X).all():
        raise ValueError(f"{name} holds values too large for float32 (they become inf)")
    return torch.tensor(X, device=device)


def _copy_state(module):
    return {name: value.detach().clone() for name, value in module.state_dict().items()}


@torch.no_grad()
def predict_outputs(module, X):
    """``module(X)`` in eval mode, in chunks, restoring the module's mode."""
    was_training = module.training
    module.eval()
    outputs = torch.cat(
        [module(X[i : i + _PREDICT_BATCH]) for i in range(0, len(X), _PREDICT_BATCH)]
    )
    module.train(was_training)
    return outputs
