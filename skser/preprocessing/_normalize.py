"""Peak normalization: scale each clip to a fixed peak amplitude."""

from numbers import Real

import numpy as np

from ..utils import SMALLEST_NORMAL, Interval
from ._base import WaveformTransformer

__all__ = ["PeakNormalizer"]


class PeakNormalizer(WaveformTransformer):
    """Scale each clip so that its largest absolute sample equals ``peak``.

    Read more in the :ref:`User Guide <waveform_convention>`.

    Parameters
    ----------
    peak : float in (0, 1], default=0.95
        The target peak amplitude.

    Attributes
    ----------
    n_features_in_ : int
        Width of the batch seen in ``fit`` (informative, not enforced).

    Notes
    -----
    A silent (all-zero) clip has no peak to scale: it stays zero, never NaN. So does a
    near-silent one whose peak is below the smallest normal float32 (``1.2e-38``): its
    samples are subnormal numbers, rounding noise rather than sound, and scaling them up
    would overflow. It becomes all zeros, a silent clip.

    Examples
    --------
    >>> import numpy as np
    >>> PeakNormalizer(peak=0.5).transform(np.array([[0.1, -0.2], [0.0, 0.0]]))
    array([[ 0.25, -0.5 ],
           [ 0.  ,  0.  ]], dtype=float32)
    """

    _parameter_constraints: dict = {"peak": [Interval(Real, 0, 1, closed="right")]}

    def __init__(self, *, peak=0.95):
        self.peak = peak

    def _transform_batch(self, X, lengths):
        peaks = np.abs(X).max(axis=1, keepdims=True)
        gain = np.divide(
            self.peak, peaks, out=np.zeros_like(peaks), where=peaks >= SMALLEST_NORMAL
        )
        return (X * gain).astype(np.float32, copy=False)
