"""skser's errors and warnings, in one module (as :mod:`sklearn.exceptions`).

Every error skser raises on purpose derives from :class:`SkserError` and also from the
built-in class it has always been (``ValueError``), so ``except ValueError`` keeps working.
Every warning derives from :class:`SkserWarning`, a ``UserWarning``. Torch-free and
scikit-learn-free: the deployment install imports it.

Examples
--------
>>> from skser.exceptions import AudioReadError, SkserError
>>> issubclass(AudioReadError, SkserError) and issubclass(AudioReadError, ValueError)
True
"""

__all__ = [
    "AudioReadError",
    "ExportError",
    "InvalidParameterError",
    "ModelLoadError",
    "NoSpeechWarning",
    "SkserError",
    "SkserWarning",
    "SpeakerAdaptationWarning",
]


class SkserError(Exception):
    """The base of every error skser raises on purpose; the message names the problem."""


class SkserWarning(UserWarning):
    """The base of skser's warnings."""


class AudioReadError(SkserError, ValueError):
    """An audio file exists but cannot be read as audio (empty, corrupt, not audio)."""


class ExportError(SkserError, ValueError):
    """A pipeline step cannot be written as ONNX; the message names the step."""


class InvalidParameterError(SkserError, ValueError, TypeError):
    """A parameter of the wrong type or value; the message names it and what it must be."""


class ModelLoadError(SkserError, ValueError):
    """The encoder's weights or configuration cannot be used; the message says why."""


class NoSpeechWarning(SkserWarning):
    """A voice note held no speech to classify: its result has no label."""


class SpeakerAdaptationWarning(SkserWarning):
    """Clips are standardised by global statistics because no speaker statistics apply."""
