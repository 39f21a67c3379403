"""Pre-emphasis: a first-order high-pass that lifts the spectrum's upper end."""

from numbers import Real

import numpy as np

from ..utils import Interval
from ._base import WaveformTransformer

__all__ = ["PreEmphasis"]


class PreEmphasis(WaveformTransformer):
    """Apply ``y[t] = x[t] - coef * x[t - 1]`` to each clip.

    Read more in the :ref:`User Guide <waveform_convention>`.

    The filter runs within each clip's true length, starting from rest (``x[-1] = 0``, as
    ``scipy.signal.lfilter([1, -coef], 1, x)`` or ``librosa.effects.preemphasis(x,
    coef=coef, zi=0)``); padding stays zero.

    Parameters
    ----------
    coef : float in [0, 1], default=0.97
        The pre-emphasis coefficient; 0 leaves clips unchanged.

    Attributes
    ----------
    n_features_in_ : int
        Width of the batch seen in ``fit`` (informative, not enforced).

    Examples
    --------
    >>> import numpy as np
    >>> PreEmphasis(coef=0.5).transform(np.array([[1.0, 1.0, 1.0, 0.0]]))
    array([[1. , 0.5, 0.5, 0. ]], dtype=float32)
    """

    _parameter_constraints: dict = {"coef": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, *, coef=0.97):
        self.coef = coef

    def _transform_batch(self, X, lengths):
        out = X.copy()
        out[:, 1:] -= np.float32(self.coef) * X[:, :-1]
        out[np.arange(X.shape[1]) >= lengths[:, None]] = 0.0
        return out
