"""Classifier heads for frozen speech embeddings: focal loss and its MLP classifier;
abstaining ("uncertain") where a classifier's top probability is too low."""

from ..utils import abstain
from ._classifier import FocalLossClassifier
from ._focal_loss import focal_loss

__all__ = ["FocalLossClassifier", "abstain", "focal_loss"]
