"""Long voice notes: voice activity detection, windows, one verdict, a timeline.

:func:`analyze_voice_note` runs a fitted classifier of waveform batches over a note of
any length in bounded memory and returns a :class:`VoiceNoteResult` (a
:class:`DimensionalVoiceNoteResult` for a dimensional model); both share
:class:`BaseVoiceNoteResult`.
"""

from ._aggregate import AGGREGATIONS, aggregate_probabilities, window_weights
from ._analyze import NoSpeechWarning, analyze_voice_note
from ._dimensional import DimensionalVoiceNoteResult, aggregate_dimensions
from ._energy import EnergyVAD
from ._result import VoiceNoteResult
from ._result_base import BaseVoiceNoteResult
from ._silero import SileroVAD, silero_available, silero_model_path
from ._windows import speech_windows

__all__ = [
    "AGGREGATIONS",
    "BaseVoiceNoteResult",
    "DimensionalVoiceNoteResult",
    "EnergyVAD",
    "NoSpeechWarning",
    "SileroVAD",
    "VoiceNoteResult",
    "aggregate_dimensions",
    "aggregate_probabilities",
    "analyze_voice_note",
    "silero_available",
    "silero_model_path",
    "speech_windows",
    "window_weights",
]
