"""A telephone line as a torch module: a channel view of each clip, exportable to ONNX."""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["CHANNEL_VIEWS", "TelephoneChannel", "check_channel_views"]

SAMPLE_RATE = 16000
TELEPHONE_BAND_HZ = (300.0, 3400.0)
# 255 taps at 16 kHz: transition bands of about 100 Hz (Kaiser, 60 dB stop band).
N_TAPS = 255
MU = 255.0


class TelephoneChannel(nn.Module):
    """A narrow-band telephone line: the 300-3400 Hz band and an 8-bit mu-law codec.

    The clip is filtered by a linear-phase band pass (a Kaiser-windowed FIR of
    ``N_TAPS`` taps, as one convolution, so the output is aligned with the input), then
    coded as :func:`skser.preprocessing.mu_law` codes it (G.711), all at 16 kHz: what
    :func:`skser.preprocessing.telephone` does to a clip, without its trip through 8 kHz
    (which the band pass makes moot). Lengths are unchanged; padding stays zero.
    """

    def __init__(self):
        super().__init__()
        from scipy.signal import firwin

        taps = firwin(N_TAPS, TELEPHONE_BAND_HZ, pass_zero=False, window=("kaiser", 5.65),
                      fs=SAMPLE_RATE)
        self.register_buffer("taps", torch.as_tensor(taps[None, None, :], dtype=torch.float32))

    def forward(self, waveforms, lengths):
        """The batch ``(n_clips, n_samples)`` as heard through the line (same shape).

        Each clip is zeroed past its true length before and after the filter, so its
        output does not depend on the padding of its batch.
        """
        half = N_TAPS // 2
        inside = torch.arange(waveforms.shape[1], device=waveforms.device) < lengths[:, None]
        inside = inside.to(waveforms.dtype)
        band = F.conv1d(F.pad((waveforms * inside)[:, None, :], (half, half)), self.taps)
        band = band[:, 0] * inside
        # G.711: a sign bit and 7 bits of companded magnitude (silence stays 0). (log and
        # exp, not log1p and expm1, which ONNX lacks: the same levels to float32 rounding.)
        magnitude = torch.log(1.0 + MU * band.abs().clamp(max=1.0)) / math.log1p(MU)
        magnitude = torch.round(magnitude * 127.0) / 127.0
        return torch.sign(band) * (torch.exp(magnitude * math.log1p(MU)) - 1.0) / MU


CHANNEL_VIEWS = {"telephone": TelephoneChannel}


def check_channel_views(channels):
    """``channels`` as a list of distinct names among ``CHANNEL_VIEWS``.

    Examples
    --------
    >>> check_channel_views(("telephone",))
    ['telephone']
    >>> check_channel_views("telephone")
    Traceback (most recent call last):
    ...
    ValueError: channels must be a sequence of names among ['telephone'], got 'telephone'
    """
    names = sorted(CHANNEL_VIEWS)
    message = f"channels must be a sequence of names among {names}, got {channels!r}"
    if isinstance(channels, (str, bytes)) or not hasattr(channels, "__iter__"):
        raise ValueError(message)
    channels = list(channels)
    if any(not isinstance(c, str) or c not in CHANNEL_VIEWS for c in channels):
        raise ValueError(message)
    if len(set(channels)) < len(channels):
        raise ValueError(f"channels holds a channel twice: {channels}")
    return channels

