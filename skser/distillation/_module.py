"""The Wav2Small student network: waveform in, logits (or dimensions) out, in torch."""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..embedding import conv_output_lengths, lengths_from_padding

__all__ = ["LogMelFrontEnd", "Wav2SmallNetwork", "Wav2SmallModule", "mel_filterbank"]

SAMPLE_RATE = 16000
_LOG_FLOOR = 1e-6
_MASK_SCORE = -1e4


def _hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_fft, n_mels, sample_rate=SAMPLE_RATE):
    """Triangular mel filters ``(n_fft // 2 + 1, n_mels)``, each summing to 1.

    With short frames (64 samples: 250 Hz bins) the lowest mel bands are narrower than
    one bin, and textbook triangles would leave them empty. Each triangle's half-widths
    are therefore at least one bin, so every band sees the bins nearest its centre.

    Examples
    --------
    >>> weights = mel_filterbank(64, 26)
    >>> weights.shape, bool((weights.sum(axis=0) > 0.999).all())
    ((33, 26), True)
    """
    bins = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    spacing = sample_rate / n_fft
    edges = _mel_to_hz(np.linspace(0.0, _hz_to_mel(sample_rate / 2), n_mels + 2))
    weights = np.zeros((bins.size, n_mels))
    for band in range(n_mels):
        low, centre, high = edges[band : band + 3]
        left = max(centre - low, spacing)
        right = max(high - centre, spacing)
        rising = 1.0 - (centre - bins) / left
        falling = 1.0 - (bins - centre) / right
        weights[:, band] = np.clip(np.where(bins <= centre, rising, falling), 0.0, None)
    return weights / weights.sum(axis=0, keepdims=True)


def _dft_kernel(n_fft):
    """Hann-windowed one-sided DFT basis as a frozen conv1d kernel ``(2 * bins, 1, n_fft)``."""
    n = np.arange(n_fft)
    k = np.arange(n_fft // 2 + 1)[:, None]
    window = np.hanning(n_fft + 1)[:-1]
    angle = 2 * np.pi * k * n / n_fft
    kernel = np.concatenate([np.cos(angle), -np.sin(angle)]) * window
    return torch.tensor(kernel[:, None, :], dtype=torch.float32)


class LogMelFrontEnd(nn.Module):
    """Per-clip normalization, an STFT as a frozen convolution, and a log-mel.

    ``forward(waveforms, lengths)`` normalizes each clip over its true samples to zero
    mean and unit variance (padding stays zero), takes power spectra of ``n_fft``-sample
    Hann frames every ``hop_length`` samples by convolving with the DFT basis, projects
    them on ``n_mels`` mel bands and takes the log. It returns the log-mel
    ``(n, 1, n_frames, n_mels)``, zero on frames past each clip's end, and each clip's
    number of true frames. Nothing in it is trained.
    """

    def __init__(self, n_fft=64, hop_length=32, n_mels=26):
        super().__init__()
        self.n_fft, self.hop_length, self.n_mels = int(n_fft), int(hop_length), int(n_mels)
        self.register_buffer("dft_kernel", _dft_kernel(self.n_fft))
        mel = mel_filterbank(self.n_fft, self.n_mels)
        self.register_buffer("mel_basis", torch.as_tensor(mel, dtype=torch.float32))

    def forward(self, waveforms, lengths):
        positions = torch.arange(waveforms.shape[1], device=waveforms.device)
        inside = (positions[None, :] < lengths[:, None]).to(waveforms.dtype)
        count = lengths[:, None].to(waveforms.dtype).clamp(min=1.0)
        mean = (waveforms * inside).sum(dim=1, keepdim=True) / count
        centred = (waveforms - mean) * inside
        variance = (centred * centred).sum(dim=1, keepdim=True) / count
        normalized = centred / torch.sqrt(variance + 1e-7)
        spectrum = F.conv1d(normalized[:, None, :], self.dft_kernel, stride=self.hop_length)
        n_bins = self.dft_kernel.shape[0] // 2
        power = spectrum[:, :n_bins] ** 2 + spectrum[:, n_bins:] ** 2
        logmel = torch.log(torch.matmul(power.transpose(1, 2), self.mel_basis) + _LOG_FLOOR)
        n_frames = conv_output_lengths(lengths, self.n_fft, self.hop_length)
        valid = (torch.arange(logmel.shape[1], device=waveforms.device)[None, :]
                 < n_frames[:, None]).to(logmel.dtype)
        return (logmel * valid[:, :, None])[:, None], n_frames


class _ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)

    def forward(self, x, valid):
        return F.relu(self.norm(self.conv(x))) * valid


