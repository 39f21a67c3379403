"""Corpus loaders, a synthetic emotional speech generator, and A/V/D proxy targets."""

from ._audiofolder import load_audiofolder
from ._avd import AVD, EMOTION_AVD, EMOTION_WORDS, emotion_to_avd
from ._base import EMOTION4
from ._base import find_audio as find_audio  # internal: the CLI's calibration folders
from ._crema_d import load_crema_d
from ._emodb import load_emodb
from ._hf import from_hf_dataset
from ._iemocap import load_iemocap
from ._manifest import load_manifest
from ._ravdess import load_ravdess
from ._synthetic import EMOTION_PROSODY, make_emotional_speech
from ._user_labels import EMOTION4_NAMES

__all__ = [
    "AVD",
    "EMOTION4",
    "EMOTION4_NAMES",
    "EMOTION_AVD",
    "EMOTION_PROSODY",
    "EMOTION_WORDS",
    "emotion_to_avd",
    "from_hf_dataset",
    "load_audiofolder",
    "load_crema_d",
    "load_emodb",
    "load_iemocap",
    "load_manifest",
    "load_ravdess",
    "make_emotional_speech",
]
