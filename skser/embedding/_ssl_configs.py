"""The exact architectures of published base-size speech encoders, as transformers configs.

The values are those of each model's ``config.json`` on the Hugging Face Hub
(``huggingface.co/<id>/blob/main/config.json``); fields that change no parameter and no
inference result, such as dropout rates, are left at transformers' defaults. They were
checked against copies of those files in public code (HuBERT base's, in full, as the
semantic model of a published audio tokenizer config; Whisper base's dimensions as
openai/whisper lists them, e.g. k2-fsa/sherpa-onnx scripts/whisper/model-info.md) and,
in tests/test_ssl_embedder.py, against the parameter count recorded for each checkpoint.
"""

__all__ = ["ssl_config", "SSL_ARCHITECTURES"]

# wav2vec2-base's feature encoder and transformer, shared by the BASE models below.
_BASE = dict(
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    hidden_act="gelu",
    conv_dim=(512,) * 7,
    conv_stride=(5, 2, 2, 2, 2, 2, 2),
    conv_kernel=(10, 3, 3, 3, 3, 2, 2),
    conv_bias=False,
    feat_extract_activation="gelu",
    layer_norm_eps=1e-5,
    mask_time_prob=0.05,
    vocab_size=32,
)
_GROUP_NORM_POSTNORM = dict(
    feat_extract_norm="group",
    do_stable_layer_norm=False,
    num_conv_pos_embeddings=128,
    num_conv_pos_embedding_groups=16,
)

# name -> (transformers config class, values). Sources: the config.json of each hub id.
SSL_ARCHITECTURES = {
    # facebook/wav2vec2-base (pretrained on LibriSpeech 960 h): Wav2Vec2Model 94,371,712.
    "wav2vec2-base": ("Wav2Vec2Config", {**_BASE, **_GROUP_NORM_POSTNORM}),
    # facebook/hubert-base-ls960: the same layout with a LayerNorm before the feature
    # projection (feat_proj_layer_norm); HubertModel 94,371,712.
    "hubert-base": ("HubertConfig", {**_BASE, **_GROUP_NORM_POSTNORM,
                                     "feat_proj_layer_norm": True}),
    # microsoft/wavlm-base and microsoft/wavlm-base-plus (one architecture, trained on
    # 960 h and 94k h): gated relative position bias, 320 buckets up to 800 frames;
    # WavLMModel 94,381,936.
    "wavlm-base": ("WavLMConfig", {**_BASE, **_GROUP_NORM_POSTNORM, "num_buckets": 320,
                                   "max_bucket_distance": 800}),
    # facebook/data2vec-audio-base: a LayerNorm in every convolution of the front end
    # and five positional convolutions of kernel 19 (16 groups); Data2VecAudioModel
    # 93,164,288.
    "data2vec-audio-base": ("Data2VecAudioConfig", {**_BASE, "num_conv_pos_embeddings": 5,
                                                    "conv_pos_kernel_size": 19,
                                                    "num_conv_pos_embedding_groups": 16}),
    # openai/whisper-base (multilingual): 6 + 6 layers of width 512, 8 heads, 80 mels,
    # 30 s windows (1500 encoder frames); WhisperForConditionalGeneration 72,593,920, its
    # encoder 20,590,592.
    "whisper-base": ("WhisperConfig", dict(
        d_model=512,
        encoder_layers=6,
        encoder_attention_heads=8,
        encoder_ffn_dim=2048,
        decoder_layers=6,
        decoder_attention_heads=8,
        decoder_ffn_dim=2048,
        activation_function="gelu",
        num_mel_bins=80,
        max_source_positions=1500,
        max_target_positions=448,
        scale_embedding=False,
        vocab_size=51865,
        pad_token_id=50257,
        bos_token_id=50257,
        eos_token_id=50257,
        decoder_start_token_id=50258,
    )),
    # ntu-spml/distilhubert: two transformer layers on HuBERT-base's front end, no
    # LayerNorm before the projection; HubertModel 23,491,968.
    "distilhubert": ("HubertConfig", {**_BASE, **_GROUP_NORM_POSTNORM,
                                      "num_hidden_layers": 2,
                                      "feat_proj_layer_norm": False}),
}
SSL_ARCHITECTURES["wavlm-base-plus"] = SSL_ARCHITECTURES["wavlm-base"]


def ssl_config(name, **overrides):
    """The exact architecture of a published base-size speech encoder.

    Read more in the :ref:`User Guide <embedders>`.

    Parameters
    ----------
    name : {"wav2vec2-base", "hubert-base", "wavlm-base", "wavlm-base-plus", \
"data2vec-audio-base", "whisper-base", "distilhubert"}
        The checkpoint whose ``config.json`` values are returned (``facebook/…``,
        ``microsoft/…``, ``openai/whisper-base``, ``ntu-spml/distilhubert``).
    **overrides
        Any field of the config class, e.g. ``hidden_size=32`` for a tiny test model.

    Returns
    -------
    config : transformers.PretrainedConfig
        A ``Wav2Vec2Config``, ``HubertConfig``, ``WavLMConfig``, ``Data2VecAudioConfig``
        or ``WhisperConfig``. A model built from it has random weights: it has the
        architecture of the published one, not its knowledge.

    Examples
    --------
    >>> from transformers import WavLMModel
    >>> config = ssl_config("wavlm-base-plus")
    >>> config.model_type, config.num_hidden_layers, config.num_buckets
    ('wavlm', 12, 320)
    >>> sum(p.numel() for p in WavLMModel(config).parameters())
    94381936
    """
    import transformers

    if name not in SSL_ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; known: {sorted(SSL_ARCHITECTURES)}")
    class_name, values = SSL_ARCHITECTURES[name]
    return getattr(transformers, class_name)(**{**values, **overrides})
