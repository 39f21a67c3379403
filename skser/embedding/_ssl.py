"""SSLEmbedder: a frozen self-supervised (or Whisper) speech encoder, pooled over each clip."""

import hashlib
import logging
import os
import warnings
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import torch

from ..exceptions import SkserWarning
from ..utils import Interval, StrOptions, shortfall
from ._base import ClipEmbedder, memory_constraint
from ._hub import (
    CACHE_HELP,
    CONVERT_HELP,
    OFFLINE_HELP,
    ModelLoadError,
    check_local_folder,
    hub_offline_reason,
    is_unsafe_pickle,
    model_source,
)
from ._hubert_module import PooledHubert
from ._ssl_module import PooledSSL
from ._whisper_module import PooledWhisper

__all__ = ["SSLEmbedder", "load_encoder", "SUPPORTED_MODEL_TYPES"]

# model_type -> the transformers class of the bare encoder.
_ENCODERS = {
    "data2vec-audio": "Data2VecAudioModel",
    "hubert": "HubertModel",
    "wav2vec2": "Wav2Vec2Model",
    "wavlm": "WavLMModel",
    "whisper": "WhisperEncoder",
}
SUPPORTED_MODEL_TYPES = tuple(sorted(_ENCODERS))
_DEFAULT_MODEL = "microsoft/wavlm-base-plus"
# Checkpoint tensors an encoder may lack without harm: SpecAugment's mask vector (unused
# at inference). Any other missing tensor would be left random, so it is an error.
_UNUSED_WHEN_FROZEN = ("masked_spec_embed",)
# Whisper checkpoints hold the whole encoder-decoder: keep the encoder's tensors.
_WHISPER_KEYS = {r"^(?:model\.)?encoder\.": ""}


def load_encoder(model, *, revision=None, local_files_only=False, verbose=False,
                 model_types=SUPPORTED_MODEL_TYPES, owner="SSLEmbedder"):
    """Load a frozen speech encoder and its feature extractor with ``transformers``.

    Read more in the :ref:`User Guide <embedders>`.

    Loads from a hub id or a local folder, preferring safetensors (``.bin`` checkpoints
    are read with ``torch.load(weights_only=True)`` by transformers); remote code is never
    trusted. Whisper checkpoints (encoder-decoder) give their encoder only.

    Parameters
    ----------
    model : str or os.PathLike
        A hub id such as ``"microsoft/wavlm-base-plus"`` or a folder from
        ``save_pretrained``.
    revision : str, optional
        A hub branch, tag or commit.
    local_files_only : bool, default=False
        Use the local hub cache only.
    verbose : bool, default=False
        Show transformers' progress bars and loading reports.
    model_types : tuple of str, default=SUPPORTED_MODEL_TYPES
        The ``model_type`` values accepted.
    owner : str, default="SSLEmbedder"
        Who asks, for the message that refuses another model type.

    Returns
    -------
    encoder : transformers.PreTrainedModel
        In eval mode; a positional convolution's weight norm folded into a plain weight.
    extractor : transformers.FeatureExtractionMixin or None
        The folder's feature extractor, None when it has none.

    Raises
    ------
    FileNotFoundError
        If ``model`` names a local folder that does not exist.
    OSError
        If the weights cannot be found or fetched: the message says how to get them.
        Without network (``HF_HUB_OFFLINE``, or the hub unreachable within 2 s) this is
        raised at once, not after transformers' retries.
    ModelLoadError
        (a ``ValueError``) If the folder's ``config.json`` is inconsistent, does not match
        the weights or its feature extractor, the weights lack some of the encoder's
        tensors, or its only weights are a pickle that ``torch.load(weights_only=True)``
        refuses (the message says how to convert it).
    ValueError
        If the model's type is not among ``model_types``, or it is not a 16 kHz model.
    """
    source, local = model_source(model)
    options = dict(revision=revision, local_files_only=local_files_only)
    if local:
        check_local_folder(source)
    elif not local_files_only:
        reason = hub_offline_reason()
        if reason is not None:
            try:  # a filled hub cache still works offline
                return load_encoder(source, revision=revision, local_files_only=True,
                                    verbose=verbose, model_types=model_types, owner=owner)
            except OSError:
                raise OSError(
                    f"cannot download the encoder {source!r}: {reason}, and it is not in the "
                    f"local Hugging Face cache. {_help(OFFLINE_HELP, source)}"
                ) from None
    with _quiet_loading(verbose):
        return _load(source, options, local=local, model_types=model_types, owner=owner)


