"""Waveform transformers: trimming, pre-emphasis, normalization, duration, augmentation."""

from ._augment import WaveformAugmenter
from ._base import WaveformTransformer
from ._duration import FixedDuration
from ._emphasis import PreEmphasis
from ._normalize import PeakNormalizer
from ._trim import Trimmer, nonsilent_interval

__all__ = [
    "FixedDuration",
    "PeakNormalizer",
    "PreEmphasis",
    "Trimmer",
    "WaveformAugmenter",
    "WaveformTransformer",
    "nonsilent_interval",
]
