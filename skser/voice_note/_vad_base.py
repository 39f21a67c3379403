"""What every voice activity detector of skser.voice_note provides."""

import inspect

import numpy as np

from ..io import SAMPLE_RATE
from ..utils import validate_parameter_constraints
from ._source import check_note_samples

__all__ = ["BaseVAD", "VADStream"]


class BaseVAD:
    """Base of the voice activity detectors: options in, speech regions out.

    A detector holds options only (keyword-only, stored unchanged, checked when it
    runs), like a scikit-learn estimator, but learns nothing: it is not an estimator.
    :meth:`detect` finds the speech regions of a whole array; internally the detector
    runs as a *stream* over blocks of a note of any length.
    """

    _parameter_constraints: dict = {}

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self):
        """Return the options of the detector.

        Returns
        -------
        params : dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self):
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if value is not defaults[name].default
            and not (np.isscalar(value) and value == defaults[name].default)
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _validate(self):
        validate_parameter_constraints(
            self._parameter_constraints, self.get_params(), caller_name=type(self).__name__
        )

    def _stream(self, sample_rate):
        """Check the options and start a stream over one note."""
        self._validate()
        return self._make_stream(sample_rate)

    def _make_stream(self, sample_rate):
        raise NotImplementedError

    def detect(self, samples, *, sample_rate=SAMPLE_RATE):
        """Find the speech regions of a whole note.

        Parameters
        ----------
        samples : np.ndarray [shape=(n,)]
            Mono audio at ``sample_rate``.
        sample_rate : int > 0, default=16000
            Its rate, in Hz.

        Returns
        -------
        regions : np.ndarray [shape=(n_regions, 2), dtype=int64]
            ``(start, end)`` sample of each speech region, in time order, like
            ``librosa.effects.split``.
        """
        samples = check_note_samples(samples)
        stream = self._stream(sample_rate)
        regions = stream.push(samples) + stream.finish()
        return np.asarray(regions, dtype=np.int64).reshape(-1, 2)


class VADStream:
    """A detector running over the blocks of one note, in order.

    ``push(block)`` and ``finish()`` return the regions that became final, as
    ``(start, end)`` samples. Between calls, ``open_region`` is the region in progress as
    ``(start, confirmed_end)`` (its speech lasts at least until ``confirmed_end``) or None,
    and ``position`` is the earliest sample at which a region not yet reported (closed or
    open) could start: the audio before ``position`` is no longer needed by the detector.
    """

    def __init__(self):
        self.n_samples = 0

    open_region = None
    position = 0

    def push(self, samples):
        raise NotImplementedError

    def finish(self):
        raise NotImplementedError


class _WholeNoteStream(VADStream):
    """No detector: the whole note is one speech region."""

    @property
    def open_region(self):
        return (0, self.n_samples) if self.n_samples else None

    @property
    def position(self):
        return self.n_samples

    def push(self, samples):
        self.n_samples += samples.shape[0]
        return []

    def finish(self):
        return [(0, self.n_samples)] if self.n_samples else []