@contextmanager
def _quiet_loading(verbose):
    """Progress bars and loading reports of transformers on or off, then restored.

    The reports list the checkpoint's tensors the encoder does not use (a Whisper
    decoder, a CTC head): expected here. Missing tensors are checked, not reported.
    """
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    level = hf_logging.get_verbosity()
    (hf_logging.enable_progress_bar if verbose else hf_logging.disable_progress_bar)()
    if not verbose:
        hf_logging.set_verbosity(max(level, logging.ERROR))
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        (hf_logging.enable_progress_bar if was_enabled else hf_logging.disable_progress_bar)()


def _help(text, source):
    """OFFLINE_HELP or CACHE_HELP naming this model rather than DistilHuBERT's."""
    if source == "ntu-spml/distilhubert":
        return text
    return text.replace("ntu-spml/distilhubert", source).replace(
        "HubertModel.from_pretrained", "AutoModel.from_pretrained")


def _not_found(source, exc, options, local):
    """The OSError for weights that cannot be read, with the advice that fits."""
    if local:
        return OSError(f"cannot load the encoder from the folder {source}: {exc}")
    help_text = CACHE_HELP if options["local_files_only"] else OFFLINE_HELP
    return OSError(f"cannot load the encoder {source!r}: {exc} {_help(help_text, source)}")


def _refusal(source, model_type, owner, model_types):
    if tuple(model_types) == ("hubert",):
        accepted = "HuBERT-family models (model_type 'hubert')"
    else:
        accepted = "model_type " + ", ".join(repr(name) for name in model_types)
    return ValueError(f"{source!r} is a {model_type!r} model; {owner} takes {accepted}")


def _unsafe_pickle_error(source, exc, class_name):
    convert = CONVERT_HELP.replace("HubertModel(HubertConfig", f"{class_name}(AutoConfig")
    return ModelLoadError(
        f"the model folder {source} has no safetensors weights, and its pytorch_model.bin "
        "is a pickle that torch.load(weights_only=True) refuses (it holds more than "
        f"tensors); skser never unpickles code. {convert}. ({exc})"
    )


def _read_config(source, options, local, model_types, owner):
    from transformers import AutoConfig, PretrainedConfig

    try:
        raw, _ = PretrainedConfig.get_config_dict(source, **options)
    except OSError as exc:
        raise _not_found(source, exc, options, local) from exc
    except Exception as exc:  # json errors, ...
        raise ModelLoadError(
            f"the config.json of {source!r} is inconsistent or unreadable: {exc}"
        ) from exc
    model_type = raw.get("model_type")
    if isinstance(model_type, str) and model_type not in model_types:
        raise _refusal(source, model_type, owner, model_types)
    try:
        return AutoConfig.from_pretrained(source, trust_remote_code=False, **options)
    except OSError as exc:
        raise _not_found(source, exc, options, local) from exc
    except Exception as exc:  # huggingface_hub's strict dataclass errors, ...
        raise ModelLoadError(
            f"the config.json of {source!r} is inconsistent or unreadable: {exc}"
        ) from exc


def _encoder_class(model_type):
    class_name = _ENCODERS[model_type]
    if class_name == "WhisperEncoder":
        from transformers.models.whisper.modeling_whisper import WhisperEncoder

        return WhisperEncoder
    import transformers

    return getattr(transformers, class_name)


def _encoder_from_config(values):
    """An encoder of the architecture ``values`` (a config's ``to_dict()``), as loaded."""
    from transformers import AutoConfig

    values = dict(values)
    config = AutoConfig.for_model(values.pop("model_type"), **values)
    encoder = _encoder_class(config.model_type)(config)
    pos_conv = getattr(getattr(encoder, "encoder", None), "pos_conv_embed", None)
    if hasattr(pos_conv, "conv"):
        _fold_weight_norm(pos_conv.conv)
    return encoder.eval()


