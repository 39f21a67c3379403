"""Training-time waveform augmentation on audiomentations."""

from numbers import Integral, Real

import numpy as np
from audiomentations import Gain, PitchShift, PolarityInversion
from scipy import signal
from sklearn.utils import check_random_state

from ..io import SAMPLE_RATE, clip_lengths
from ..utils import Interval, check_params, validate_waveforms
from ._base import WaveformTransformer
from ._noise import add_at_snr, babble_or_white

__all__ = ["WaveformAugmenter"]

_probability = Interval(Real, 0, 1, closed="both")


def _check_range(name, bounds, low=None):
    """Refuse a range that is not two finite numbers, min <= max (and >= ``low``)."""
    try:
        values = [float(bound) for bound in bounds]
    except (TypeError, ValueError):
        values = []
    if len(values) != 2 or not np.all(np.isfinite(values)) or values[0] > values[1]:
        raise ValueError(
            f"{name} must be a (min, max) pair of finite numbers with min <= max, got {bounds!r}"
        )
    if low is not None and bounds[0] < low:
        raise ValueError(f"{name} must be >= {low}, got {bounds!r}")


class WaveformAugmenter(WaveformTransformer):
    """Randomly perturb training clips: gain, room, noise, channel band, pitch, polarity.

    Read more in the :ref:`User Guide <recording_conditions>`.

    The paper's training-only augmentation, on audiomentations' ``Gain``, ``PitchShift``
    and ``PolarityInversion`` (with noise drawn from this estimator's own generator). Each
    clip is perturbed at its true length, so padding stays zero.

    **Noise.** By default (the paper's) Gaussian noise of a standard deviation drawn from
    ``noise_amplitude``. With ``snr_db`` set, the noise is instead scaled to a
    signal-to-noise ratio drawn from that range, measured against the clip's active
    speech (the mean power of the span ``Trimmer(top_db=20)`` keeps), so quiet and loud
    clips get the same SNRs, as recordings in noise do. With probability ``babble_p`` that
    noise is babble rather than white: the sum of ``babble_talkers`` other clips of the
    same training batch (other training speakers' speech, never a test clip's), each
    at its own level and starting at a random point.

    **Room and channel** (off by default, on in ``skser.pipeline.noise_augmenter``). With
    probability ``reverb_p`` the clip is convolved with a synthetic room response: a
    direct path, then exponentially decaying white noise whose decay time (RT60) is drawn
    from ``rt60_s``, its energy ``reverb_drr_db`` (drawn) below the direct path's; the
    clip keeps its length. With probability ``band_p`` it passes a 4th-order Butterworth
    band-pass whose edges are drawn from ``band_low_hz`` and ``band_high_hz`` (a
    telephone's 300-3400 Hz lies inside those ranges). The order is gain, room, noise,
    band, pitch, polarity: the room before the microphone's noise, the channel after.

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
    snr_db : None or tuple of float, default=None
        Range of the SNR of the added noise, in dB against the clip's speech; replaces
        ``noise_amplitude`` when set.
    babble_p : float in [0, 1], default=0.0
        Probability that added noise is babble from other clips of the batch (needs
        ``snr_db``).
    babble_talkers : int >= 1, default=4
        Clips summed into one babble.
    reverb_p : float in [0, 1], default=0.0
        Probability of a synthetic room.
    rt60_s : tuple of float, default=(0.2, 0.8)
        Range of the room's RT60 (time to decay by 60 dB), in seconds.
    reverb_drr_db : tuple of float, default=(0.0, 10.0)
        Range of the direct-to-reverberant energy ratio, in dB.
    band_p : float in [0, 1], default=0.0
        Probability of a band-pass channel.
    band_low_hz : tuple of float, default=(150.0, 400.0)
        Range of the band's lower edge, in Hz.
    band_high_hz : tuple of float, default=(2800.0, 4500.0)
        Range of the band's upper edge, in Hz (below half the sample rate).
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
        "snr_db": [None, tuple, list],
        "babble_p": [_probability],
        "babble_talkers": [Interval(Integral, 1, None, closed="left")],
        "reverb_p": [_probability],
        "rt60_s": [tuple, list],
        "reverb_drr_db": [tuple, list],
        "band_p": [_probability],
        "band_low_hz": [tuple, list],
        "band_high_hz": [tuple, list],
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
        snr_db=None,
        babble_p=0.0,
        babble_talkers=4,
        reverb_p=0.0,
        rt60_s=(0.2, 0.8),
        reverb_drr_db=(0.0, 10.0),
        band_p=0.0,
        band_low_hz=(150.0, 400.0),
        band_high_hz=(2800.0, 4500.0),
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
        self.snr_db = snr_db
        self.babble_p = babble_p
        self.babble_talkers = babble_talkers
        self.reverb_p = reverb_p
        self.rt60_s = rt60_s
        self.reverb_drr_db = reverb_drr_db
        self.band_p = band_p
        self.band_low_hz = band_low_hz
        self.band_high_hz = band_high_hz
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
        _check_range("rt60_s", self.rt60_s, low=0.01)
        _check_range("reverb_drr_db", self.reverb_drr_db)
        _check_range("band_low_hz", self.band_low_hz, low=1.0)
        _check_range("band_high_hz", self.band_high_hz)
        if not self.band_low_hz[1] < self.band_high_hz[0] < self.band_high_hz[1] < (
                self.sample_rate / 2):
            raise ValueError(
                "band_low_hz must lie below band_high_hz, and band_high_hz below half the "
                f"sample rate ({self.sample_rate / 2:g} Hz): got band_low_hz="
                f"{self.band_low_hz!r}, band_high_hz={self.band_high_hz!r}"
            )
        if self.snr_db is not None:
            _check_range("snr_db", self.snr_db)
        elif self.babble_p > 0:
            raise ValueError("babble_p > 0 needs snr_db: babble is added at an SNR")

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
        lengths = clip_lengths(X)
        for index, length in enumerate(lengths):
            if length > 0:
                out[index, :length] = self._augment_clip(X, lengths, index, rng)
        return out

    def _transform_batch(self, X, lengths):
        # Inference: clips pass unchanged; augmentation happens in fit_transform only.
        return X

    def _augment_clip(self, X, lengths, index, rng):
        # audiomentations draws from the global `random` and NumPy generators; set each
        # transform's parameters from `rng` instead and call `apply`, so that
        # random_state alone decides the result.
        samples = X[index, : lengths[index]]
        rate = self.sample_rate
        if rng.uniform() < self.gain_p:
            gain = Gain(p=1.0)
            gain.parameters = {"amplitude_ratio": 10 ** (rng.uniform(*self.gain_db) / 20)}
            samples = gain.apply(samples, rate)
        if rng.uniform() < self.reverb_p:
            samples = self._room(samples, rng)
        if rng.uniform() < self.noise_p:
            if self.snr_db is None:
                amplitude = rng.uniform(*self.noise_amplitude)
                samples = samples + amplitude * rng.standard_normal(samples.shape[0])
            else:
                samples = self._add_at_snr(samples, X, lengths, index, rng)
        if rng.uniform() < self.band_p:
            edges = [rng.uniform(*self.band_low_hz), rng.uniform(*self.band_high_hz)]
            sos = signal.butter(4, edges, btype="bandpass", fs=rate, output="sos")
            samples = signal.sosfilt(sos, samples)
        if rng.uniform() < self.pitch_p:
            shift = PitchShift(p=1.0)
            shift.parameters = {"num_semitones": rng.uniform(*self.pitch_semitones)}
            samples = shift.apply(samples.astype(np.float32), rate)
        if rng.uniform() < self.polarity_p:
            samples = PolarityInversion(p=1.0).apply(samples, rate)
        return np.asarray(samples, dtype=np.float32)

    def _room(self, samples, rng):
        """``samples`` through a synthetic room response (see the class docstring)."""
        rt60 = rng.uniform(*self.rt60_s)
        t = np.arange(1, int(rt60 * self.sample_rate)) / self.sample_rate
        tail = rng.standard_normal(t.size) * 10 ** (-3 * t / rt60)  # -60 dB at rt60
        ratio = 10 ** (-rng.uniform(*self.reverb_drr_db) / 10)
        tail *= np.sqrt(ratio / max(np.sum(tail**2), 1e-20))
        response = np.concatenate([[1.0], tail])
        return signal.fftconvolve(samples, response)[: samples.shape[0]]

    def _add_at_snr(self, samples, X, lengths, index, rng):
        """``samples`` plus white noise or babble at an SNR drawn from ``snr_db``."""
        snr = rng.uniform(*self.snr_db)
        babble = rng.uniform() < self.babble_p
        noise = babble_or_white(X, lengths, index, babble, self.babble_talkers, rng)
        return add_at_snr(samples, noise, snr)
