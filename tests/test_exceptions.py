"""skser.exceptions: one base for skser's errors, re-exported where they always were."""

import warnings

import pytest

from skser import exceptions
from skser.cli._errors import error_message

# Each class, and the public modules that have always exported it.
HOMES = {
    "AudioReadError": ["skser.io"],
    "ExportError": ["skser.export"],
    "InvalidParameterError": ["skser.utils"],
    "ModelLoadError": ["skser.embedding._hub"],
    "NoSpeechWarning": ["skser.voice_note"],
    "SpeakerAdaptationWarning": ["skser.utils", "skser.preprocessing"],
}


@pytest.mark.parametrize("name", sorted(HOMES))
def test_each_class_is_the_same_object_in_its_old_homes(name):
    from importlib import import_module

    for module in HOMES[name]:
        assert getattr(import_module(module), name) is getattr(exceptions, name), module


@pytest.mark.parametrize(
    "name", ["AudioReadError", "ExportError", "InvalidParameterError", "ModelLoadError"])
def test_errors_share_the_base_and_stay_value_errors(name):
    cls = getattr(exceptions, name)
    assert issubclass(cls, exceptions.SkserError)
    assert issubclass(cls, ValueError)
    with pytest.raises(exceptions.SkserError, match="clip 3"):
        raise cls("clip 3 is broken")


@pytest.mark.parametrize("name", ["NoSpeechWarning", "SpeakerAdaptationWarning"])
def test_warnings_share_the_base(name):
    cls = getattr(exceptions, name)
    with pytest.warns(exceptions.SkserWarning):
        warnings.warn("no speech", cls, stacklevel=1)
    assert issubclass(cls, UserWarning)


def test_the_cli_prints_a_skser_error_as_its_message():
    class Custom(exceptions.SkserError):  # a SkserError that is not a ValueError
        pass

    assert error_message(Custom("file a.wav is empty")) == "file a.wav is empty"
    assert error_message(RuntimeError("boom")).startswith("RuntimeError: boom")


def test_all_lists_every_class():
    classes = {n for n in dir(exceptions) if isinstance(getattr(exceptions, n), type)}
    assert classes == set(exceptions.__all__)
