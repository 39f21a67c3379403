"""The learning-rate schedule: linear warm-up, then cosine decay, per optimiser step."""

import math

__all__ = ["warmup_cosine"]


def warmup_cosine(step, *, total_steps, warmup_steps):
    """Learning-rate multiplier of optimiser step ``step`` (0-based).

    The multiplier rises linearly over the first ``warmup_steps`` steps, reaching 1 at the
    last of them (``(step + 1) / warmup_steps``), then follows a half cosine from 1 down
    towards 0 over the remaining steps (``0.5 * (1 + cos(pi * t))`` with ``t`` going from
    0 at the first step after the warm-up to ``(n - 1) / n`` at the last one). No step has
    a zero learning rate.

    Parameters
    ----------
    step : int >= 0
        The step, counted from 0 over the whole training.
    total_steps : int > 0
        The number of steps of the whole training.
    warmup_steps : int in [0, total_steps]
        The number of warm-up steps.

    Returns
    -------
    factor : float in (0, 1]

    Examples
    --------
    >>> [round(warmup_cosine(s, total_steps=6, warmup_steps=2), 3) for s in range(6)]
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146]
    """
    if not 0 <= warmup_steps <= total_steps:
        raise ValueError(
            f"warmup_steps must be in [0, total_steps={total_steps}], got {warmup_steps}"
        )
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))
