"""DistilHuBERTEmbedder: a frozen HuBERT-family encoder, pooled over each clip."""

import hashlib
import os
from contextlib import contextmanager
from numbers import Integral

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import ClipEmbedder, memory_constraint
from ._hub import (
    CACHE_HELP,
    OFFLINE_HELP,
    ModelLoadError,
    check_local_folder,
    hub_offline_reason,
    is_unsafe_pickle,
    model_source,
    unsafe_pickle_error,
)
from ._hubert_module import PooledHubert

__all__ = ["DistilHuBERTEmbedder", "distilhubert_config", "load_hubert"]

def distilhubert_config(**overrides):
    """The exact DistilHuBERT architecture as a ``transformers.HubertConfig``.

    Two transformer layers (hidden 768, 12 heads, feed-forward 3072) on HuBERT-base's
    seven-layer convolutional front end (512 channels, group norm). A ``HubertModel``
    built from it has 23,491,968 parameters, as ``ntu-spml/distilhubert`` does.

    Parameters
    ----------
    **overrides
        Any ``HubertConfig`` field, e.g. ``hidden_size=32`` for a tiny test model.

    Returns
    -------
    config : transformers.HubertConfig

    Examples
    --------
    >>> from transformers import HubertModel
    >>> config = distilhubert_config()
    >>> config.num_hidden_layers, config.hidden_size
    (2, 768)
    >>> sum(p.numel() for p in HubertModel(config).parameters())
    23491968
    """
    from transformers import HubertConfig

    values = dict(
        hidden_size=768,
        num_hidden_layers=2,
        num_attention_heads=12,
        intermediate_size=3072,
        hidden_act="gelu",
        conv_dim=(512,) * 7,
        conv_stride=(5, 2, 2, 2, 2, 2, 2),
        conv_kernel=(10, 3, 3, 3, 3, 2, 2),
        conv_bias=False,
        feat_extract_norm="group",
        feat_extract_activation="gelu",
        feat_proj_layer_norm=False,
        do_stable_layer_norm=False,
        num_conv_pos_embeddings=128,
        num_conv_pos_embedding_groups=16,
        layer_norm_eps=1e-5,
        mask_time_prob=0.05,
        vocab_size=32,
    )
    values.update(overrides)
    return HubertConfig(**values)


def load_hubert(model, *, revision=None, local_files_only=False, verbose=False):
    """Load a HuBERT-family encoder and whether its inputs are normalised.

    Loads with ``transformers`` from a hub id or a local folder, preferring safetensors
    (``.bin`` checkpoints are read with ``torch.load(weights_only=True)`` by transformers);
    remote code is never trusted.

    Parameters
    ----------
    model : str or os.PathLike
        A hub id such as ``"ntu-spml/distilhubert"`` or a folder from ``save_pretrained``.
    revision : str, optional
        A hub branch, tag or commit.
    local_files_only : bool, default=False
        Use the local hub cache only.
    verbose : bool, default=False
        Show transformers' progress bars while loading.

    Returns
    -------
    encoder : transformers.HubertModel
        In eval mode, its positional convolution's weight norm folded into a plain weight.
    normalize : bool
        The feature extractor's ``do_normalize`` (False when it has no config).

    Raises
    ------
    FileNotFoundError
        If ``model`` names a local folder that does not exist.
    OSError
        If the weights cannot be found or fetched: the message says how to get them.
        Without network (``HF_HUB_OFFLINE``, or the hub unreachable within 2 s) this is
        raised at once, not after transformers' retries.
    ModelLoadError
        (a ``ValueError``) If the folder's ``config.json`` is inconsistent or does not
        match the weights, or its only weights are a pickle that
        ``torch.load(weights_only=True)`` refuses (the message says how to convert it).
    ValueError
        If the model is not a HuBERT model or not 16 kHz.
    """
    source, local = model_source(model)
    if local:
        check_local_folder(source)
    elif not local_files_only:
        reason = hub_offline_reason()
        if reason is not None:
            try:  # a filled hub cache still works offline
                return load_hubert(source, revision=revision, local_files_only=True,
                                   verbose=verbose)
            except OSError:
                raise OSError(
                    f"cannot download the encoder {source!r}: {reason}, and it is not in the "
                    f"local Hugging Face cache. {OFFLINE_HELP}"
                ) from None
    options = dict(revision=revision, local_files_only=local_files_only)
    with _progress_bars(verbose):
        return _load(source, options, local=local)


