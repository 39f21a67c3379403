"""Speed perturbation as torch modules: a polyphase resampler and a multi-speed embedding."""

import math
from fractions import Fraction

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._channel_view import CHANNEL_VIEWS

__all__ = ["PolyphaseResampler", "SpeedViews", "check_speeds", "speed_ratio"]

MAX_DENOMINATOR = 32


def speed_ratio(speed):
    """``(up, down)``: the resampling that plays a clip ``speed`` times as fast at 16 kHz.

    A clip of ``n`` samples becomes ``ceil(n * up / down)`` samples, so pitch, formants
    and tempo all scale by ``speed`` (Kaldi's speed perturbation, sox's ``speed``).

    Parameters
    ----------
    speed : float in [0.5, 2]
        A ratio of integers up to 32, e.g. 0.9 (``(10, 9)``) or 1.1 (``(10, 11)``).

    Returns
    -------
    up, down : int

    Examples
    --------
    >>> speed_ratio(0.9), speed_ratio(1.1)
    ((10, 9), (10, 11))
    """
    speed = float(speed)
    if not (math.isfinite(speed) and 0.5 <= speed <= 2.0):
        raise ValueError(f"each speed must be in [0.5, 2], got {speed!r}")
    fraction = Fraction(speed).limit_denominator(MAX_DENOMINATOR)
    if abs(float(fraction) - speed) > 1e-9 * speed:
        raise ValueError(
            f"each speed must be a ratio of integers up to {MAX_DENOMINATOR} "
            f"(0.9, 1.1, 1.25...), got {speed!r}"
        )
    return fraction.denominator, fraction.numerator


def check_speeds(speeds):
    """``speeds`` as a list of floats, each a valid :func:`speed_ratio`, none 1, no repeats.

    Speed 1 is the clip as given, always the first view; a repeated speed would be the
    same view twice.

    Examples
    --------
    >>> check_speeds((0.9, 1.1))
    [0.9, 1.1]
    >>> check_speeds((1.0,))
    Traceback (most recent call last):
    ...
    ValueError: speed 1 is the clip as given, always the first view: leave it out of speeds
    """
    if isinstance(speeds, (str, bytes)) or not hasattr(speeds, "__iter__"):
        raise ValueError(f"speeds must be a sequence of floats, got {speeds!r}")
    try:
        values = [float(speed) for speed in speeds]
    except (TypeError, ValueError):
        raise ValueError(f"speeds must be a sequence of floats, got {speeds!r}") from None
    ratios = [speed_ratio(speed) for speed in values]
    if (1, 1) in ratios:
        raise ValueError("speed 1 is the clip as given, always the first view: leave it out "
                         "of speeds")
    if len(set(ratios)) < len(ratios):
        raise ValueError(f"speeds holds a speed twice: {values}")
    return values


class PolyphaseResampler(nn.Module):
    """Resample by ``up / down`` with scipy's ``resample_poly`` filter, as one convolution.

    The filter is ``resample_poly``'s (a Kaiser-windowed sinc, beta 5, of
    ``20 * max(up, down) + 1`` taps at the upsampled rate), and the output starts with
    ``scipy.signal.resample_poly(x, up, down)``, equal to float32 rounding. Rather than
    upsampling with zeros and filtering (``up`` times the work), each of the ``up``
    output phases is one channel of a strided ``conv1d``, and the channels are
    interleaved: a few dozen multiply-adds per output sample, exportable to ONNX.

    Parameters
    ----------
    up, down : int >= 1
        Coprime resampling factors.
    """

    def __init__(self, up, down):
        super().__init__()
        from scipy.signal import firwin

        self.up, self.down = int(up), int(down)
        half = 10 * max(self.up, self.down)
        taps = firwin(2 * half + 1, 1.0 / max(self.up, self.down), window=("kaiser", 5.0))
        taps = taps * self.up
        # Output sample m = r + up * k sums x[k * down + j] * taps[r * down + half - j * up]
        # over j: phase r is a filter over the offsets j, shared by every k.
        centres = np.arange(self.up) * self.down + half
        first = min(-((len(taps) - 1 - c) // self.up) for c in centres)
        last = max(c // self.up for c in centres)
        weight = np.zeros((self.up, 1, last - first + 1))
        for phase, centre in enumerate(centres):
            for offset in range(first, last + 1):
                tap = centre - offset * self.up
                if 0 <= tap < len(taps):
                    weight[phase, 0, offset - first] = taps[tap]
        self.register_buffer("weight", torch.as_tensor(weight, dtype=torch.float32))
        self.left = -first

    def output_lengths(self, lengths):
        """``ceil(lengths * up / down)``, for integer tensors."""
        return torch.div(lengths * self.up + self.down - 1, self.down, rounding_mode="floor")

    def forward(self, waveforms):
        """Resample a zero-padded batch ``(n_clips, n_samples)``.

        The output holds at least ``ceil(n_samples * up / down)`` samples, the resampled
        clips, then a few more (the filter's tail): a clip's true length becomes
        ``output_lengths(length)``. The padding is fixed, so an exported graph takes any
        width.
        """
        taps = self.weight.shape[2]
        padded = F.pad(waveforms, (self.left, taps + 2 * self.down))
        phases = F.conv1d(padded[:, None, :], self.weight, stride=self.down)
        return phases.transpose(1, 2).flatten(1)


class SpeedViews(nn.Module):
    """A clip embedder applied to each clip as recorded, at other speeds and through other
    channels, concatenated.

    Parameters
    ----------
    module : torch.nn.Module
        ``module(waveforms, lengths) -> (n_clips, n_features)``.
    speeds : sequence of float
        The other speeds (see :func:`speed_ratio`).
    channels : sequence of str, default=()
        Channels the recorded clip is also heard through (names of
        ``_channel_view.CHANNEL_VIEWS``). The output is ``(n_clips, (1 + len(speeds) +
        len(channels)) * n_features)``: the recorded clip's block, the speeds', then the
        channels'.
    """

    def __init__(self, module, speeds, channels=()):
        super().__init__()
        self.module = module
        self.resamplers = nn.ModuleList(PolyphaseResampler(*speed_ratio(s)) for s in speeds)
        self.channels = nn.ModuleList(CHANNEL_VIEWS[name]() for name in channels)

    def forward(self, waveforms, lengths):
        views = [self.module(waveforms, lengths)]
        for resampler in self.resamplers:
            views.append(self.module(resampler(waveforms), resampler.output_lengths(lengths)))
        # (A module pickled before the channel views existed has no such attribute.)
        for channel in getattr(self, "channels", ()):
            views.append(self.module(channel(waveforms, lengths), lengths))
        return torch.cat(views, dim=1)
