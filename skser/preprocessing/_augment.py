"""Training-time waveform augmentation on audiomentations."""

from numbers import Integral, Real

import numpy as np
from audiomentations import Gain, PitchShift, PolarityInversion
from sklearn.utils import check_random_state

from ..io import SAMPLE_RATE, clip_lengths
from ..utils import Interval, check_params, validate_waveforms
from ._base import WaveformTransformer

__all__ = ["WaveformAugmenter"]

_probability = Interval(Real, 0, 1, closed="both")


def _check_range(name, bounds, low=None):
    if len(bounds) != 2 or bounds[0] > bounds[1]:
        raise ValueError(f"{name} must be a (min, max) pair with min <= max, got {bounds!r}")
    if low is not None and bounds[0] < low:
        raise ValueError(f"{name} must be >= {low}, got {bounds!r}")


class WaveformAugmenter(WaveformTransformer):
    """Randomly perturb training clips: gain, Gaussian noise, pitch shift, polarity.

    The paper's training-only augmentation, on audiomentations' ``Gain``, ``PitchShift``
    and ``PolarityInversion`` (with noise drawn from this estimator's own generator). Each
    clip is perturbed at its true length, so padding stays zero.

    **Augments only in** ``fit_transform``. This departs from the usual
    ``fit(X).transform(X) == fit_transform(X)`` on purpose: a ``Pipeline`` calls
    ``fit_transform`` on its steps while fitting and ``transform`` while predicting, so
    training clips are augmented and clips at inference are not. ``transform`` returns its
    input unchanged (as float32). The number of rows never changes; each training clip is
    replaced by one perturbed copy, drawn anew at each fit.

    Parameters
    ----------
    gain_db : tuple of float, default=(-18.0, 6.0)
        Range of the random gain, in dB.
    gain_p : float in [0, 1], default=0.5
        Probability of applying a gain.
    noise_amplitude : tuple of float, default=(0.001, 0.015)
        Range of the standard deviation of the added Gaussian noise.
    noise_p : float in [0, 1], default=0.5
        Probability of adding noise.
    pitch_semitones : tuple of float, default=(-2.0, 2.0)
        Range of the pitch shift, in semitones (signalsmith stretch, length kept).
    pitch_p : float in [0, 1], default=0.5
        Probability of shifting the pitch.
    polarity_p : float in [0, 1], default=0.5
        Probability of inverting the polarity.
    sample_rate : int > 0, default=16000
        The rate of the clips, in Hz.
    random_state : int, RandomState instance or None, default=None
        Seeds every random draw; the same seed augments the same batch identically.

    Attributes
    ----------
    n_features_in_ : int
        Width of the batch seen in ``fit`` (informative, not enforced).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, size=(4, 4000)).astype(np.float32)
    >>> augmenter = WaveformAugmenter(random_state=0)
    >>> X_train = augmenter.fit_transform(X)
    >>> X_train.shape, bool(np.allclose(X_train, X))
    ((4, 4000), False)
    >>> bool(np.array_equal(augmenter.transform(X), X))
    True
    """

    _parameter_constraints: dict = {
        "gain_db": [tuple, list],
        "gain_p": [_probability],
        "noise_amplitude": [tuple, list],
        "noise_p": [_probability],
        "pitch_semitones": [tuple, list],
        "pitch_p": [_probability],
        "polarity_p": [_probability],
        "sample_rate": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        gain_db=(-18.0, 6.0),
        gain_p=0.5,
        noise_amplitude=(0.001, 0.015),
        noise_p=0.5,
        pitch_semitones=(-2.0, 2.0),
        pitch_p=0.5,
        polarity_p=0.5,
        sample_rate=SAMPLE_RATE,
        random_state=None,
    ):
        self.gain_db = gain_db
        self.gain_p = gain_p
        self.noise_amplitude = noise_amplitude
        self.noise_p = noise_p
        self.pitch_semitones = pitch_semitones
        self.pitch_p = pitch_p
        self.polarity_p = polarity_p
        self.sample_rate = sample_rate
        self.random_state = random_state

    def _check_params(self):
        check_params(self)
        _check_range("gain_db", self.gain_db)
        _check_range("noise_amplitude", self.noise_amplitude, low=0.0)
        _check_range("pitch_semitones", self.pitch_semitones)

    def fit_transform(self, X, y=None, **fit_params):
        """Return an augmented copy of the training batch.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
            The training clips.
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        X_augmented : np.ndarray [shape=(n_clips, n_samples), dtype=float32]
        """
        self._check_params()
        X = validate_waveforms(self, X, reset=True)
        rng = check_random_state(self.random_state)
        out = X.copy()
        for index, length in enumerate(clip_lengths(X)):
            if length > 0:
                out[index, :length] = self._augment_clip(X[index, :length], rng)
        return out

    def _transform_batch(self, X, lengths):
        # Inference: clips pass unchanged; augmentation happens in fit_transform only.
        return X

    def _augment_clip(self, samples, rng):
        # audiomentations draws from the global `random` and NumPy generators; set each
        # transform's parameters from `rng` instead and call `apply`, so that
        # random_state alone decides the result.
        rate = self.sample_rate
        if rng.uniform() < self.gain_p:
            gain = Gain(p=1.0)
            gain.parameters = {"amplitude_ratio": 10 ** (rng.uniform(*self.gain_db) / 20)}
            samples = gain.apply(samples, rate)
        if rng.uniform() < self.noise_p:
            amplitude = rng.uniform(*self.noise_amplitude)
            samples = samples + amplitude * rng.standard_normal(samples.shape[0])
        if rng.uniform() < self.pitch_p:
            shift = PitchShift(p=1.0)
            shift.parameters = {"num_semitones": rng.uniform(*self.pitch_semitones)}
            samples = shift.apply(samples.astype(np.float32), rate)
        if rng.uniform() < self.polarity_p:
            samples = PolarityInversion(p=1.0).apply(samples, rate)
        return np.asarray(samples, dtype=np.float32)
