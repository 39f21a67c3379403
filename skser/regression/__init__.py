"""Regression heads for dimensional emotion (arousal, valence, dominance): CCC loss."""

from ._ccc_loss import ccc_loss

__all__ = ["ccc_loss"]