def _load(source, options, *, local, model_types, owner):

    config = _read_config(source, options, local, model_types, owner)
    if config.model_type not in model_types:  # a config.json without model_type
        raise _refusal(source, config.model_type, owner, model_types)
    class_name = _ENCODERS[config.model_type]
    cls = _encoder_class(config.model_type)
    if class_name == "WhisperEncoder":
        options = dict(options, key_mapping=_WHISPER_KEYS)
    try:
        encoder, info = cls.from_pretrained(
            source, config=config, output_loading_info=True, **options
        )
    except OSError as exc:
        raise _not_found(source, exc, options, local) from exc
    except Exception as exc:
        if is_unsafe_pickle(exc):
            raise _unsafe_pickle_error(source, exc, class_name) from exc
        raise ModelLoadError(
            f"the weights of {source!r} do not fit its config.json (or the config is "
            f"inconsistent): {exc}"
        ) from exc
    missing = sorted(key for key in info.get("missing_keys", ())
                     if not key.startswith(_UNUSED_WHEN_FROZEN))
    if missing:
        raise ModelLoadError(
            f"the weights of {source!r} lack {len(missing)} tensor(s) of its "
            f"{class_name} (e.g. {missing[0]!r}): they would be random. Point model to the "
            "folder or hub id of the encoder's own checkpoint"
        )
    extractor = _feature_extractor(source, options)
    _check_front_end(source, config, extractor)
    pos_conv = getattr(getattr(encoder, "encoder", None), "pos_conv_embed", None)
    if hasattr(pos_conv, "conv"):
        _fold_weight_norm(pos_conv.conv)
    return encoder.eval(), extractor


def _feature_extractor(source, options):
    from transformers import AutoFeatureExtractor

    options = {key: options[key] for key in ("revision", "local_files_only")}
    try:
        return AutoFeatureExtractor.from_pretrained(source, trust_remote_code=False, **options)
    except (OSError, ValueError):
        return None


def _check_front_end(source, config, extractor):
    """Refuse a model that is not 16 kHz, or a Whisper extractor skser cannot follow."""
    rate = getattr(extractor, "sampling_rate", 16000)
    if rate != 16000:
        raise ValueError(f"{source!r} expects {rate} Hz audio; skser feeds it 16 kHz")
    if config.model_type != "whisper" or extractor is None:
        return
    expected = dict(feature_size=config.num_mel_bins, n_fft=400, hop_length=160,
                    n_samples=2 * config.max_source_positions * 160)
    found = {name: getattr(extractor, name, value) for name, value in expected.items()}
    if found != expected:
        raise ModelLoadError(
            f"the feature extractor of {source!r} ({found}) does not fit its config.json "
            f"and Whisper's front end ({expected})"
        )


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


def _layer_weights(layer, n_states):
    """Normalised weights of a weighted sum of hidden states, and the states they use."""
    try:
        weights = np.asarray(layer, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"layer={layer!r}: a sequence must hold one number per hidden "
                         "state") from None
    if weights.ndim != 1 or weights.size != n_states:
        raise ValueError(
            f"layer holds {weights.size} weight(s) but this encoder has {n_states} hidden "
            f"states (its input and {n_states - 1} layers): give one weight per hidden "
            "state, or layer='all' to pool every state side by side"
        )
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(
            f"layer weights must be finite, >= 0 and not all 0 (softmax weights are), got "
            f"{weights.tolist()}"
        )
    used = np.flatnonzero(weights > 0)
    return used.tolist(), (weights[used] / weights.sum()).tolist()