class Wav2SmallNetwork(nn.Module):
    """The trained part: 3x3 convolutions, attention and Gram pooling, a linear output.

    ``forward(logmel, n_frames)`` takes :class:`LogMelFrontEnd`'s output. After every
    convolution (BatchNorm, ReLU) the frames past each clip's end are set to zero, so a
    clip's output does not depend on the padding after it: the next convolution sees the
    same zeros it would see at the end of an unpadded clip. One max pooling of
    ``pool_size`` (time, mel), stride equal to its size, follows block ``pool_after``
    (0: it pools the log-mel itself). The pooled frames (channels x mel bands) are
    summarised two ways over the clip's true frames only: attention pooling (a learnt
    score per frame, softmax over true frames) and the Gram matrix of the channels
    (its upper triangle). Both are concatenated, batch-normalized and mapped linearly to
    ``n_outputs``.
    """

    def __init__(self, *, n_mels, n_outputs, n_channels=13, n_layers=7, pool_after=0,
                 pool_size=(2, 2), dropout=0.0):
        super().__init__()
        widths = [1] + [int(n_channels)] * int(n_layers)
        self.blocks = nn.ModuleList(
            [_ConvBlock(widths[i], widths[i + 1]) for i in range(int(n_layers))]
        )
        self.pool_after = int(pool_after)
        self.pool_size = (int(pool_size[0]), int(pool_size[1]))
        n_bands = int(n_mels) // self.pool_size[1]
        width = int(n_channels) * n_bands
        self.attention = nn.Linear(width, 1)
        rows, cols = np.triu_indices(int(n_channels))
        self.register_buffer("gram_index", torch.as_tensor(rows * n_channels + cols))
        n_features = width + rows.size
        self.norm = nn.BatchNorm1d(n_features)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(n_features, int(n_outputs))
        self.register_buffer("output_mean", torch.zeros(int(n_outputs)))
        self.register_buffer("output_scale", torch.ones(int(n_outputs)))

    def set_output_scale(self, mean, scale):
        """Outputs become ``linear * scale + mean`` (a regressor's target units)."""
        self.output_mean.copy_(torch.as_tensor(np.asarray(mean), dtype=torch.float32))
        self.output_scale.copy_(torch.as_tensor(np.asarray(scale), dtype=torch.float32))

    def forward(self, logmel, n_frames):
        x = logmel
        valid = self._valid(n_frames, x.shape[2])
        for index, block in enumerate(self.blocks):
            if index == self.pool_after:
                x, n_frames, valid = self._pool(x, n_frames)
            x = block(x, valid)
        if self.pool_after == len(self.blocks):
            x, n_frames, valid = self._pool(x, n_frames)
        n, channels, frames, bands = x.shape
        mask = valid[:, 0, :, 0]  # (n, frames)
        sequence = x.permute(0, 2, 1, 3).reshape(n, frames, channels * bands)
        scores = self.attention(sequence)[:, :, 0] + (1.0 - mask) * _MASK_SCORE
        weights = torch.softmax(scores, dim=1)
        attended = torch.bmm(weights[:, None, :], sequence)[:, 0]
        flat = x.reshape(n, channels, frames * bands)
        count = (n_frames.to(x.dtype) * bands).clamp(min=1.0)[:, None, None]
        gram = torch.bmm(flat, flat.transpose(1, 2)) / count
        gram = gram.reshape(n, channels * channels).index_select(1, self.gram_index)
        features = torch.cat([attended, gram], dim=1)
        return self.output(self.dropout(self.norm(features))) * self.output_scale + self.output_mean

    def _pool(self, x, n_frames):
        x = F.max_pool2d(x, self.pool_size)
        n_frames = torch.div(n_frames, self.pool_size[0], rounding_mode="floor")
        return x, n_frames, self._valid(n_frames, x.shape[2])

    @staticmethod
    def _valid(n_frames, width):
        positions = torch.arange(width, device=n_frames.device)
        return (positions[None, :] < n_frames[:, None]).to(torch.float32)[:, None, :, None]


class Wav2SmallModule(nn.Module):
    """Front end and network: ``forward(waveforms, lengths)`` gives the raw outputs."""

    def __init__(self, front_end, network):
        super().__init__()
        self.front_end = front_end
        self.network = network

    def forward(self, waveforms, lengths):
        return self.network(*self.front_end(waveforms, lengths))

    def get_config(self):
        """The sizes of the front end and the network, as plain Python.

        Returns
        -------
        config : dict
            What :meth:`from_config` rebuilds the same architecture from.
        """
        network = self.network
        return {
            "n_fft": self.front_end.n_fft,
            "hop_length": self.front_end.hop_length,
            "n_mels": self.front_end.n_mels,
            "n_outputs": int(network.output.out_features),
            "n_channels": int(network.blocks[0].conv.out_channels),
            "n_layers": len(network.blocks),
            "pool_after": network.pool_after,
            "pool_size": list(network.pool_size),
            "dropout": float(network.dropout.p),
        }

    @classmethod
    def from_config(cls, config):
        """A module of the architecture :meth:`get_config` describes, with fresh weights.

        Parameters
        ----------
        config : dict
            As :meth:`get_config` gives it.

        Returns
        -------
        module : Wav2SmallModule
            ``load_state_dict`` of the original's state gives the original back.
        """
        front_end = LogMelFrontEnd(config["n_fft"], config["hop_length"], config["n_mels"])
        network = Wav2SmallNetwork(
            n_mels=config["n_mels"], n_outputs=config["n_outputs"],
            n_channels=config["n_channels"], n_layers=config["n_layers"],
            pool_after=config["pool_after"], pool_size=config["pool_size"],
            dropout=config["dropout"],
        )
        return cls(front_end, network)


class StudentFrontEndGraph(nn.Module):
    """The front end with lengths computed from the padding, for ONNX export.

    Lengths are raised to ``min_samples`` (short clips are padded with zeros) and the
    batch is cropped to its longest clip, as the embedders' graphs do.
    """

    def __init__(self, front_end, min_samples):
        super().__init__()
        self.front_end = front_end
        self.min_samples = int(min_samples)

    def forward(self, waveforms):
        lengths = lengths_from_padding(waveforms).clamp(min=self.min_samples)
        zeros = torch.zeros(waveforms.shape[0], self.min_samples, dtype=waveforms.dtype,
                            device=waveforms.device)
        padded = torch.cat([waveforms, zeros], dim=1)
        keep = torch.arange(lengths.max(), device=waveforms.device)
        return self.front_end(padded.index_select(1, keep), lengths)
