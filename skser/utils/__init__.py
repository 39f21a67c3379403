"""Small helpers shared by skser's modules: progress bars, parameter validation, rows."""

from ._indexing import column_1d, num_samples, take_rows
from ._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    check_params,
    fit_context,
    validate_parameter_constraints,
    validate_params,
)
from ._paths import expand_path
from ._progress import progress
from ._speakers import SpeakerAdaptationWarning, check_speakers, row_statistics, safe_scale

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "SpeakerAdaptationWarning",
    "StrOptions",
    "check_params",
    "check_speakers",
    "column_1d",
    "expand_path",
    "fit_context",
    "num_samples",
    "progress",
    "row_statistics",
    "safe_scale",
    "take_rows",
    "validate_parameter_constraints",
    "validate_params",
]


def __getattr__(name):
    # Helpers of the training install (scikit-learn, ctypes), loaded on first use.
    if name == "validate_waveforms":
        from ._validation import validate_waveforms

        return validate_waveforms
    if name == "release_freed_memory":
        from ._memory import release_freed_memory

        return release_freed_memory
    raise AttributeError(f"module 'skser.utils' has no attribute {name!r}")
