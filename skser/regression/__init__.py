"""Regression heads for dimensional emotion (arousal, valence, dominance): CCC loss."""

from ._ccc_loss import ccc_loss
from ._regressor import AVD, CCCLossRegressor

__all__ = ["AVD", "CCCLossRegressor", "ccc_loss"]