@contextmanager
def _progress_bars(enabled):
    """Turn transformers' progress bars on or off for the block, then restore them."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    (hf_logging.enable_progress_bar if enabled else hf_logging.disable_progress_bar)()
    try:
        yield
    finally:
        (hf_logging.enable_progress_bar if was_enabled else hf_logging.disable_progress_bar)()


def _not_found(source, exc, options, local):
    """The OSError for weights that cannot be read, with the advice that fits."""
    if local:
        return OSError(f"cannot load the encoder from the folder {source}: {exc}")
    help_text = CACHE_HELP if options["local_files_only"] else OFFLINE_HELP
    return OSError(f"cannot load the encoder {source!r}: {exc} {help_text}")


def _load(source, options, *, local):
    from transformers import AutoConfig, AutoFeatureExtractor, HubertModel

    try:
        config = AutoConfig.from_pretrained(source, **options)
    except OSError as exc:
        raise _not_found(source, exc, options, local) from exc
    except Exception as exc:  # json errors, huggingface_hub's strict dataclass errors, ...
        raise ModelLoadError(
            f"the config.json of {source!r} is inconsistent or unreadable: {exc}"
        ) from exc
    if config.model_type != "hubert":
        raise ValueError(
            f"{source!r} is a {config.model_type!r} model; DistilHuBERTEmbedder "
            "takes HuBERT-family models (model_type 'hubert')"
        )
    try:
        encoder = HubertModel.from_pretrained(source, config=config, **options)
    except OSError as exc:
        raise _not_found(source, exc, options, local) from exc
    except Exception as exc:
        if is_unsafe_pickle(exc):
            raise unsafe_pickle_error(source, exc) from exc
        raise ModelLoadError(
            f"the weights of {source!r} do not fit its config.json (or the config is "
            f"inconsistent): {exc}"
        ) from exc
    try:
        extractor = AutoFeatureExtractor.from_pretrained(source, **options)
    except (OSError, ValueError):
        extractor = None
    rate = getattr(extractor, "sampling_rate", 16000)
    if rate != 16000:
        raise ValueError(f"{source!r} expects {rate} Hz audio; skser feeds it 16 kHz")
    _fold_weight_norm(encoder.encoder.pos_conv_embed.conv)
    return encoder.eval(), bool(getattr(extractor, "do_normalize", False))


def _fold_weight_norm(conv):
    """Replace the positional convolution's weight norm by the plain weight it computes.

    The result is the same; the module gets faster, picklable and exportable (the int8
    ONNX file stays large while the parametrisation is in).
    """
    if hasattr(conv, "parametrizations"):
        torch.nn.utils.parametrize.remove_parametrizations(conv, "weight")
    hooks = conv._load_state_dict_pre_hooks
    for key, hook in list(hooks.items()):
        if "weight_norm" in getattr(getattr(hook, "hook", hook), "__qualname__", ""):
            del hooks[key]


def _fingerprint(module, *parts):
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr(parts).encode())
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


class DistilHuBERTEmbedder(ClipEmbedder):
    """Embed clips with a frozen DistilHuBERT (or any HuBERT) encoder.

    The encoder is loaded in ``fit`` with ``transformers`` from a hub id or a local folder
    and kept frozen (eval mode, no gradients). Each clip is encoded at its true length:
    clips are sorted by length and batched with similar ones, padding is masked out of the
    convolutional front end's normalisation, the attention and the pooling, so a clip's
    embedding does not change when zeros are appended to it (the paper pads every clip to
    8 s; skser spends no compute on padding and lets none dilute the embedding).

    The default ``"ntu-spml/distilhubert"`` weights come from the Hugging Face Hub: they
    must be downloaded once (or pointed to with a folder); skser never fakes them.

    Parameters
    ----------
    model : str or os.PathLike, default="ntu-spml/distilhubert"
        A hub id or a folder written by ``save_pretrained``.
    layer : int or "all", default=-1
        The hidden state to pool: an index into ``(encoder input, layer 1, ..., layer L)``
        (negative counts from the end), or ``"all"`` to concatenate every one of them,
        so that a head can use every layer.
    pooling : {"mean", "mean+std"}, default="mean"
        Statistics over each clip's true frames.
    batch_size : int >= 1, default=1
        Clips per forward pass; a batch holds clips of similar lengths, run at the longest
        one's. One clip at a time computes no padding at all and holds the least memory;
        raise it on a GPU.
    device : str, default="cpu"
        Torch device of the encoder.
    local_files_only : bool, default=False
        Read the hub cache only; never reach the network.
    revision : str, default=None
        A hub branch, tag or commit.
    memory : None, str, os.PathLike or joblib.Memory, default=None
        A folder in which each clip's embedding is stored, keyed by its samples and by the
        encoder's weights and options: repeated transforms of the same clips (folds of a
        cross-validation, grid-search candidates) run the encoder once per clip.
    short_clips : {"error", "pad"}, default="error"
        What to do with clips shorter than one convolution window (400 samples, 25 ms):
        raise a ValueError naming them, or pad them with zeros to 400 samples.
    verbose : bool, default=False
        Show a progress bar while embedding.

    Attributes
    ----------
    module_ : PooledHubert
        The frozen encoder with true-length pooling.
    feature_names_out_ : np.ndarray of str
        ``layer{i}_mean{j}`` and ``layer{i}_std{j}``.
    fingerprint_ : str
        A hash of the weights, the layers, the pooling, ``FEATURE_VERSION`` and skser's
        version (the cache namespace).
    n_features_in_ : int
        Width of the batch seen in ``fit`` (informative, not enforced).

    Examples
    --------
    A tiny random-weight model stands in for the hub weights here:

    >>> import tempfile, numpy as np
    >>> from transformers import HubertModel
    >>> config = distilhubert_config(hidden_size=32, num_attention_heads=4,
    ...                              intermediate_size=64, conv_dim=(32,) * 7,
    ...                              num_conv_pos_embeddings=16,
    ...                              num_conv_pos_embedding_groups=4)
    >>> folder = tempfile.mkdtemp()
    >>> HubertModel(config).save_pretrained(folder)
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 8000)).astype(np.float32)
    >>> embedder = DistilHuBERTEmbedder(model=folder, pooling="mean+std").fit(X)
    >>> embedder.transform(X).shape
    (3, 64)
    """

    FEATURE_VERSION = 1

    _parameter_constraints: dict = {
        "model": [str, os.PathLike],
        "layer": [Integral, StrOptions({"all"})],
        "pooling": [StrOptions({"mean", "mean+std"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "local_files_only": ["boolean"],
        "revision": [str, None],
        "memory": memory_constraint(),
        "short_clips": [StrOptions({"error", "pad"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        model="ntu-spml/distilhubert",
        layer=-1,
        pooling="mean",
        batch_size=1,
        device="cpu",
        local_files_only=False,
        revision=None,
        memory=None,
        short_clips="error",
        verbose=False,
    ):
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.batch_size = batch_size
        self.device = device
        self.local_files_only = local_files_only
        self.revision = revision
        self.memory = memory
        self.short_clips = short_clips
        self.verbose = verbose

    def _resolve_layers(self, n_states):
        if self.layer == "all":
            return list(range(n_states))
        if not -n_states <= self.layer < n_states:
            raise ValueError(
                f"layer={self.layer} is out of range: this encoder has {n_states} hidden "
                f"states (0 to {n_states - 1}, or -1 to -{n_states})"
            )
        return [self.layer % n_states]

    def _build(self):
        encoder, normalize = load_hubert(
            self.model, revision=self.revision, local_files_only=self.local_files_only,
            verbose=self.verbose,
        )
        layers = self._resolve_layers(encoder.config.num_hidden_layers + 1)
        module = PooledHubert(encoder, layers, pooling=self.pooling, normalize=normalize)
        stats = ["mean", "std"] if self.pooling == "mean+std" else ["mean"]
        width = encoder.config.hidden_size
        names = [
            f"layer{layer}_{stat}{j}" for layer in layers for stat in stats for j in range(width)
        ]
        fingerprint = _fingerprint(module, type(self).__name__, layers, self.pooling, normalize)
        return module, names, fingerprint
