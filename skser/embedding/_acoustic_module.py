"""Prosodic and spectral statistics of a clip, as one exportable torch module."""

import math

import numpy as np
import scipy.fft
import torch
from torch import nn
from torch.nn import functional as F

from ._torch_ops import conv_output_lengths, frame_mask, masked_mean_std

__all__ = ["AcousticFeatures", "acoustic_feature_names"]

SAMPLE_RATE = 16000
# 16 kHz analysis: 25 ms Hann windows every 10 ms, 512-point DFT.
WINDOW, HOP, N_FFT = 400, 160, 512
# Pitch analysis: 40 ms Hann windows every 10 ms, a 1024-point DFT of which only the bins
# below 4 kHz are computed (a band limit built into the kernel, no resampling).
PITCH_WINDOW, PITCH_N_FFT, PITCH_BINS = 640, 1024, 257
FFT_CHUNK = 128  # frames per FFT call (see AcousticFeatures._power)
OCTAVE_COST = 0.01
LOG_FLOOR = 1e-10
# Noise handling, per clip and per spectrum: the noise estimate is the mean power spectrum
# of the clip's quietest fifth of frames, each bin capped at NOISE_CAP times the lowest
# estimate within NOISE_SPAN bins of it (a hiss is smooth across frequency; a steady tone
# or a voice's harmonics are not, so their bins are not taken for noise). NOISE_SUBTRACTION
# times the estimate is subtracted (over-subtraction: little of the noise's frame-to-frame
# fluctuation survives), and a flat floor FLOOR_DB below the clip's mean per-bin power (before
# cleaning) is added back, so a clean clip and a noisy one meet on the same floor.
NOISE_QUANTILE = 0.2
NOISE_SPAN = 8
NOISE_CAP = 2.0
NOISE_SUBTRACTION = 4.0
FLOOR_DB = -25.0
# A bin's estimate counts as steady noise where at least 50% of the clip's frames reach
# half of it (for white noise about 61% do), and not at all below 30%.
NOISE_PRESENCE = 0.3
# Rhythm: the loudness envelope's modulation spectrum at 0.25 Hz steps from 0.5 Hz to the
# 50 Hz frame-rate limit; the syllable band is 2-8 Hz.
MODULATION_HZ = np.arange(2, 201) * 0.25
SYLLABLE_BAND_HZ = (2.0, 8.0)
ENVELOPE_RANGE_DB = 40.0
# Spectral dynamics (``dynamics=True``): the envelope of each of 8 groups of adjacent mel
# bands, its modulation energy split into five bands from these lower edges (Hz; the last
# reaches the 50 Hz limit), as shares; and the spread of each log-mel band's delta.
MODULATION_GROUPS = 8
MODULATION_EDGES_HZ = (0.5, 2.0, 4.0, 8.0, 16.0)
FREQUENCIES = np.arange(N_FFT // 2 + 1) * SAMPLE_RATE / N_FFT  # of the 512-point DFT's bins


def _band_bins(low, high):
    """The bins whose frequency is in ``[low, high)`` Hz, as a slice."""
    inside = np.flatnonzero((FREQUENCIES >= low) & (FREQUENCIES < high))
    return slice(int(inside[0]), int(inside[-1]) + 1)


# Hammarberg index: the loudest bin of 0-2 kHz against that of 2-5 kHz.
HAMMARBERG_LOW, HAMMARBERG_HIGH = _band_bins(0, 2000), _band_bins(2000, 5000)

_LOUDNESS = ["mean", "std", "p10", "p50", "p90", "range", "slope", "flux", "pause_fraction"]
_PITCH = [
    "f0_mean", "f0_std", "f0_slope", "f0_frame_change", "voiced_fraction", "hnr_mean",
    "voicing_mean", "voicing_std", "level_frame_change",
]
_SPECTRAL = ["slope", "alpha_ratio", "hammarberg", "centroid", "flux"]
_RHYTHM = ["syllable_band_share", "syllable_band_centroid"]


def acoustic_feature_names(n_mels=40, n_mfcc=12, denoise=True, dynamics=False):
    """Names of the features :class:`AcousticFeatures` returns, in order.

    With ``dynamics`` each pass's 171 features are followed by 80 of spectral dynamics:
    ``modulation{g}_{low}-{high}hz`` (the share of mel-band group ``g``'s envelope
    modulation in that band) and ``logmel{i}_delta_std``. With ``denoise="both"`` the
    features of the cleaned spectra come first, then the same of the spectra as
    recorded, named ``raw_...``.

    Examples
    --------
    >>> names = acoustic_feature_names()
    >>> len(names), names[0], names[9], names[-1]
    (171, 'loudness_mean', 'pitch_f0_mean', 'rhythm_syllable_band_centroid')
    >>> both = acoustic_feature_names(denoise="both")
    >>> len(both), both[171]
    (342, 'raw_loudness_mean')
    >>> dynamic = acoustic_feature_names(dynamics=True)
    >>> len(dynamic), dynamic[171], dynamic[-1]
    (251, 'modulation0_0.5-2hz', 'logmel39_delta_std')
    """
    names = _feature_names(n_mels, n_mfcc)
    if dynamics:
        names += _dynamics_names(n_mels)
    if len(denoise_passes(denoise)) == 2:
        names += [f"raw_{name}" for name in names]
    return names


def denoise_passes(denoise):
    """The kinds of spectrum ``denoise`` asks for, in output order: True is the cleaned.

    Examples
    --------
    >>> denoise_passes(True), denoise_passes(False), denoise_passes("both")
    ((True,), (False,), (True, False))
    """
    if isinstance(denoise, str):
        if denoise != "both":
            raise ValueError(f'denoise must be a bool or "both", got {denoise!r}')
        return (True, False)
    return (bool(denoise),)


def _feature_names(n_mels, n_mfcc):
    names = [f"loudness_{name}" for name in _LOUDNESS]
    names += [f"pitch_{name}" for name in _PITCH]
    names += [f"mfcc{i}_mean" for i in range(1, n_mfcc + 1)]
    names += [f"mfcc{i}_std" for i in range(1, n_mfcc + 1)]
    names += [f"mfcc{i}_delta_std" for i in range(1, n_mfcc + 1)]
    names += [f"logmel{i}_mean" for i in range(n_mels)]
    names += [f"logmel{i}_std" for i in range(n_mels)]
    for name in _SPECTRAL:
        names += [f"spectral_{name}_mean", f"spectral_{name}_std"]
    names.append("duration")
    names += [f"mfcc{i}_voiced_mean" for i in range(1, n_mfcc + 1)]
    names += [f"mfcc{i}_voiced_std" for i in range(1, n_mfcc + 1)]
    names += [f"rhythm_{name}" for name in _RHYTHM]
    return names


def _modulation_bands():
    """``(low, high)`` Hz of each modulation band, the last reaching ``MODULATION_HZ``'s top."""
    edges = (*MODULATION_EDGES_HZ, float(MODULATION_HZ[-1]))
    return list(zip(edges[:-1], edges[1:]))


def _dynamics_names(n_mels):
    names = [f"modulation{group}_{low:g}-{high:g}hz" for group in range(MODULATION_GROUPS)
             for low, high in _modulation_bands()]
    return names + [f"logmel{i}_delta_std" for i in range(n_mels)]


def _dft_kernel(window_length, n_fft, n_bins=None):
    """Windowed DFT basis as a conv1d kernel ``(2 * n_bins, 1, window_length)``.

    ``n_bins`` defaults to the one-sided spectrum, ``n_fft // 2 + 1``.
    """
    n = np.arange(window_length)
    k = np.arange(n_fft // 2 + 1 if n_bins is None else n_bins)[:, None]
    window = np.hanning(window_length + 1)[:-1]  # periodic Hann
    angle = 2 * np.pi * k * n / n_fft
    kernel = np.concatenate([np.cos(angle), -np.sin(angle)]) * window
    return torch.tensor(kernel[:, None, :], dtype=torch.float32), window


def _bin_weights(n_fft):
    """Weights that turn a one-sided power spectrum into a full-spectrum sum."""
    weights = np.full(n_fft // 2 + 1, 2.0)
    weights[[0, -1]] = 1.0
    return weights


def _frame_power(frames, n_bins, out):
    """Power of the first ``n_bins`` bins of each (windowed, padded) frame's FFT, into ``out``."""
    spectrum = torch.fft.rfft(frames)[..., :n_bins]
    return torch.add(spectrum.real**2, spectrum.imag**2, out=out)


def _masked_quantiles(values, mask, quantiles):
    """Quantiles over the frames where ``mask`` is 1, by sorting (index rounding)."""
    count = mask.sum(dim=1).long()
    ordered = torch.sort(torch.where(mask > 0, values, torch.full_like(values, 1e9)), dim=1)[0]
    out = []
    for q in quantiles:
        index = torch.round(q * (count - 1).clamp(min=0).float()).long()
        out.append(torch.gather(ordered, 1, index[:, None])[:, 0])
    return out


def _weigh(values, weights):
    """``values @ weights`` over the last axis, for a 1-D ``weights``.

    Written as a product with a one-column matrix: onnxruntime (1.31) fuses a Transpose
    followed by a MatMul with a 1-D operand into a FusedMatMul that computes the wrong
    result at ORT_ENABLE_EXTENDED and above.
    """
    return (values @ weights[:, None])[..., 0]


def _masked_max(values, mask, keepdim=False):
    return torch.where(mask > 0, values, torch.full_like(values, -1e9)).amax(dim=1, keepdim=keepdim)


def _frame_times(values):
    """Start time in seconds of each frame along axis 1 (10 ms hop)."""
    return torch.arange(values.shape[1], device=values.device)[None, :] * (HOP / SAMPLE_RATE)


def _weighted_slope(values, weights, times):
    """Slope of a weighted least-squares line through ``values`` over ``times``."""
    total = weights.sum(dim=1, keepdim=True).clamp(min=1e-6)
    t_mean = (weights * times).sum(dim=1, keepdim=True) / total
    v_mean = (weights * values).sum(dim=1, keepdim=True) / total
    covariance = (weights * (times - t_mean) * (values - v_mean)).sum(dim=1)
    variance = (weights * (times - t_mean) ** 2).sum(dim=1).clamp(min=1e-6)
    return covariance / variance


def _pairwise_change(values, weights):
    """Mean absolute frame-to-frame change, weighted by both frames' weights."""
    pair = weights[:, 1:] * weights[:, :-1]
    change = (values[:, 1:] - values[:, :-1]).abs()
    return (pair * change).sum(dim=1) / pair.sum(dim=1).clamp(min=1e-6)


def _delta_std(values, mask):
    """Standard deviation over frames of each column's centred delta (frames on axis 1),
    over the frames whose both neighbours are in the clip."""
    delta = (values[:, 2:] - values[:, :-2]) / 2
    _, std = masked_mean_std(delta, (mask[:, 2:] * mask[:, :-2])[..., None], dim=1)
    return std


def _envelope(level, mask):
    """``level`` (dB) re its loudest frame, floored ``ENVELOPE_RANGE_DB`` below, less its mean.

    Frames run along axis 1; ``mask`` (1 on a clip's true frames) broadcasts against
    ``level``, which may carry a trailing axis of bands. Zero outside the clip.
    """
    loudest = _masked_max(level, mask, keepdim=True)
    envelope = (level - loudest).clamp(min=-ENVELOPE_RANGE_DB)
    mean = (envelope * mask).sum(dim=1, keepdim=True) / mask.sum(dim=1, keepdim=True).clamp(
        min=1e-6)
    return (envelope - mean) * mask


class AcousticFeatures(nn.Module):
    """Prosodic and spectral statistics of each clip of a padded batch (no weights).

    Frame descriptors, computed on each clip's true frames only:

    - *loudness*: frame power in dB (25 ms Hann windows, 10 ms hop);
    - *pitch*: f0 from the normalized autocorrelation of 40 ms windows band-limited to
      0-4 kHz (lags for
      ``f0_min``-``f0_max`` Hz, window-corrected, a 0.01 octave cost, parabolic
      interpolation), in semitones re 27.5 Hz; the peak correlation is the voicing
      strength; frames are weighted as voiced by a piecewise-linear function of voicing
      strength and level (no hard threshold, so the features change smoothly);
    - *spectrum*: log-mel energies (dB), MFCCs 1-12 and their deltas, spectral slope
      across mel bands, alpha ratio (50-1000 Hz vs 1-5 kHz), Hammarberg index (peak
      0-2 kHz vs 2-5 kHz), centroid (kHz), flux (mean absolute log-mel change).

    Both power spectra (25 ms and 40 ms) are first cleaned of the clip's own noise, so a
    hiss or a phone's noise floor barely moves the pauses, the weak high bands, the
    voicing strength and the spectral balance: the mean spectrum of the clip's quietest
    fifth of frames, capped per bin at twice the lowest estimate within 8 bins (a steady
    tone or a voice's harmonics is not taken for noise), is subtracted four times over
    (clamped at zero), and a flat floor 25 dB below the clip's mean per-bin power is added
    back, so clean and noisy versions of a clip meet on the same floor.

    Statistics: mean and standard deviation of each; for loudness also 10/50/90th
    percentiles, their range, the slope over time, the mean frame-to-frame change and the
    share of frames 30 dB or more below the loudest ("pause fraction"); for pitch the
    voiced-weighted mean, spread and slope of f0, the f0 frame change (mean absolute f0
    change between consecutive voiced 10 ms frames, semitones), voiced fraction, mean
    harmonics-to-noise ratio (Boersma's autocorrelation HNR, ``10 log10(r / (1 - r))``),
    voicing strength, and the level frame change (mean absolute level change between
    consecutive voiced frames, dB); and the speech duration in seconds. Then the mean and
    standard deviation of MFCCs 1-12 over voiced frames only; and rhythm, from the
    modulation spectrum of the loudness envelope: the share of its energy in the
    syllable band (2-8 Hz) and that band's centroid. See :func:`acoustic_feature_names`.

    With ``dynamics``, 80 features of how the spectrum moves follow: for each of 8 groups
    of adjacent mel bands, the envelope (the group's level re its loudest frame, floored
    40 dB below) and the share of its modulation energy in 0.5-2, 2-4, 4-8, 8-16 and
    16-50 Hz (per-band modulation spectra, after Wu, Falk and Chan, 2011), then the
    standard deviation of each log-mel band's delta.

    Everything is Fourier transforms, matrix products and elementwise work; for ONNX
    export the transforms are written as convolutions with the DFT basis
    (``dft_as_convolution``), so the graph computes the same features.

    Parameters
    ----------
    n_mels : int, default=40
        Mel bands (20 Hz to 8 kHz).
    n_mfcc : int, default=12
        MFCCs after the zeroth.
    f0_min, f0_max : float, default=60.0, 500.0
        The pitch search range, in Hz.
    denoise : bool or "both", default=True
        Clean the spectra of the clip's own steady noise first (see above). ``"both"``
        computes the features twice, on the cleaned spectra and on the spectra as
        recorded, and returns both (342 features: the Fourier transforms and the pitch
        period search are shared).
    dynamics : bool, default=False
        Add the 80 features of spectral dynamics (see above) to each pass.
    """

    min_samples = 640  # one 40 ms pitch window
    dft_as_convolution = False  # set for ONNX export, see _power

    def __init__(self, n_mels=40, n_mfcc=12, f0_min=60.0, f0_max=500.0, denoise=True,
                 dynamics=False):
        super().__init__()
        denoise_passes(denoise)  # refuse a bad value here, not at the first batch
        self.denoise = denoise
        import librosa

        kernel, window = _dft_kernel(WINDOW, N_FFT)
        self._constant("stft_kernel", kernel)
        self._constant("bin_weights", _bin_weights(N_FFT))
        self.power_norm = float(N_FFT * np.sum(window**2))
        mel = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=n_mels, fmin=20.0)
        self._constant("mel_basis", mel.T)
        # Orthonormal DCT-II rows 1..n_mfcc (c0 dropped: loudness covers it).
        dct = scipy.fft.dct(np.eye(n_mels), type=2, norm="ortho", axis=0)[1 : n_mfcc + 1].T
        self._constant("dct_basis", dct)
        centred = np.arange(n_mels) - (n_mels - 1) / 2
        self._constant("slope_basis", centred / np.sum(centred**2))
        bands = {"alpha_low": (50, 1000), "alpha_high": (1000, 5000)}
        for name, (low, high) in bands.items():
            inside = (FREQUENCIES >= low) & (FREQUENCIES < high)
            self._constant(name, inside)
        self._constant("frequencies_khz", FREQUENCIES / 1000)

        pitch_kernel, pitch_window = _dft_kernel(PITCH_WINDOW, PITCH_N_FFT, PITCH_BINS)
        self._constant("pitch_kernel", pitch_kernel)
        self.pitch_power_norm = float(PITCH_N_FFT * np.sum(pitch_window**2))
        lags = np.arange(math.floor(SAMPLE_RATE / f0_max), math.ceil(SAMPLE_RATE / f0_min) + 1)
        if lags[-1] + PITCH_WINDOW > PITCH_N_FFT:
            raise ValueError(f"f0_min={f0_min} Hz needs lags the pitch DFT cannot hold")
        # Autocorrelation of the band-limited signal from its power spectrum: every bin
        # below 4 kHz stands for itself and its mirror image.
        weights = np.full(PITCH_BINS, 2.0)
        weights[0] = 1.0
        k = np.arange(PITCH_BINS)[:, None]
        cosines = weights[:, None] * np.cos(2 * np.pi * k * lags / PITCH_N_FFT) / PITCH_N_FFT
        self._constant("lag_basis", cosines)
        self._constant("pitch_bin_weights", weights / PITCH_N_FFT)
        window_correlation = np.array(
            [np.sum(pitch_window[: PITCH_WINDOW - lag] * pitch_window[lag:]) for lag in lags]
        ) / np.sum(pitch_window**2)
        self._constant("window_correlation", window_correlation)
        octave_bonus = -OCTAVE_COST * np.log2(f0_min * lags / SAMPLE_RATE)
        self._constant("octave_bonus", octave_bonus)
        self._constant("lags", lags)
        self.n_lags = len(lags)
        self._constant("modulation_hz", MODULATION_HZ)
        low, high = SYLLABLE_BAND_HZ
        self._constant("syllable_band", (MODULATION_HZ >= low) & (MODULATION_HZ <= high))
        self.dynamics = bool(dynamics)
        if self.dynamics:
            # Mel band i joins group i * 8 // n_mels: 8 groups of adjacent bands.
            groups = np.eye(MODULATION_GROUPS)[np.arange(n_mels) * MODULATION_GROUPS // n_mels]
            self._constant("mel_group_basis", mel.T @ groups)
            # Each modulation frequency's band, one-hot: (n_frequencies, n_bands).
            band = np.searchsorted(MODULATION_EDGES_HZ, MODULATION_HZ, side="right") - 1
            self._constant("modulation_bands", np.eye(len(MODULATION_EDGES_HZ))[band])

    @property
    def passes(self):
        """The kinds of spectrum the features are computed on (see ``denoise_passes``).

        Derived from ``denoise``, so a module pickled before ``"both"`` existed still runs.
        """
        return denoise_passes(self.denoise)

    def _constant(self, name, values):
        self.register_buffer(name, torch.as_tensor(np.asarray(values), dtype=torch.float32))

    def _power(self, waveforms, kernel, n_fft):
        """Power spectrum ``(n_clips, n_frames, n_bins)`` of Hann-windowed frames.

        An FFT of the frames in torch; a convolution with the windowed DFT basis
        (``kernel``) when ``dft_as_convolution`` is set, which ``torch.onnx.export`` can
        write (ONNX Runtime's STFT operator ran slower). The same numbers either way.
        """
        n_bins, window_length = kernel.shape[0] // 2, kernel.shape[2]
        if self.dft_as_convolution:
            spectrum = F.conv1d(waveforms[:, None, :], kernel, stride=HOP)
            power = spectrum[:, :n_bins] ** 2 + spectrum[:, n_bins:] ** 2
            return power.transpose(1, 2)
        # The window is zero-padded to n_fft and the waveform by as much, so the frames
        # come out of one product already padded (the same frames and spectra as
        # padding each frame for the FFT, with no copy of every frame).
        window = F.pad(torch.hann_window(window_length, periodic=True, dtype=waveforms.dtype,
                                         device=waveforms.device), (0, n_fft - window_length))
        frames = F.pad(waveforms, (0, n_fft - window_length)).unfold(1, n_fft, HOP)
        # Each clip's frames in chunks that stay in cache, windowed chunk by chunk (the
        # frames stay a view until then) and written straight into the output: one FFT
        # over a whole batch's frames ran slower on one core, with the same spectra.
        power = frames.new_empty((*frames.shape[:2], n_bins))
        for clip, out in zip(frames, power):
            for chunk, target in zip(clip.split(FFT_CHUNK), out.split(FFT_CHUNK)):
                _frame_power(chunk * window, n_bins, out=target)
        return power

    def _loudness_features(self, loudness, mask):
        mean, std = masked_mean_std(loudness, mask, dim=1)
        p10, p50, p90 = _masked_quantiles(loudness, mask, (0.1, 0.5, 0.9))
        slope = _weighted_slope(loudness, mask, _frame_times(loudness))
        flux = _pairwise_change(loudness, mask)
        peak = _masked_max(loudness, mask, keepdim=True)
        quiet = ((peak - 30.0 - loudness) / 5.0 + 0.5).clamp(0.0, 1.0)
        pause = (quiet * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-6)
        return [mean, std, p10, p50, p90, p90 - p10, slope, flux, pause]

    def _denoise(self, power, mask, bin_weights, clean=True):
        """``power`` less the clip's own noise estimate, on a floor set by the clip's level.

        See ``NOISE_QUANTILE`` and the constants after it: the estimate is the mean
        spectrum of the frames at or below the clip's quietest-fifth level, each bin capped
        at ``NOISE_CAP`` times the lowest estimate within ``NOISE_SPAN`` bins (so a steady
        tone keeps its power) and kept only in bins where it is steady (``NOISE_PRESENCE``);
        ``NOISE_SUBTRACTION`` times it is subtracted (clamped at 0) and a flat floor
        ``FLOOR_DB`` below the clip's mean per-bin power is added. Also returns the
        subtracted estimate's energy ``(n_clips, 1)``.
        """
        if not clean:
            return power, torch.zeros_like(power[:, :1, 0])
        energy = _weigh(power, bin_weights)
        level = 10 * torch.log10(energy + LOG_FLOOR)
        (threshold,) = _masked_quantiles(level, mask, (NOISE_QUANTILE,))
        # Frames up to 1 dB above the quantile count in part, so frames of equal level
        # (a steady sound's) are all in or all out: the estimate is continuous.
        quiet = (threshold[:, None] + 1.0 - level).clamp(0.0, 1.0) * mask
        # Weighted sums over frames as products (n_clips, 1, n_frames) @ (.., n_bins).
        noise = (quiet[:, None, :] @ power) / quiet.sum(dim=1).clamp(min=1e-6)[:, None, None]
        smooth = -F.max_pool1d(-noise, 2 * NOISE_SPAN + 1, stride=1, padding=NOISE_SPAN)
        noise = torch.minimum(noise, NOISE_CAP * smooth)
        # A steady noise is there in every frame: a bin whose estimate most frames fall
        # well short of (a moving tone's trace, say) is not noise, and is left alone.
        # (A soft count of the frames reaching half of it: continuous in the samples.)
        frames = mask.sum(dim=1).clamp(min=1e-6)[:, None, None]
        # ((power / noise - 0.25) / 0.5, in place and with the halving folded into the
        # divisor: the same numbers, as halving is exact, with fewer passes.)
        reach = (power / (noise.clamp(min=LOG_FLOOR) / 2)).sub_(0.5).clamp_(0.0, 1.0)
        present = (mask[:, None, :] @ reach) / frames
        noise = ((present - NOISE_PRESENCE) / 0.2).clamp(0.0, 1.0) * noise
        mean_energy = (energy * mask).sum(dim=1) / frames[:, 0, 0]
        floor = (10 ** (FLOOR_DB / 10) * mean_energy / bin_weights.sum())[:, None, None]
        cleaned = (power - NOISE_SUBTRACTION * noise).clamp_(min=0.0).add_(floor)
        return cleaned, _weigh(noise, bin_weights)

    def _correlation(self, power):
        """Window-corrected normalized autocorrelation at the pitch lags, and the energy.

        Window-corrected (Boersma): it may exceed 1 slightly near the period, so the peak
        is searched and interpolated unclamped and only the strength is clipped.
        """
        energy = _weigh(power, self.pitch_bin_weights)
        correlation = (power @ self.lag_basis).div_(energy[..., None].clamp(min=LOG_FLOOR))
        return correlation.div_(self.window_correlation), energy

    def _pitch_analysis(self, waveforms, lengths):
        """The 40 ms power spectra, their frame mask, autocorrelation, energy and f0.

        The period is searched on the spectrum as it is (what the noise removal takes can
        tip the octave choice), once for every kind of spectrum the features read.
        """
        power = self._power(waveforms, self.pitch_kernel, PITCH_N_FFT)
        mask = frame_mask(conv_output_lengths(lengths, PITCH_WINDOW, HOP), power.shape[1])
        correlation, energy = self._correlation(power)
        best = torch.max(correlation + self.octave_bonus, dim=2, keepdim=True).indices
        left = torch.gather(correlation, 2, (best - 1).clamp(min=0))
        peak = torch.gather(correlation, 2, best)
        right = torch.gather(correlation, 2, (best + 1).clamp(max=self.n_lags - 1))
        curvature = left - 2 * peak + right
        safe = torch.where(curvature.abs() > 1e-6, curvature, torch.full_like(curvature, -1e-6))
        shift = (0.5 * (left - right) / safe).clamp(-0.5, 0.5)
        lag = torch.gather(self.lags.expand_as(correlation), 2, best) + shift
        semitones = (12 * torch.log2(SAMPLE_RATE / lag / 27.5))[..., 0]
        return power, mask, correlation, energy, semitones

    def _pitch_features(self, analysis, clean):
        """Pitch statistics, and the frame values later features reuse.

        Returns the statistics, each frame's voiced weight, its level (dB) and the frame
        mask, all on the pitch analysis's frames. The voicing strength is read on the
        cleaned spectrum where ``clean``, else on the spectrum as it is.
        """
        power, mask, correlation, energy, semitones = analysis
        cleaned, noise_energy = self._denoise(power, mask, self.pitch_bin_weights, clean)
        if clean:
            correlation, energy = self._correlation(cleaned)
        # The cleaned spectrum's own highest peak: continuous in the samples (reading it at
        # the raw search's lag would jump wherever two near-equal lags trade places).
        strength = correlation.amax(dim=2).clamp(0.0, 1.0)

        level = 10 * torch.log10(energy * PITCH_N_FFT / self.pitch_power_norm + LOG_FLOOR)
        loudest = _masked_max(level, mask, keepdim=True)
        audible = ((level - loudest + 35.0) / 10.0).clamp(0.0, 1.0)
        # What is left of a frame of noise alone is a few random peaks, which correlate
        # like a tone: a voiced frame must also stand 3 dB or more above the noise removed.
        snr = 10 * torch.log10(energy / noise_energy.clamp(min=LOG_FLOOR) + LOG_FLOOR)
        audible = audible * (snr / 3.0).clamp(0.0, 1.0)
        voiced = ((strength - 0.45) / 0.25).clamp(0.0, 1.0) * audible * mask

        f0_mean, f0_std = masked_mean_std(semitones, voiced, dim=1)
        f0_slope = _weighted_slope(semitones, voiced, _frame_times(semitones))
        # Frame-to-frame changes, not jitter and shimmer: those are cycle-to-cycle
        # (period by period) measures, which 10 ms frames cannot resolve.
        f0_change = _pairwise_change(semitones, voiced)
        voiced_fraction = voiced.sum(dim=1) / mask.sum(dim=1).clamp(min=1e-6)
        clipped = strength.clamp(0.01, 0.99)
        hnr = 10 * torch.log10(clipped / (1 - clipped))
        hnr_mean, _ = masked_mean_std(hnr, voiced, dim=1)
        voicing_mean, voicing_std = masked_mean_std(strength, mask, dim=1)
        level_change = _pairwise_change(level, voiced)
        stats = [
            f0_mean, f0_std, f0_slope, f0_change, voiced_fraction, hnr_mean,
            voicing_mean, voicing_std, level_change,
        ]
        return stats, voiced, level, mask

    def _rhythm_features(self, level, mask):
        """How much of the loudness envelope's modulation lies in the syllable band.

        The envelope is the frame level re the clip's loudest frame, floored
        ``ENVELOPE_RANGE_DB`` below it, less its mean; its modulation spectrum is a DFT at
        the fixed frequencies ``MODULATION_HZ`` (any clip length). Returns the share of the
        modulation energy in ``SYLLABLE_BAND_HZ`` and that band's centroid (Hz).
        """
        energy = self._modulation_energy(_envelope(level, mask))
        band = self.syllable_band
        in_band = _weigh(energy, band)
        # A steady envelope has no modulation to speak of: the energy of a 0.1 dB wobble
        # is added, so its share goes to 0 and its centroid to the band's middle (rather
        # than to ratios of rounding errors).
        wobble = (0.1 * mask.sum(dim=1)) ** 2
        share = in_band / (energy.sum(dim=1) + wobble)
        middle = sum(SYLLABLE_BAND_HZ) / 2
        centroid = (_weigh(energy, band * self.modulation_hz) + middle * wobble) / (
            in_band + wobble)
        return [share, centroid]

    def _modulation_energy(self, envelope):
        """Energy ``(..., n_frequencies)`` of ``envelope`` (frames last) at ``MODULATION_HZ``."""
        times = _frame_times(envelope.transpose(1, -1))[0]
        angle = 2 * math.pi * times[:, None] * self.modulation_hz
        return (envelope @ torch.cos(angle)) ** 2 + (envelope @ torch.sin(angle)) ** 2

    def _dynamics_features(self, power, log_mel, mask):
        """How each mel-band group's envelope moves, and how much each log-mel band does.

        Per group of adjacent mel bands (``MODULATION_GROUPS``): the share of its
        envelope's (see ``_envelope``) modulation energy in each band from
        ``MODULATION_EDGES_HZ``; a steady group (no modulation to speak of) gets a 0.1 dB
        wobble's energy spread evenly, so its shares go to equal parts. Then the standard
        deviation of each log-mel band's delta, as for the MFCCs.
        """
        level = 10 * torch.log10(power @ self.mel_group_basis + LOG_FLOOR)
        envelope = _envelope(level, mask[..., None]).transpose(1, 2)
        energy = self._modulation_energy(envelope) @ self.modulation_bands
        wobble = ((0.1 * mask.sum(dim=1)) ** 2)[:, None, None]
        shares = (energy + wobble / energy.shape[2]) / (energy.sum(dim=2, keepdim=True) + wobble)
        return [shares.flatten(1), _delta_std(log_mel, mask)]

    def _spectral_features(self, power, mask, voiced):
        log_mel = 10 * torch.log10(power @ self.mel_basis + LOG_FLOOR)
        mfcc = log_mel @ self.dct_basis
        voiced_mean, voiced_std = masked_mean_std(mfcc, voiced[..., None], dim=1)
        mfcc_mean, mfcc_std = masked_mean_std(mfcc, mask[..., None], dim=1)
        delta_std = _delta_std(mfcc, mask)
        mel_mean, mel_std = masked_mean_std(log_mel, mask[..., None], dim=1)

        def band(weights):
            return 10 * torch.log10(_weigh(power, weights) + LOG_FLOOR)

        def band_peak(bins):  # the level of the loudest bin (dB), of the power's maximum
            return 10 * torch.log10(power[..., bins].amax(dim=2) + LOG_FLOOR)

        frames = {
            "slope": _weigh(log_mel, self.slope_basis),
            "alpha_ratio": band(self.alpha_low) - band(self.alpha_high),
            "hammarberg": band_peak(HAMMARBERG_LOW) - band_peak(HAMMARBERG_HIGH),
            "centroid": _weigh(power, self.frequencies_khz) / (power.sum(dim=2) + LOG_FLOOR),
        }
        stats = []
        for values in frames.values():
            stats.extend(masked_mean_std(values, mask, dim=1))
        flux = (log_mel[:, 1:] - log_mel[:, :-1]).abs().mean(dim=2)
        stats.extend(masked_mean_std(flux, mask[:, 1:] * mask[:, :-1], dim=1))
        vectors = [mfcc_mean, mfcc_std, delta_std, mel_mean, mel_std]
        return vectors, stats, [voiced_mean, voiced_std], log_mel

    def forward(self, waveforms, lengths):
        """Features ``(n_clips, 171)`` of a padded batch (251 with ``dynamics``, twice as
        many with ``denoise="both"``).

        Parameters
        ----------
        waveforms : torch.Tensor [shape=(n_clips, n_samples), dtype=float32]
            At least 640 samples wide.
        lengths : torch.Tensor [shape=(n_clips,), dtype=int64]
            True lengths, each at least 640 samples.
        """
        power = self._power(waveforms, self.stft_kernel, N_FFT)
        mask = frame_mask(conv_output_lengths(lengths, WINDOW, HOP), power.shape[1])
        pitch = self._pitch_analysis(waveforms, lengths)
        duration = lengths.to(torch.float32) / SAMPLE_RATE
        return torch.cat(
            [self._features(power, mask, pitch, duration, clean) for clean in self.passes],
            dim=1,
        )

    def _features(self, power, mask, pitch_analysis, duration, clean):
        """The 171 (251) features of one kind of spectrum: cleaned (``clean``) or as recorded."""
        power, _ = self._denoise(power, mask, self.bin_weights, clean)
        loudness = 10 * torch.log10(_weigh(power, self.bin_weights) / self.power_norm + LOG_FLOOR)
        scalars = self._loudness_features(loudness, mask)
        pitch, voiced, level, pitch_mask = self._pitch_features(pitch_analysis, clean)
        scalars += pitch
        # A 40 ms pitch frame's centre is 0.75 of a hop after the 25 ms frame of the same
        # index: shift by one frame (to 0.25), and pad to the 25 ms analysis's frames.
        voiced_here = F.pad(voiced, (1, power.shape[1] - voiced.shape[1] - 1)) * mask
        vectors, spectral, voiced_mfcc, log_mel = self._spectral_features(power, mask,
                                                                          voiced_here)
        rhythm = self._rhythm_features(level, pitch_mask)
        features = [torch.stack(scalars, dim=1), *vectors,
                    torch.stack([*spectral, duration], dim=1), *voiced_mfcc,
                    torch.stack(rhythm, dim=1)]
        # (A module pickled before the dynamics existed has no such attribute.)
        if getattr(self, "dynamics", False):
            features += self._dynamics_features(power, log_mel, mask)
        return torch.cat(features, dim=1)
