"""Distillation: tiny Wav2Small students that learn a fitted teacher from raw waveforms."""

from ._distill import distill, teacher_kind, teacher_min_samples
from ._losses import soft_cross_entropy, soften
from ._module import StudentFrontEndGraph
from ._student import Wav2SmallClassifier, Wav2SmallRegressor, Wav2SmallStudent

__all__ = [
    "StudentFrontEndGraph",
    "Wav2SmallClassifier",
    "Wav2SmallRegressor",
    "Wav2SmallStudent",
    "distill",
    "soft_cross_entropy",
    "soften",
    "teacher_kind",
    "teacher_min_samples",
]
