"""A HuBERT encoder that pools each clip over its true frames only."""

import torch
from torch import nn

from ._torch_ops import conv_output_lengths, frame_mask, masked_mean_std

__all__ = ["PooledHubert"]


class PooledHubert(nn.Module):
    """Run a Hugging Face ``HubertModel`` on a padded batch and pool over true frames.

    The output for a clip depends on that clip alone, whatever else is in the batch and
    however much padding follows it:

    - the first convolution's GroupNorm (an instance norm over time) takes its statistics
      over the clip's valid frames only;
    - later convolutions are local: a valid output frame reads only valid input frames;
    - padded frames are zeroed before the positional convolution and masked out of
      attention, as ``HubertModel`` does with an attention mask;
    - pooling (mean, or mean and standard deviation) uses valid frames only.

    Parameters
    ----------
    model : transformers.HubertModel
        The encoder; only its modules are used (no copy).
    layers : list of int
        Hidden states to pool, indices into ``(encoder input, layer 1, ..., layer L)``
        as ``output_hidden_states`` numbers them (0 is the feature projection after the
        positional convolution). Layers after the highest index are not run.
    pooling : {"mean", "mean+std"}
        The statistics of each hidden state, concatenated in ``layers`` order.
    normalize : bool
        Zero-mean, unit-variance each clip over its true length first (the model's
        feature extractor ``do_normalize``).
    """

    def __init__(self, model, layers, pooling="mean", normalize=False):
        super().__init__()
        config = model.config
        self.conv_layers = model.feature_extractor.conv_layers
        self.feature_projection = model.feature_projection
        self.pos_conv_embed = model.encoder.pos_conv_embed
        self.encoder_norm = model.encoder.layer_norm
        self.layers = model.encoder.layers[: max(layers)]
        self.final_norm = config.do_stable_layer_norm and max(layers) == len(model.encoder.layers)
        self.hidden_layers = list(layers)
        self.pooling = pooling
        self.normalize = normalize
        self.group_norm_first = config.feat_extract_norm == "group"
        self.stable_layer_norm = bool(config.do_stable_layer_norm)
        self.kernels = list(config.conv_kernel)
        self.strides = list(config.conv_stride)

    def frame_lengths(self, lengths):
        for kernel, stride in zip(self.kernels, self.strides):
            lengths = conv_output_lengths(lengths, kernel, stride)
        return lengths

    def _normalize(self, waveforms, lengths):
        mask = frame_mask(lengths, waveforms.shape[1])
        mean, std = masked_mean_std(waveforms, mask, dim=1)
        return (waveforms - mean[:, None]) / torch.sqrt(std[:, None] ** 2 + 1e-7) * mask

    @staticmethod
    def _masked_group_norm(hidden, n_valid, norm):
        """GroupNorm with one group per channel, its statistics over valid frames only.

        The frame averages are matrix products with per-clip averaging weights (zero on
        padding) and the affine scale is folded in: four passes over the large
        ``(n_clips, 512, frames)`` tensor instead of nine.
        """
        weights = frame_mask(n_valid, hidden.shape[2]) / n_valid.clamp(min=1)[:, None]
        weights = weights[:, :, None]
        centred = hidden - hidden @ weights
        variance = (centred * centred) @ weights
        scale = norm.weight[None, :, None] * torch.rsqrt(variance + norm.eps)
        return centred * scale + norm.bias[None, :, None]

    def _conv_features(self, waveforms, lengths):
        hidden = waveforms[:, None, :]
        n_valid = lengths
        for index, layer in enumerate(self.conv_layers):
            hidden = layer.conv(hidden)
            n_valid = conv_output_lengths(n_valid, self.kernels[index], self.strides[index])
            if index == 0 and self.group_norm_first:
                hidden = self._masked_group_norm(hidden, n_valid, layer.layer_norm)
            elif hasattr(layer, "layer_norm"):
                hidden = layer.layer_norm(hidden.transpose(1, 2)).transpose(1, 2)
            hidden = layer.activation(hidden)
        return hidden.transpose(1, 2), n_valid

    def forward(self, waveforms, lengths):
        """Pooled hidden states ``(n_clips, n_features)`` of a padded batch.

        Parameters
        ----------
        waveforms : torch.Tensor [shape=(n_clips, n_samples), dtype=float32]
        lengths : torch.Tensor [shape=(n_clips,), dtype=int64]
            True lengths, each at least one convolution receptive field (400 samples).
        """
        if self.normalize:
            waveforms = self._normalize(waveforms, lengths)
        features, n_frames = self._conv_features(waveforms, lengths)
        hidden = self.feature_projection(features)
        mask = frame_mask(n_frames, hidden.shape[1])
        hidden = hidden * mask[..., None]
        additive_mask = ((1.0 - mask) * torch.finfo(hidden.dtype).min)[:, None, None, :]
        hidden = hidden + self.pos_conv_embed(hidden)
        if not self.stable_layer_norm:
            hidden = self.encoder_norm(hidden)
        states = [hidden]
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=additive_mask)
            if isinstance(hidden, tuple):  # transformers < 5.24 returns (hidden_states, ...)
                hidden = hidden[0]
            states.append(hidden)
        if self.final_norm:
            states[-1] = self.encoder_norm(states[-1])
        pooled = []
        for index in self.hidden_layers:
            mean, std = masked_mean_std(states[index], mask[..., None], dim=1)
            pooled.append(mean)
            if self.pooling == "mean+std":
                pooled.append(std)
        return torch.cat(pooled, dim=1)
