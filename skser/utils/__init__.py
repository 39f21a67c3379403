"""Small helpers shared by skser's modules: progress bars, parameter validation, rows."""

from ._abstain import UNCERTAIN, abstain, check_min_confidence, mark_uncertain
from ._indexing import column_1d, num_samples, shortfall, take_rows
from ._labels import KnownLabelsScoreMixin, check_known_labels, check_no_missing_labels
from ._models import model_dimensions
from ._numeric import SMALLEST_NORMAL
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
from ._pretrained_folder import pretrained_folder
from ._progress import progress
from ._schedule import warmup_cosine
from ._speakers import (
    SpeakerAdaptationWarning,
    check_speakers,
    has_spread,
    row_statistics,
    safe_scale,
)
from ._task import CATEGORICAL, DIMENSIONAL, TASKS, Task, task_of
from ._warnings import ravel_column_vector, warn_at_caller
from ._waveform_output import WaveformOutputMixin

__all__ = [
    "CATEGORICAL",
    "DIMENSIONAL",
    "TASKS",
    "Task",
    "SMALLEST_NORMAL",
    "UNCERTAIN",
    "EarlyStopping",
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "LogMeanOverViews",
    "SpeakerAdaptationWarning",
    "StrOptions",
    "TorchHeadMixin",
    "Temperature",
    "TorchStateMixin",
    "WaveformOutputMixin",
    "abstain",
    "as_tensor",
    "check_device",
    "check_min_confidence",
    "KnownLabelsScoreMixin",
    "check_known_labels",
    "check_no_missing_labels",
    "check_params",
    "check_speakers",
    "column_1d",
    "expand_path",
    "fit_context",
    "has_spread",
    "fit_stochastic",
    "fork_rng_kwargs",
    "mark_uncertain",
    "model_dimensions",
    "num_samples",
    "predict_outputs",
    "pretrained_folder",
    "progress",
    "ravel_column_vector",
    "release_freed_memory",
    "row_statistics",
    "safe_scale",
    "shortfall",
    "skops_trusted_types",
    "take_rows",
    "task_of",
    "validate_parameter_constraints",
    "validate_params",
    "validate_waveforms",
    "warmup_cosine",
    "warn_at_caller",
    "with_temperature",
]


# Helpers of the training install (scikit-learn, torch, ctypes), loaded on first use so
# that the deployment install (numpy, onnxruntime, an audio decoder) can import skser.utils.
_LAZY = {
    "validate_waveforms": "._validation",
    "release_freed_memory": "._memory",
    "TorchHeadMixin": "._head_training",
    "LogMeanOverViews": "._mlp_head",
    "Temperature": "._mlp_head",
    "with_temperature": "._mlp_head",
    "as_tensor": "._head_training",
    "predict_outputs": "._head_training",
    "EarlyStopping": "._training_loop",
    "check_device": "._training_loop",
    "fit_stochastic": "._training_loop",
    "fork_rng_kwargs": "._training_loop",
    "TorchStateMixin": "._torch_state",
    "skops_trusted_types": "._torch_state",
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'skser.utils' has no attribute {name!r}")
