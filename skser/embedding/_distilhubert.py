"""DistilHuBERTEmbedder: a frozen HuBERT-family encoder, pooled over each clip."""

from numbers import Integral

from ..utils import StrOptions
from ._ssl import SSLEmbedder, load_encoder
from ._ssl_configs import ssl_config

__all__ = ["DistilHuBERTEmbedder", "distilhubert_config", "load_hubert"]

def distilhubert_config(**overrides):
    """The exact DistilHuBERT architecture as a ``transformers.HubertConfig``.

    Read more in the :ref:`User Guide <embedders>`.

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
    return ssl_config("distilhubert", **overrides)


def load_hubert(model, *, revision=None, local_files_only=False, verbose=False):
    """Load a HuBERT-family encoder and whether its inputs are normalized.

    Read more in the :ref:`User Guide <embedders>`.

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
        match the weights, the weights lack some of the encoder's tensors, or its only
        weights are a pickle that ``torch.load(weights_only=True)`` refuses (the message
        says how to convert it).
    ValueError
        If the model is not a HuBERT model or not 16 kHz.
    """
    encoder, extractor = load_encoder(
        model, revision=revision, local_files_only=local_files_only, verbose=verbose,
        model_types=("hubert",), owner="DistilHuBERTEmbedder",
    )
    return encoder, bool(getattr(extractor, "do_normalize", False))


class DistilHuBERTEmbedder(SSLEmbedder):
    """Embed clips with a frozen DistilHuBERT (or any HuBERT) encoder.

    Read more in the :ref:`User Guide <embedders>`.

    The encoder is loaded in ``fit`` with ``transformers`` from a hub id or a local folder
    and kept frozen (eval mode, no gradients). Each clip is encoded at its true length:
    clips are sorted by length and batched with similar ones, padding is masked out of the
    convolutional front end's normalization, the attention and the pooling, so a clip's
    embedding does not change when zeros are appended to it (the paper pads every clip to
    8 s; skser spends no compute on padding and lets none dilute the embedding).

    The default ``"ntu-spml/distilhubert"`` weights come from the Hugging Face Hub: they
    must be downloaded once (or pointed to with a folder); skser never fakes them.

    It is :class:`SSLEmbedder` restricted to HuBERT models (another ``model_type`` is
    refused), with DistilHuBERT's defaults and layer choices.

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

    See Also
    --------
    SSLEmbedder : wav2vec2, HuBERT, WavLM, data2vec-audio and Whisper encoders.

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

    _model_types = ("hubert",)
    # SSLEmbedder's, with DistilHuBERT's layer choices (an index or "all").
    _parameter_constraints: dict = {
        **SSLEmbedder._parameter_constraints,
        "layer": [Integral, StrOptions({"all"})],
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
