"""A wav2vec2-family encoder that pools each clip over its true frames only."""

import warnings

import torch
from torch import nn

from ._torch_ops import conv_output_lengths, frame_mask, masked_mean_std, pool_hidden_states

__all__ = ["PooledSSL"]


class PooledSSL(nn.Module):
    """Run a wav2vec2-family encoder on a padded batch and pool over true frames.

    wav2vec2, HuBERT, WavLM and data2vec-audio share one layout: a convolutional front
    end on the waveform, a feature projection, a convolutional positional embedding and
    transformer layers. The output for a clip depends on that clip alone, whatever else
    is in the batch and however much padding follows it:

    - the first convolution's GroupNorm (``feat_extract_norm="group"``, an instance
      norm over time) takes its statistics over the clip's valid frames only; the
      per-frame LayerNorms of ``feat_extract_norm="layer"`` need nothing;
    - later convolutions are local: a valid output frame reads only valid input frames;
    - padded frames are zeroed before the positional convolution and, for
      data2vec-audio's stack of positional convolutions, again after each of them (the
      ``transformers`` model lets the padding leak into the last valid frames there);
    - padded frames are masked out of attention; WavLM's gated relative position bias
      is computed by its first layer and passed on, as ``WavLMEncoder`` does;
    - pooling uses valid frames only.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A ``Wav2Vec2Model``, ``HubertModel``, ``WavLMModel`` or ``Data2VecAudioModel``;
        only its modules are used (no copy).
    layers : list of int
        Hidden states to pool, indices into ``(encoder input, layer 1, ..., layer L)``
        (0 is the projected features after the positional convolution and, unless
        ``do_stable_layer_norm``, the encoder's LayerNorm; L is the encoder's
        ``last_hidden_state``, after the final LayerNorm with ``do_stable_layer_norm``).
        Layers after the highest index are not run.
    pooling : {"mean", "mean+std"}
        The statistics of each hidden state, concatenated in ``layers`` order.
    normalize : bool
        Zero-mean, unit-variance each clip over its true length first (the model's
        feature extractor ``do_normalize``).
    weights : list of float, optional
        Pool one weighted sum of the ``layers`` (one weight each) instead of each layer.
    """

    # Defaults for modules pickled before these attributes existed.
    weights = None
    relative_position_bias = False
    stacked_positional_convs = False

    def __init__(self, model, layers, pooling="mean", normalize=False, weights=None):
        super().__init__()
        config = model.config
        self.conv_layers = model.feature_extractor.conv_layers
        self.feature_projection = model.feature_projection
        self.pos_conv_embed = model.encoder.pos_conv_embed
        self.encoder_norm = model.encoder.layer_norm
        self.layers = model.encoder.layers[: max(layers)]
        stable = bool(getattr(config, "do_stable_layer_norm", False))
        self.final_norm = stable and max(layers) == len(model.encoder.layers)
        self.hidden_layers = list(layers)
        self.pooling = pooling
        self.normalize = normalize
        # data2vec-audio has no feat_extract_norm: a LayerNorm in every convolution.
        self.group_norm_first = getattr(config, "feat_extract_norm", "layer") == "group"
        self.stable_layer_norm = stable
        self.kernels = list(config.conv_kernel)
        self.strides = list(config.conv_stride)
        if weights is not None:
            self.weights = [float(weight) for weight in weights]
        if config.model_type == "wavlm":
            self.relative_position_bias = True
        if hasattr(self.pos_conv_embed, "layers"):  # data2vec-audio
            self.stacked_positional_convs = True

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

    def _positions(self, hidden, mask):
        """The positional convolution(s) of frames whose padding is zero."""
        if not self.stacked_positional_convs:
            return self.pos_conv_embed(hidden)
        channels_first = mask[:, None, :]
        positions = hidden.transpose(1, 2)
        for layer in self.pos_conv_embed.layers:
            positions = layer(positions) * channels_first
        return positions.transpose(1, 2)

    def _run_layers(self, hidden, mask):
        states = [hidden]
        if self.relative_position_bias:  # WavLM: a 0/1 mask and the bias of layer 1
            position_bias = None
            with warnings.catch_warnings():
                # WavLM's attention always mixes a boolean padding mask with its float bias.
                warnings.filterwarnings("ignore", "Support for mismatched key_padding_mask")
                for index, layer in enumerate(self.layers):
                    hidden, position_bias = layer(hidden, attention_mask=mask,
                                                  position_bias=position_bias, index=index)[:2]
                    states.append(hidden)
            return states
        additive_mask = ((1.0 - mask) * torch.finfo(hidden.dtype).min)[:, None, None, :]
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=additive_mask)
            if isinstance(hidden, tuple):  # transformers < 5.24 returns (hidden_states, ...)
                hidden = hidden[0]
            states.append(hidden)
        return states

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
        if isinstance(hidden, tuple):  # (projected, normalized features) but for HuBERT
            hidden = hidden[0]
        mask = frame_mask(n_frames, hidden.shape[1])
        hidden = hidden * mask[..., None]
        hidden = hidden + self._positions(hidden, mask)
        if not self.stable_layer_norm:
            hidden = self.encoder_norm(hidden)
        states = self._run_layers(hidden, mask)
        if self.final_norm:
            states[-1] = self.encoder_norm(states[-1])
        return pool_hidden_states(states, mask, self.hidden_layers, self.pooling, self.weights)
