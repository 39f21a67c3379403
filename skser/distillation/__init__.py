"""Distillation: tiny Wav2Small students that learn a fitted teacher from raw waveforms."""

from ._distill import distill
from ._losses import soft_cross_entropy, soften
from ._student import Wav2SmallClassifier, Wav2SmallRegressor, Wav2SmallStudent

__all__ = [
    "Wav2SmallClassifier",
    "Wav2SmallRegressor",
    "Wav2SmallStudent",
    "distill",
    "soft_cross_entropy",
    "soften",
]
