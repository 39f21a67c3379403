"""Masked tensor operations shared by skser's torch modules (all exportable to ONNX)."""

import torch

__all__ = [
    "conv_output_lengths",
    "frame_mask",
    "lengths_from_padding",
    "masked_mean_std",
    "pool_hidden_states",
]


def lengths_from_padding(waveforms):
    """True length of each clip of a zero-padded batch: its last non-zero sample + 1.

    Parameters
    ----------
    waveforms : torch.Tensor [shape=(n_clips, n_samples)]

    Returns
    -------
    lengths : torch.Tensor [shape=(n_clips,), dtype=int64]
    """
    positions = torch.arange(1, waveforms.shape[1] + 1, device=waveforms.device)
    return ((waveforms != 0).long() * positions).amax(dim=1)


def conv_output_lengths(lengths, kernel, stride):
    """Frames a valid (unpadded) convolution gives for ``lengths`` input samples (>= 0)."""
    return torch.clamp(torch.div(lengths - kernel, stride, rounding_mode="floor") + 1, min=0)


def frame_mask(n_valid, n_frames):
    """A float mask ``(n_clips, n_frames)``: 1 for the first ``n_valid`` frames of each clip."""
    positions = torch.arange(n_frames, device=n_valid.device)
    return (positions[None, :] < n_valid[:, None]).to(torch.float32)


def masked_mean_std(values, mask, dim):
    """Mean and population standard deviation over the frames where ``mask`` is 1.

    Parameters
    ----------
    values : torch.Tensor
        Frame values; ``mask`` broadcasts against it.
    mask : torch.Tensor
        1 for valid frames, 0 elsewhere (or soft weights).
    dim : int
        The frame axis.

    Returns
    -------
    mean, std : torch.Tensor
        Reduced over ``dim``; 0 where no frame is valid.
    """
    weight = mask.sum(dim=dim, keepdim=True).clamp(min=1e-6)
    mean = (values * mask).sum(dim=dim, keepdim=True) / weight
    variance = (((values - mean) ** 2) * mask).sum(dim=dim, keepdim=True) / weight
    return mean.squeeze(dim), torch.sqrt(variance.clamp(min=0) + 1e-12).squeeze(dim)


def pool_hidden_states(states, mask, layers, pooling, weights=None):
    """Statistics over valid frames of chosen hidden states, concatenated.

    Parameters
    ----------
    states : list of torch.Tensor [shape=(n_clips, n_frames, width)]
        Hidden states, indexed by ``layers``.
    mask : torch.Tensor [shape=(n_clips, n_frames)]
        1 for valid frames, 0 for padding.
    layers : list of int
        The states to pool, in output order.
    pooling : {"mean", "mean+std"}
        The statistics of each pooled state.
    weights : list of float, optional
        Mix the ``layers`` frame by frame with these weights (one per layer) and pool
        the mix alone, as SUPERB's weighted sum of hidden states does.

    Returns
    -------
    pooled : torch.Tensor [shape=(n_clips, n_features)]
    """
    if weights is None:
        chosen = [states[index] for index in layers]
    else:
        mixed = weights[0] * states[layers[0]]
        for weight, index in zip(weights[1:], layers[1:]):
            mixed = mixed + weight * states[index]
        chosen = [mixed]
    pooled = []
    for hidden in chosen:
        mean, std = masked_mean_std(hidden, mask[..., None], dim=1)
        pooled.append(mean)
        if pooling == "mean+std":
            pooled.append(std)
    return torch.cat(pooled, dim=1)
