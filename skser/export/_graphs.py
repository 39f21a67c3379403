"""Torch modules that become ONNX graphs: each takes a padded batch (or features) alone."""

import copy
import io
import warnings

import torch
from torch import nn

from ..embedding import lengths_from_padding
from ..io import FLOOR_DIVISOR, FLOOR_HEADROOM_DB, FLOOR_SHARE, FLOOR_SPREAD

__all__ = ["ClassifierGraph", "EmbedderGraph", "TrimGraph", "torch_to_onnx"]


class EmbedderGraph(nn.Module):
    """An embedder's module with its lengths computed in the graph.

    Lengths come from the padding (last non-zero sample + 1), raised to ``min_samples``
    (the ``short_clips="pad"`` behaviour; the runtime refuses short clips first when the
    embedder does). The batch is cropped to its longest clip, so an 8 s row holding 3 s of
    speech costs 3 s of compute, and ``min_samples`` zeros are appended first so that a
    narrow batch still fills one analysis window.
    """

    def __init__(self, module, min_samples):
        super().__init__()
        self.module = module
        self.min_samples = min_samples
        if any(hasattr(part, "dft_as_convolution") for part in module.modules()):
            # ONNX has no FFT the legacy exporter writes: a copy that convolves instead.
            self.module = copy.deepcopy(module)
            for part in self.module.modules():
                if hasattr(part, "dft_as_convolution"):
                    part.dft_as_convolution = True

    def forward(self, waveforms):
        lengths = lengths_from_padding(waveforms).clamp(min=self.min_samples)
        zeros = torch.zeros(
            waveforms.shape[0], self.min_samples, dtype=waveforms.dtype, device=waveforms.device
        )
        padded = torch.cat([waveforms, zeros], dim=1)
        keep = torch.arange(lengths.max(), device=waveforms.device)
        return self.module(padded.index_select(1, keep), lengths)


class TrimGraph(nn.Module):
    """Top-dB trimming of every clip, as :class:`skser.preprocessing.Trimmer` does.

    Frame powers come from a float64 cumulative sum of squares, as in the NumPy version;
    each trimmed clip is moved to the start of its row and the batch keeps its width.
    With ``noise_margin_db``, the noise floor rule of
    :func:`skser.preprocessing.nonsilent_interval`.
    """

    def __init__(self, top_db, frame_length, hop_length, noise_margin_db=None):
        super().__init__()
        self.top_db = float(top_db)
        self.frame_length = int(frame_length)
        self.hop_length = int(hop_length)
        self.noise_margin_db = None if noise_margin_db is None else float(noise_margin_db)

    def forward(self, waveforms):
        n_clips, width = waveforms.shape
        half, frame, hop = self.frame_length // 2, self.frame_length, self.hop_length
        lengths = lengths_from_padding(waveforms)
        squares = torch.cumsum(waveforms.double() ** 2, dim=1)
        cumulative = torch.cat([torch.zeros_like(squares[:, :1]), squares], dim=1)
        n_frames = torch.div(width + 2 * half - frame, hop, rounding_mode="floor") + 1
        starts = torch.arange(n_frames, device=waveforms.device) * hop - half
        ends = starts + frame
        upper = lengths[:, None]
        power = (
            torch.gather(cumulative, 1, torch.minimum(ends.clamp(min=0)[None, :], upper))
            - torch.gather(cumulative, 1, torch.minimum(starts.clamp(min=0)[None, :], upper))
        ) / frame
        clip_frames = torch.div(lengths + 2 * half - frame, hop, rounding_mode="floor") + 1
        valid = torch.arange(n_frames, device=waveforms.device)[None, :] < clip_frames[:, None]
        power_db = 10 * torch.log10(power.clamp(min=1e-10))
        reference = torch.where(valid, power_db, torch.full_like(power_db, -1e4)).amax(dim=1)
        loud = power_db - reference[:, None] > -self.top_db
        if self.noise_margin_db is not None:
            loud = loud & self._above_floor(power, valid, clip_frames)
        loud = loud & valid
        first = torch.argmax(loud.long(), dim=1)
        last = n_frames - 1 - torch.argmax(torch.flip(loud, dims=[1]).long(), dim=1)
        start = first * hop
        end = torch.minimum(lengths, (last + 1) * hop)
        silent = lengths == 0
        start = torch.where(silent, torch.zeros_like(start), start)
        end = torch.where(silent, torch.zeros_like(end), end)
        positions = torch.arange(width, device=waveforms.device)[None, :]
        source = (positions + start[:, None]).clamp(max=width - 1)
        kept = positions < (end - start)[:, None]
        moved = torch.gather(waveforms, 1, source)
        return torch.where(kept, moved, torch.zeros_like(moved))

    def _above_floor(self, power, valid, clip_frames):
        """Frames above a steady noise floor by more than the margin (all where none)."""
        ordered = torch.sort(torch.where(valid, power, torch.full_like(power, 1e30)), dim=1)[0]
        rank = torch.div(clip_frames - 1, FLOOR_DIVISOR, rounding_mode="floor").clamp(min=0)
        floor = torch.gather(ordered, 1, rank[:, None])
        near = (power > floor / FLOOR_SPREAD) & (power < floor * FLOOR_SPREAD) & valid
        steady = near.double().sum(dim=1) / clip_frames.clamp(min=1).double() >= FLOOR_SHARE
        # In power, as the NumPy version compares.
        reference = torch.where(valid, power, torch.zeros_like(power)).amax(dim=1)
        above_floor = torch.minimum(floor[:, 0] * 10.0 ** (self.noise_margin_db / 10.0),
                                    reference * 10.0 ** (-FLOOR_HEADROOM_DB / 10.0))
        return ~steady[:, None] | (power > above_floor[:, None])


class ClassifierGraph(nn.Module):
    """A classifier head's logits as class probabilities (softmax)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, features):
        return torch.softmax(self.module(features), dim=1)


def torch_to_onnx(module, example, *, input_name, output_name, opset):
    """Export ``module`` (one 2-D input, one output) to an in-memory ONNX model.

    The first two axes of the input are dynamic. The legacy TorchScript exporter writes
    one self-contained file with the weights inside.
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            (example,),
            buffer,
            input_names=[input_name],
            output_names=[output_name],
            dynamic_axes={input_name: {0: "n", 1: "width"}, output_name: {0: "n"}},
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    import onnx

    return onnx.load_from_string(buffer.getvalue())
