"""Small helpers shared by skser's modules."""

from ._paths import expand_path
from ._progress import progress
from ._speakers import SpeakerAdaptationWarning, check_speakers, row_statistics, safe_scale

__all__ = [
    "SpeakerAdaptationWarning",
    "check_speakers",
    "expand_path",
    "progress",
    "row_statistics",
    "safe_scale",
]
