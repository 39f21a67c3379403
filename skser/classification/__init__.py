"""Classifier heads for frozen speech embeddings: focal loss and its MLP classifier."""

from ._classifier import FocalLossClassifier
from ._focal_loss import focal_loss

__all__ = ["FocalLossClassifier", "focal_loss"]