class SSLEmbedder(ClipEmbedder):
    """Embed clips with a frozen speech encoder: wav2vec2, HuBERT, WavLM, data2vec, Whisper.

    Read more in the :ref:`User Guide <embedders>`.

    The encoder is loaded in ``fit`` with ``transformers`` (safetensors, or ``.bin``
    weights read with ``weights_only=True``; remote code is never run) and kept frozen
    (eval mode, no gradients). ``model_type`` ``"wav2vec2"``, ``"hubert"``, ``"wavlm"``,
    ``"data2vec-audio"`` and ``"whisper"`` (its encoder) are supported.

    Each clip is encoded at its true length, and its embedding does not change when
    zeros are appended to it or when it is batched with other clips:

    - wav2vec2, HuBERT, WavLM and data2vec-audio run at the clip's length; padding is
      masked out of the convolutional front end's normalization, the positional
      convolution(s), the attention and the pooling (see ``PooledSSL``);
    - Whisper's encoder reads a fixed 30 s window of log-mel frames, as it was trained:
      a clip is padded with zeros to 30 s and only its own frames (``ceil(n / 160)``
      log-mel frames, half as many encoder frames) are pooled. A clip longer than 30 s
      is cut to its first 30 s, as ``WhisperFeatureExtractor`` does, with a warning.

    Parameters
    ----------
    model : str or os.PathLike, default="microsoft/wavlm-base-plus"
        A hub id or a folder written by ``save_pretrained``. The default is the base-size
        encoder with the best emotion recognition score on SUPERB (WavLM Base+); its
        weights must be downloaded once (or pointed to with a folder).
    layer : int, "all", "mean" or sequence of float, default="mean"
        Which hidden states of ``(encoder input, layer 1, ..., layer L)`` to pool:

        - an int: that hidden state (negative counts from the end);
        - ``"all"``: every hidden state, pooled one by one and concatenated;
        - ``"mean"``: the mean of all hidden states, frame by frame;
        - a sequence of ``L + 1`` non-negative weights: their weighted sum, frame by frame,
          with the weights normalised to sum to 1. SUPERB reads a frozen encoder this
          way with weights it learns along with the downstream head (a softmax of one
          logit per hidden state); here they are given, e.g. the softmaxed weights of a
          probe trained once. ``"mean"`` is equal weights.

        Layer L is the encoder's ``last_hidden_state`` (after its final LayerNorm where
        the architecture has one: Whisper, and ``do_stable_layer_norm`` models).
    pooling : {"mean", "mean+std"}, default="mean"
        Statistics over each clip's true frames.
    batch_size : int >= 1, default=1
        Clips per forward pass; a batch holds clips of similar lengths, run at the longest
        one's (Whisper always runs 30 s windows). Raise it on a GPU.
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
        Show a progress bar while embedding, and transformers' loading reports.

    Attributes
    ----------
    module_ : PooledSSL or PooledWhisper
        The frozen encoder with true-length pooling.
    feature_names_out_ : np.ndarray of str
        ``layer{i}_mean{j}`` and ``layer{i}_std{j}``; ``weighted_mean{j}`` and
        ``weighted_std{j}`` for ``"mean"`` and weights.
    fingerprint_ : str
        A hash of the weights, the layers, the pooling, ``FEATURE_VERSION`` and skser's
        version (the cache namespace).
    n_features_in_ : int
        Width of the batch seen in ``fit`` (informative, not enforced).

    See Also
    --------
    DistilHuBERTEmbedder : the same for HuBERT models, with DistilHuBERT by default.
    ssl_config : the exact base-size architectures, for random-weight models.

    Examples
    --------
    A tiny random-weight WavLM stands in for the hub weights here:

    >>> import tempfile, numpy as np
    >>> from transformers import WavLMModel
    >>> from skser.embedding import ssl_config
    >>> config = ssl_config("wavlm-base-plus", hidden_size=32, num_hidden_layers=2,
    ...                     num_attention_heads=4, intermediate_size=64,
    ...                     conv_dim=(32,) * 7, num_conv_pos_embeddings=16,
    ...                     num_conv_pos_embedding_groups=4, num_buckets=16,
    ...                     max_bucket_distance=32)
    >>> folder = tempfile.mkdtemp()
    >>> WavLMModel(config).save_pretrained(folder)
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 8000)).astype(np.float32)
    >>> SSLEmbedder(model=folder).fit(X).transform(X).shape  # the mean of 3 states
    (3, 32)
    >>> weighted = SSLEmbedder(model=folder, layer=[0.0, 1.0, 3.0], pooling="mean+std")
    >>> weighted.fit(X).get_feature_names_out()[[0, 32]].tolist()
    ['weighted_mean0', 'weighted_std0']
    """

    FEATURE_VERSION = 1
    _model_types = SUPPORTED_MODEL_TYPES

    _parameter_constraints: dict = {
        "model": [str, os.PathLike],
        "layer": [Integral, StrOptions({"all", "mean"}), list, tuple, np.ndarray],
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
        model=_DEFAULT_MODEL,
        layer="mean",
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
        """The hidden states to pool, and the weights of their sum (None: one by one)."""
        if isinstance(self.layer, str):
            if self.layer == "all":
                return list(range(n_states)), None
            return list(range(n_states)), [1.0 / n_states] * n_states
        if isinstance(self.layer, Integral):
            if not -n_states <= self.layer < n_states:
                raise ValueError(
                    f"layer={self.layer} is out of range: this encoder has {n_states} "
                    f"hidden states (0 to {n_states - 1}, or -1 to -{n_states})"
                )
            return [self.layer % n_states], None
        return _layer_weights(self.layer, n_states)

    def _build(self):
        encoder, extractor = load_encoder(
            self.model, revision=self.revision, local_files_only=self.local_files_only,
            verbose=self.verbose, model_types=self._model_types, owner=type(self).__name__,
        )
        normalize = bool(getattr(extractor, "do_normalize", False))
        # What a pickle or skops file needs to rebuild the module without the weights'
        # source: the architecture (its weights travel as the module's state).
        self._encoder_config = {"config": encoder.config.to_dict(), "normalize": normalize}
        return self._assemble(encoder, normalize)

    def _assemble(self, encoder, normalize):
        """The pooled module over ``encoder``, its feature names and fingerprint."""
        config = encoder.config
        if config.model_type == "whisper":
            from transformers import WhisperFeatureExtractor

            n_layers, width = config.encoder_layers, config.d_model
            layers, weights = self._resolve_layers(n_layers + 1)
            mel = WhisperFeatureExtractor(feature_size=config.num_mel_bins).mel_filters
            module = PooledWhisper(encoder, layers, mel, pooling=self.pooling, weights=weights)
            normalize = False
        else:
            n_layers, width = config.num_hidden_layers, config.hidden_size
            layers, weights = self._resolve_layers(n_layers + 1)
            pooled = PooledHubert if config.model_type == "hubert" else PooledSSL
            options = {} if weights is None else {"weights": weights}
            module = pooled(encoder, layers, pooling=self.pooling, normalize=normalize,
                            **options)
        stats = ["mean", "std"] if self.pooling == "mean+std" else ["mean"]
        prefixes = [f"layer{layer}" for layer in layers] if weights is None else ["weighted"]
        names = [f"{prefix}_{stat}{j}" for prefix in prefixes for stat in stats
                 for j in range(width)]
        parts = (type(self).__name__, layers, self.pooling, normalize)
        fingerprint = _fingerprint(module, *parts, *([] if weights is None else [weights]))
        return module, names, fingerprint

    def _module_config(self, module):
        return self._encoder_config

    def _module_from_config(self, config):
        """The module of the encoder ``config`` describes, random weights (loaded next)."""
        encoder = _encoder_from_config(config["config"])
        module = self._assemble(encoder, config["normalize"])[0]
        return module.to(torch.device(self.device)).eval().requires_grad_(False)

    def _model_lengths(self, lengths):
        lengths = super()._model_lengths(lengths)
        limit = getattr(getattr(self, "module_", None), "n_samples", None)
        if limit is not None and (lengths > limit).any():
            subject, detail = shortfall(np.flatnonzero(lengths > limit), lengths)
            warnings.warn(
                f"{subject} longer than the {limit} samples ({limit / 16000:.0f} s) of "
                f"Whisper's window: {detail}. Only the first {limit / 16000:.0f} s are "
                "encoded; split long recordings to embed all of them.",
                SkserWarning, stacklevel=3,
            )
        return lengths
