"""Waveform transformers (trimming, pre-emphasis, normalization, duration, augmentation),
the ``NoisyCopies`` sampler, and speaker adaptation of embeddings."""

from ..utils import SpeakerAdaptationWarning
from ._augment import WaveformAugmenter
from ._base import WaveformTransformer
from ._channel import gsm_full_rate, mu_law, room, telephone
from ._copies import CHANNEL_KINDS, NOISE_KINDS, NoisyCopies
from ._duration import FixedDuration
from ._emphasis import PreEmphasis
from ._normalize import PeakNormalizer
from ._speaker import (
    SpeakerNormalizer,
    enroll_speaker,
    make_speaker_adapted,
    speaker_embeddings,
    speaker_feature_space,
)
from ._speaker_stats import SpeakerStats, load_speaker_stats, save_speaker_stats
from ._trim import Trimmer, nonsilent_interval

__all__ = [
    "CHANNEL_KINDS",
    "NOISE_KINDS",
    "FixedDuration",
    "NoisyCopies",
    "PeakNormalizer",
    "PreEmphasis",
    "SpeakerAdaptationWarning",
    "SpeakerNormalizer",
    "SpeakerStats",
    "Trimmer",
    "WaveformAugmenter",
    "WaveformTransformer",
    "enroll_speaker",
    "gsm_full_rate",
    "load_speaker_stats",
    "make_speaker_adapted",
    "mu_law",
    "nonsilent_interval",
    "room",
    "save_speaker_stats",
    "speaker_embeddings",
    "speaker_feature_space",
    "telephone",
]
