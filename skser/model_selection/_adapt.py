"""The speaker-adapted protocol of :func:`evaluate_sessions`: speakers routed per fold."""

import contextlib

import numpy as np
from sklearn import config_context

__all__ = ["PROTOCOLS", "SHORT_NAMES", "check_adapt", "routing", "speaker_metadata"]

PROTOCOLS = {
    "plain": "plain (no speaker adaptation)",
    "speaker": (
        "speaker-adapted, transductive (each speaker standardised by its own clips' "
        "statistics; a test speaker's come from its unlabeled test clips)"
    ),
}
"""dict: What each protocol of a :class:`SessionReport` means."""
SHORT_NAMES = {"plain": "plain", "speaker": "speaker-adapted"}


def check_adapt(adapt, ids, extra, extra_ids):
    """The speaker ids the adapted protocol routes: ``(ids, extra ids)``, or None."""
    if adapt is None:
        return None
    if adapt != "speaker":
        raise ValueError(f"adapt must be None or 'speaker', got {adapt!r}")
    if extra is not None and extra_ids is None:
        raise ValueError(
            "adapt='speaker' standardises every training clip by its speaker's statistics: "
            "pass extra_train=(X_extra, y_extra, speakers_extra)"
        )
    return np.asarray(ids).astype(str), None if extra_ids is None else np.asarray(
        extra_ids
    ).astype(str)


def speaker_metadata(adapt_ids, train, val, test, extra):
    """The ``speakers`` metadata of one fold's fit, validation and test rows."""
    if adapt_ids is None:
        return None
    ids, extra_ids = adapt_ids
    train_ids = ids[train] if extra is None else np.concatenate([ids[train], extra_ids])
    return {
        "fit": {"speakers": train_ids},
        "val": {"speakers": ids[val]},
        "predict": {"speakers": ids[test]},
    }


def routing(metadata):
    """Metadata routing on while ``metadata`` is routed; nothing changes without it."""
    if not metadata:
        return contextlib.nullcontext()
    return config_context(enable_metadata_routing=True)
