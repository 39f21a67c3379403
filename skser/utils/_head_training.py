"""What skser's torch MLP heads share: checks, seeding, the ensemble of heads.

:class:`TorchHeadMixin` is the machinery of ``FocalLossClassifier`` and
``CCCLossRegressor``: a subclass supplies its loss (``_objective``), its validation score
(``_validation_score``, higher is better) and the dtype of its targets; the mixin builds the
standardising MLP (:func:`make_mlp_head`) and trains it with skser's one training loop
(:func:`fit_stochastic`: AdamW, warm-up cosine, early stopping that restores the best epoch).
"""

from numbers import Integral

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ._mlp_head import average_mlp_heads, build_mlp_head, make_mlp_head, mlp_head_config
from ._torch_state import TorchStateMixin
from ._training_loop import HISTORY, check_device, fit_stochastic, fork_rng_kwargs

__all__ = ["TorchHeadMixin", "as_tensor", "predict_outputs"]

_PREDICT_BATCH = 4096


class TorchHeadMixin(TorchStateMixin):
    """Shared machinery of the torch MLP heads (see the module docstring).

    Needs the attributes ``hidden_layer_sizes``, ``dropout``, ``learning_rate_init``,
    ``weight_decay``, ``warmup_fraction``, ``max_iter``, ``batch_size``,
    ``early_stopping``, ``n_iter_no_change``, ``tol``, ``device`` and ``verbose``, and the
    methods ``_objective(outputs, target)`` (a scalar loss tensor) and
    ``_validation_score(outputs, target)`` (a float, higher is better). ``_target_dtype``
    is the torch dtype of the targets, ``_score_name`` labels the progress bar, and
    ``_average`` says how several heads are averaged (see :func:`average_mlp_heads`).
    Pickles and skops files hold ``module_`` as its architecture and weights
    (:class:`TorchStateMixin`).
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
        return check_device(self.device)

    def _module_config(self, module):
        return mlp_head_config(module)

    def _module_from_config(self, config):
        return build_mlp_head(config)

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
            torch.random.fork_rng(**fork_rng_kwargs(device)),
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
                history.append({name: getattr(self, name) for name in HISTORY})
        for name in HISTORY:
            setattr(self, name, history[0][name])
        self.ensemble_history_ = history
        self.module_ = average_mlp_heads(modules, average=self._average).eval()

    def _train(self, module, X, y, X_val, y_val, device, generator):
        """Train ``module`` with :func:`fit_stochastic` on rows of ``X``, ``y``."""
        module.to(device)
        X = as_tensor(X, device)
        y = torch.as_tensor(y, dtype=self._target_dtype, device=device)

        def batch(rows):
            rows = rows.to(device)
            return (X[rows],), y[rows]

        validate = None
        if X_val is not None:
            X_val = as_tensor(X_val, device, "X_val")
            y_val = torch.as_tensor(y_val, dtype=self._target_dtype, device=device)

            def validate(module):
                outputs = predict_outputs(module, X_val)
                return self._validation_score(outputs, y_val), self._objective(outputs, y_val)

        fit_stochastic(
            self, module, n_samples=X.shape[0], batch=batch, objective=self._objective,
            generator=generator, validate=validate, score_name=self._score_name,
        )


def as_tensor(X, device, name="X"):
    """``X`` as a float32 tensor on ``device``; a ValueError if float32 overflows to inf."""
    with np.errstate(over="ignore"):
        X = np.asarray(X, dtype=np.float32)
    if not np.isfinite(X).all():
        raise ValueError(f"{name} holds values too large for float32 (they become inf)")
    return torch.tensor(X, device=device)


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
