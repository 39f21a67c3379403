"""Audio input: files to waveforms, and the waveform convention.

See :mod:`skser.io._waveform` for the convention every skser step follows. Everything
here but :class:`AudioLoader` (a scikit-learn step, loaded on first use) needs only
numpy, soundfile and soxr: the deployment install.
"""

from ._files import audio_paths, load_audio_batch
from ._files import check_n_jobs as check_n_jobs  # skser.export's
from ._load import AudioReadError, load_audio
from ._load import _check_file as check_audio_file  # noqa: F401 (skser.voice_note)
from ._load import announced_frames as announced_frames  # skser.voice_note's
from ._load import check_channels_mix as check_channels_mix  # skser.voice_note's
from ._load import check_complete as check_complete  # skser.voice_note's
from ._load import check_file_rate as check_file_rate  # skser.voice_note's
from ._silence import (  # noqa: F401 (skser.export's TrimGraph)
    FLOOR_DIVISOR,
    FLOOR_HEADROOM_DB,
    FLOOR_SHARE,
    FLOOR_SPREAD,
)
from ._silence import nonsilent_interval as nonsilent_interval  # skser.preprocessing's
from ._waveform import SAMPLE_RATE, as_batch, check_finite_clips, clip_lengths
from ._waveform import _pcm_to_float as pcm_to_float  # noqa: F401 (skser.voice_note)
from ._waveform import iter_clips as iter_clips  # internal: not in __all__

__all__ = [
    "SAMPLE_RATE",
    "AudioLoader",
    "AudioReadError",
    "as_batch",
    "audio_paths",
    "check_finite_clips",
    "clip_lengths",
    "load_audio",
    "load_audio_batch",
]


def __getattr__(name):
    if name == "AudioLoader":
        from ._loader import AudioLoader

        return AudioLoader
    raise AttributeError(f"module 'skser.io' has no attribute {name!r}")
