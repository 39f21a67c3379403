"""FixedDuration: pad or truncate every clip to one length."""

from numbers import Integral, Real

import numpy as np

from ..io import SAMPLE_RATE
from ..utils import Interval
from ._base import WaveformTransformer

__all__ = ["FixedDuration"]


class FixedDuration(WaveformTransformer):
    """Zero-pad or truncate every clip to exactly ``duration * sample_rate`` samples.

    Read more in the :ref:`User Guide <waveform_convention>`.

    The output batch has ``round(duration * sample_rate)`` columns whatever the input width.
    Padding is zeros, so the true length of a short clip is unchanged: embedders that use
    true lengths (all of skser's) spend no compute on it. Truncation keeps the start.

    Parameters
    ----------
    duration : float > 0, default=8.0
        The clip length in seconds (the paper uses 8 s).
    sample_rate : int > 0, default=16000
        The rate of the batch, in Hz.

    Attributes
    ----------
    n_features_in_ : int
        Width of the batch seen in ``fit`` (informative, not enforced).

    Examples
    --------
    >>> import numpy as np
    >>> FixedDuration(duration=0.25, sample_rate=8).transform(np.array([[1, 2, 3.0]]))
    array([[1., 2.]], dtype=float32)
    >>> FixedDuration(duration=0.5, sample_rate=8).transform(np.array([[1, 2, 3.0]]))
    array([[1., 2., 3., 0.]], dtype=float32)
    """

    _parameter_constraints: dict = {
        "duration": [Interval(Real, 0, None, closed="neither")],
        "sample_rate": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, duration=8.0, sample_rate=SAMPLE_RATE):
        self.duration = duration
        self.sample_rate = sample_rate

    @property
    def n_samples_out(self):
        """int: The width of every output batch."""
        return max(1, round(self.duration * self.sample_rate))

    def _transform_batch(self, X, lengths):
        width = self.n_samples_out
        out = np.zeros((X.shape[0], width), dtype=np.float32)
        keep = min(width, X.shape[1])
        out[:, :keep] = X[:, :keep]
        return out
