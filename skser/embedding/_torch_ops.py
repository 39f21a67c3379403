"""Masked tensor operations shared by skser's torch modules (all exportable to ONNX)."""

import torch

__all__ = ["lengths_from_padding", "frame_mask", "masked_mean_std", "conv_output_lengths"]


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
