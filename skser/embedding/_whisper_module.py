"""Whisper's encoder behind its log-mel front end, pooled over each clip's true frames."""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._torch_ops import frame_mask, pool_hidden_states

__all__ = ["PooledWhisper", "whisper_frame_lengths"]

N_FFT = 400
HOP = 160


def whisper_frame_lengths(lengths, n_frames):
    """Encoder frames that hold a clip of ``lengths`` samples (at most ``n_frames``).

    Log-mel frame ``i`` is centred on sample ``160 i``: a clip fills ``ceil(n / 160)``
    of them. The encoder's second convolution (stride 2, kernel 3, padding 1) centres
    its frame ``j`` on log-mel frame ``2 j``: ``ceil(mel_frames / 2)`` frames.
    """
    mel = torch.div(lengths + HOP - 1, HOP, rounding_mode="floor")
    return torch.div(mel + 1, 2, rounding_mode="floor").clamp(max=n_frames)


def _dft_kernel(window):
    """The Hann-windowed DFT basis as a convolution kernel: real rows, then imaginary."""
    bins = np.arange(N_FFT // 2 + 1)[:, None]
    angle = 2 * np.pi * bins * np.arange(N_FFT)[None, :] / N_FFT
    kernel = np.concatenate([np.cos(angle) * window, -np.sin(angle) * window])
    return torch.from_numpy(kernel[:, None, :].astype(np.float32))


class PooledWhisper(nn.Module):
    """Whisper's encoder on 30 s windows, pooled over each clip's true frames.

    The front end is ``WhisperFeatureExtractor``'s, in torch: the clip is padded with
    zeros to the encoder's window (30 s: ``2 * max_source_positions`` log-mel frames)
    or cut to it, then a 400-point Hann STFT every 160 samples (centred, reflect
    padding; the last frame dropped), power, Slaney mel filters up to 8 kHz, ``log10``
    clamped at 1e-10, floored at the window's maximum minus 8, and ``(x + 4) / 4``.
    Whisper attends over the whole window, padding included, as it was trained: each
    clip runs alone in its window, so its output does not depend on the batch, nor on
    zeros appended to it (the window is zero-padded either way). Pooling uses the
    clip's own frames (:func:`whisper_frame_lengths`).

    Parameters
    ----------
    encoder : transformers.WhisperEncoder
        The encoder; only its modules are used (no copy).
    layers : list of int
        Hidden states to pool, indices into ``(encoder input, layer 1, ..., layer L)``;
        0 is the convolutions' output plus the positional embedding, L the encoder's
        ``last_hidden_state`` (after its final LayerNorm). Layers after the highest index
        are not run.
    mel_filters : np.ndarray [shape=(n_fft // 2 + 1, n_mels)]
        ``WhisperFeatureExtractor.mel_filters``.
    pooling : {"mean", "mean+std"}
        The statistics of each hidden state, concatenated in ``layers`` order.
    weights : list of float, optional
        Pool one weighted sum of the ``layers`` (one weight each) instead of each layer.
    """

    dft_as_convolution = False  # set for ONNX export: the STFT as a convolution

    def __init__(self, encoder, layers, mel_filters, pooling="mean", weights=None):
        super().__init__()
        self.conv1 = encoder.conv1
        self.conv2 = encoder.conv2
        self.embed_positions = encoder.embed_positions
        self.layers = encoder.layers[: max(layers)]
        self.layer_norm = encoder.layer_norm
        self.final_norm = max(layers) == len(encoder.layers)
        self.hidden_layers = list(layers)
        self.pooling = pooling
        self.weights = None if weights is None else [float(weight) for weight in weights]
        self.n_frames = encoder.embed_positions.num_embeddings
        self.n_samples = 2 * self.n_frames * HOP
        window = np.hanning(N_FFT + 1)[:-1]  # periodic Hann, as torch.hann_window
        self.register_buffer("window", torch.from_numpy(window.astype(np.float32)))
        self.register_buffer("dft_kernel", _dft_kernel(window))
        mel = np.asarray(mel_filters, dtype=np.float64).T
        self.register_buffer("mel_filters", torch.from_numpy(mel.astype(np.float32)))

    def log_mel(self, waveforms, lengths):
        """Whisper's log-mel ``(n_clips, n_mels, 2 * max_source_positions)``.

        Samples after each clip's length are zeroed and the batch is padded with zeros
        (or cut) to the 30 s window first.
        """
        mask = frame_mask(lengths, waveforms.shape[1])
        zeros = waveforms.new_zeros(waveforms.shape[0], self.n_samples)
        window = torch.cat([waveforms * mask, zeros], dim=1)[:, : self.n_samples]
        if self.dft_as_convolution:
            padded = F.pad(window[:, None, :], (N_FFT // 2, N_FFT // 2), mode="reflect")
            spectrum = F.conv1d(padded, self.dft_kernel, stride=HOP)
            n_bins = self.dft_kernel.shape[0] // 2
            power = spectrum[:, :n_bins] ** 2 + spectrum[:, n_bins:] ** 2
        else:
            spectrum = torch.stft(window, N_FFT, HOP, window=self.window, center=True,
                                  pad_mode="reflect", return_complex=True)
            power = spectrum.abs() ** 2
        mel = self.mel_filters @ power[..., :-1]
        log_spec = torch.clamp(mel, min=1e-10).log10()
        peak = log_spec.amax(dim=(1, 2), keepdim=True)
        return (torch.maximum(log_spec, peak - 8.0) + 4.0) / 4.0

    def encode(self, features):
        """Hidden states ``[(n_clips, frames, d_model), ...]`` of log-mel features."""
        hidden = F.gelu(self.conv1(features))
        hidden = F.gelu(self.conv2(hidden)).transpose(1, 2)
        hidden = hidden + self.embed_positions.weight
        states = [hidden]
        for layer in self.layers:
            hidden = layer(hidden, None)
            if isinstance(hidden, tuple):  # older transformers return (hidden_states, ...)
                hidden = hidden[0]
            states.append(hidden)
        if self.final_norm:
            states[-1] = self.layer_norm(states[-1])
        return states

    def forward(self, waveforms, lengths):
        """Pooled hidden states ``(n_clips, n_features)`` of a padded batch.

        Parameters
        ----------
        waveforms : torch.Tensor [shape=(n_clips, n_samples), dtype=float32]
        lengths : torch.Tensor [shape=(n_clips,), dtype=int64]
            True lengths; only the first 30 s of a longer clip are encoded.
        """
        lengths = lengths.clamp(max=self.n_samples)
        states = self.encode(self.log_mel(waveforms, lengths))
        n_frames = whisper_frame_lengths(lengths, self.n_frames)
        mask = frame_mask(n_frames, self.n_frames)
        return pool_hidden_states(states, mask, self.hidden_layers, self.pooling, self.weights)

