"""Audio input: files to waveforms, and the waveform convention.

See :mod:`skser.io._waveform` for the convention every skser step follows.
"""

from ._load import AudioReadError, load_audio
from ._loader import AudioLoader
from ._waveform import SAMPLE_RATE, as_batch, check_finite_clips, clip_lengths, iter_clips

__all__ = [
    "SAMPLE_RATE",
    "AudioLoader",
    "AudioReadError",
    "as_batch",
    "check_finite_clips",
    "clip_lengths",
    "iter_clips",
    "load_audio",
]
