"""SSLEmbedder: wav2vec2, HuBERT, WavLM, data2vec-audio and Whisper encoders, true-length.

Every model here has random weights, built from a tiny config (width 32) and saved with
``save_pretrained``; nothing comes from the Hugging Face Hub.
"""

import json
import pickle
import shutil
import warnings

import numpy as np
import pytest
import torch
import transformers
from safetensors.torch import load_file, save_file
from sklearn.base import clone
from transformers.models.whisper.modeling_whisper import WhisperEncoder

from skser.embedding import DistilHuBERTEmbedder, SSLEmbedder, ssl_config
from skser.embedding._hub import ModelLoadError
from skser.embedding._whisper_module import whisper_frame_lengths
from skser.exceptions import InvalidParameterError, SkserWarning

SR = 16000
_TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
             conv_dim=(32,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)
_TINY_WHISPER = dict(d_model=32, encoder_layers=2, decoder_layers=1, encoder_attention_heads=4,
                     decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64,
                     vocab_size=64, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                     decoder_start_token_id=3)
# name -> (architecture, transformers class, tiny overrides). The "-stable" variants are the
# large models' layout: LayerNorm in every convolution, LayerNorm before each sublayer.
_STABLE = dict(feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True)
ARCHITECTURES = {
    "wav2vec2": ("wav2vec2-base", "Wav2Vec2Model", {}),
    "wav2vec2-stable": ("wav2vec2-base", "Wav2Vec2Model", _STABLE),
    "hubert": ("hubert-base", "HubertModel", {}),
    "wavlm": ("wavlm-base", "WavLMModel", dict(num_buckets=16, max_bucket_distance=32)),
    "wavlm-stable": ("wavlm-base", "WavLMModel",
                     dict(num_buckets=16, max_bucket_distance=32, **_STABLE)),
    "data2vec-audio": ("data2vec-audio-base", "Data2VecAudioModel",
                       dict(num_conv_pos_embeddings=3, conv_pos_kernel_size=5)),
    "whisper": ("whisper-base", "WhisperForConditionalGeneration", _TINY_WHISPER),
}


def tiny_model(name, seed=0):
    architecture, class_name, extra = ARCHITECTURES[name]
    values = dict(extra) if name == "whisper" else {**_TINY, **extra}
    torch.manual_seed(seed)
    return getattr(transformers, class_name)(ssl_config(architecture, **values)).eval()


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """One saved tiny random model per architecture (Whisper as the hub holds it)."""
    root = tmp_path_factory.mktemp("ssl")
    out = {}
    for name in ARCHITECTURES:
        tiny_model(name).save_pretrained(root / name)
        out[name] = root / name
    return out


def speechlike(seconds=(0.3, 1.1, 0.7), seed=0):
    rng = np.random.default_rng(seed)
    clips = []
    for duration in seconds:
        t = np.arange(int(duration * SR)) / SR
        phase = 2 * np.pi * np.cumsum(120 + 40 * np.sin(2 * np.pi * 1.5 * t)) / SR
        voiced = sum(np.sin(h * phase) / h for h in range(1, 12))
        envelope = np.abs(np.sin(2 * np.pi * 3 * t)) + 0.05
        clips.append((0.2 * voiced * envelope + 0.01 * rng.standard_normal(t.size))
                     .astype(np.float32))
    return clips


def _reference_states(model, clip):
    """transformers' hidden states of one unpadded clip, numbered as skser numbers them."""
    x = torch.from_numpy(clip)[None]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # WavLM's mixed mask types
        if isinstance(model, transformers.WhisperForConditionalGeneration):
            features = transformers.WhisperFeatureExtractor(feature_size=80)(
                clip, sampling_rate=SR, return_tensors="pt").input_features
            out = model.get_encoder()(features, output_hidden_states=True)
            n_frames = int(whisper_frame_lengths(torch.tensor(clip.size), 1500))
            return [state[0, :n_frames] for state in out.hidden_states]
        out = model(x, attention_mask=torch.ones_like(x, dtype=torch.long),
                    output_hidden_states=True)
    # transformers >= 5 keeps the last layer's output before a do_stable_layer_norm
    # model's final LayerNorm in hidden_states; skser's last state is last_hidden_state.
    return [state[0] for state in out.hidden_states[:-1]] + [out.last_hidden_state[0]]


def _mean_std(state):
    return np.concatenate([state.mean(0).numpy(), state.std(0, unbiased=False).numpy()])


# -- each architecture: loads, matches transformers, true-length ----------------------


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_hidden_state_matches_transformers(name, folders):
    clips = speechlike()
    embedder = SSLEmbedder(model=folders[name], layer="all", pooling="mean+std").fit(clips)
    model = tiny_model(name)
    for index, clip in enumerate(clips):
        expected = np.concatenate([_mean_std(s) for s in _reference_states(model, clip)])
        np.testing.assert_allclose(embedder.transform([clip])[0], expected, atol=1e-5,
                                   err_msg=f"{name}, clip {index}")


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_padding_and_batch_change_no_embedding(name, folders):
    """The module itself: a clip padded with zeros in a batch of longer clips."""
    clips = speechlike()
    embedder = SSLEmbedder(model=folders[name], layer="all", pooling="mean+std").fit(clips)
    alone = np.stack([embedder.transform([clip])[0] for clip in clips])
    width = max(clip.size for clip in clips) + SR
    batch = np.zeros((len(clips), width), np.float32)
    for row, clip in zip(batch, clips):
        row[: clip.size] = clip
    lengths = torch.tensor([clip.size for clip in clips])
    with torch.no_grad():
        padded = embedder.module_(torch.from_numpy(batch), lengths).numpy()
    np.testing.assert_allclose(padded, alone, atol=1e-5, rtol=1e-4)
    batched = clone(embedder).set_params(batch_size=3).fit(clips)
    np.testing.assert_allclose(batched.transform(np.pad(batch, ((0, 0), (0, 800)))), alone,
                               atol=1e-5, rtol=1e-4)


def test_data2vec_audio_padding_is_masked_between_positional_convolutions(folders):
    """transformers' Data2VecAudioModel lets padding reach valid frames through its
    stack of positional convolutions (the zeroing happens once, before the first);
    skser zeroes the padding after each of them."""
    clip = speechlike((0.5,))[0]
    model = tiny_model("data2vec-audio")
    x = torch.from_numpy(clip)[None]
    padded = torch.cat([x, torch.zeros(1, SR)], dim=1)
    mask = torch.zeros(1, padded.shape[1], dtype=torch.long)
    mask[:, : clip.size] = 1
    with torch.no_grad():
        alone = model(x).last_hidden_state
        leaked = model(padded, attention_mask=mask).last_hidden_state[:, : alone.shape[1]]
    assert (alone - leaked).abs().max() > 1e-3  # the leak the module must not have
    embedder = SSLEmbedder(model=folders["data2vec-audio"], layer=-1).fit([clip])
    with torch.no_grad():
        ours = embedder.module_(padded, torch.tensor([clip.size]))
    np.testing.assert_allclose(ours.numpy(), alone.mean(1).numpy(), atol=1e-5)


# -- Whisper ---------------------------------------------------------------------------


@pytest.mark.parametrize("dft_as_convolution", [False, True], ids=["stft", "convolution"])
@pytest.mark.parametrize("seconds", [0.4, 2.3])
def test_whisper_log_mel_matches_the_feature_extractor(seconds, dft_as_convolution, folders):
    clip = speechlike((seconds,))[0]
    embedder = SSLEmbedder(model=folders["whisper"]).fit([clip])
    expected = transformers.WhisperFeatureExtractor(feature_size=80)(
        clip, sampling_rate=SR, return_tensors="np").input_features
    module = embedder.module_
    module.dft_as_convolution = dft_as_convolution
    with torch.no_grad():
        mel = module.log_mel(torch.from_numpy(clip)[None], torch.tensor([clip.size]))
    assert mel.shape == expected.shape == (1, 80, 3000)
    np.testing.assert_allclose(mel.numpy(), expected, atol=1e-4)


def test_whisper_encoder_matches_transformers_on_extractor_features(folders):
    clip = speechlike((1.3,))[0]
    embedder = SSLEmbedder(model=folders["whisper"], layer="all").fit([clip])
    features = transformers.WhisperFeatureExtractor(feature_size=80)(
        clip, sampling_rate=SR, return_tensors="pt").input_features
    encoder = tiny_model("whisper").get_encoder()
    with torch.no_grad():
        expected = encoder(features, output_hidden_states=True).hidden_states
        states = embedder.module_.encode(features)
    assert len(states) == len(expected) == 3
    for ours, theirs in zip(states, expected):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)


@pytest.mark.parametrize("n_samples", [400, 1000, 16000, 16001, 24159])
def test_whisper_frames_are_those_the_extractor_marks(n_samples):
    extractor = transformers.WhisperFeatureExtractor()
    mask = extractor(np.ones(n_samples, np.float32), sampling_rate=SR,
                     return_attention_mask=True).attention_mask
    mel_frames = int(np.sum(mask))  # ceil(n / 160)
    assert int(whisper_frame_lengths(torch.tensor(n_samples), 1500)) == -(-mel_frames // 2)


def test_whisper_loads_from_every_checkpoint_layout(folders, tmp_path):
    """The hub's WhisperForConditionalGeneration, a WhisperModel, a bare WhisperEncoder."""
    clip = speechlike((0.6,))[0]
    model = tiny_model("whisper")
    model.model.save_pretrained(tmp_path / "model")
    model.get_encoder().save_pretrained(tmp_path / "encoder")
    expected = SSLEmbedder(model=folders["whisper"]).fit([clip]).transform([clip])
    for layout in ("model", "encoder"):
        got = SSLEmbedder(model=tmp_path / layout).fit([clip]).transform([clip])
        np.testing.assert_array_equal(got, expected, err_msg=layout)


def test_whisper_encodes_the_first_30_s_of_a_longer_clip(folders):
    clip = np.tile(speechlike((1.0,))[0], 31)
    embedder = SSLEmbedder(model=folders["whisper"]).fit([clip[:SR]])
    with pytest.warns(SkserWarning, match=r"longer than the 480000 samples \(30 s\)"):
        long = embedder.transform([clip])
    np.testing.assert_allclose(long, embedder.transform([clip[: 30 * SR]]), atol=1e-6)


# -- layers: an index, all, the mean, given weights -----------------------------------


@pytest.fixture(scope="module")
def per_layer(folders):
    clips = speechlike()
    embedder = SSLEmbedder(model=folders["wavlm"], layer="all").fit(clips)
    return clips, embedder.transform(clips).reshape(len(clips), 3, 32)


def test_mean_of_layers_is_the_mean_of_every_hidden_state(folders, per_layer):
    clips, states = per_layer
    embedder = SSLEmbedder(model=folders["wavlm"], layer="mean").fit(clips)
    np.testing.assert_allclose(embedder.transform(clips), states.mean(axis=1), atol=1e-6)
    assert embedder.get_feature_names_out()[0] == "weighted_mean0"


def test_given_weights_are_normalised_and_mixed_frame_by_frame(folders, per_layer):
    clips, states = per_layer
    embedder = SSLEmbedder(model=folders["wavlm"], layer=(0.0, 2.0, 6.0),
                           pooling="mean+std").fit(clips)
    mixed = embedder.transform(clips)
    np.testing.assert_allclose(mixed[:, :32], 0.25 * states[:, 1] + 0.75 * states[:, 2],
                               atol=1e-6)
    # The spread of the mix, not a mix of spreads: SUPERB mixes hidden states, then pools.
    model = tiny_model("wavlm")
    for clip, row in zip(clips, mixed):
        states = _reference_states(model, clip)
        frames = 0.25 * states[1] + 0.75 * states[2]
        np.testing.assert_allclose(row[32:], frames.std(0, unbiased=False).numpy(), atol=1e-5)
    names = embedder.get_feature_names_out()
    assert (names[0], names[32]) == ("weighted_mean0", "weighted_std0")


@pytest.mark.parametrize("name", ["wavlm", "hubert", "data2vec-audio", "whisper"])
def test_one_weight_is_that_layer_exactly(name, folders):
    clips = speechlike()
    one_hot = SSLEmbedder(model=folders[name], layer=np.array([0, 1, 0])).fit(clips)
    index = SSLEmbedder(model=folders[name], layer=1).fit(clips)
    np.testing.assert_array_equal(one_hot.transform(clips), index.transform(clips))
    assert one_hot.fingerprint_ != index.fingerprint_  # other names, another cache


@pytest.mark.parametrize(
    "layer, message",
    [([1.0, 2.0], r"layer holds 2 weight\(s\) but this encoder has 3 hidden states"),
     ([1.0, -1.0, 1.0], "must be finite, >= 0 and not all 0"),
     ([0, 0, 0], "must be finite, >= 0 and not all 0"),
     ([1.0, np.nan, 1.0], "must be finite"),
     (["a", "b", "c"], "one number per hidden state"),
     (3, "layer=3 is out of range: this encoder has 3 hidden states")],
)
def test_bad_layers_are_named(layer, message, folders):
    with pytest.raises(ValueError, match=message):
        SSLEmbedder(model=folders["hubert"], layer=layer).fit(speechlike((0.3,)))


def test_bad_layer_types_are_parameter_errors(folders):
    for layer in ("last", 1.5, None):
        with pytest.raises(InvalidParameterError, match="'layer' parameter"):
            SSLEmbedder(model=folders["hubert"], layer=layer).fit(speechlike((0.3,)))


# -- loading: safe, and clear when it cannot -------------------------------------------


def _write_config(folder, **values):
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(values))
    save_file({"x": torch.zeros(1)}, str(folder / "model.safetensors"))
    return folder


@pytest.mark.parametrize("model_type", ["sew", "speech_to_text", "not-a-model"])
def test_unsupported_model_types_are_named_with_the_supported_ones(model_type, tmp_path):
    folder = _write_config(tmp_path / "other", model_type=model_type)
    with pytest.raises(ValueError, match=(
            f"is a '{model_type}' model; SSLEmbedder takes model_type 'data2vec-audio', "
            "'hubert', 'wav2vec2', 'wavlm', 'whisper'$")):
        SSLEmbedder(model=folder).fit(speechlike((0.3,)))


def test_distilhubert_still_refuses_other_encoders(folders):
    with pytest.raises(ValueError, match=(
            r"is a 'wavlm' model; DistilHuBERTEmbedder takes HuBERT-family models "
            r"\(model_type 'hubert'\)$")):
        DistilHuBERTEmbedder(model=folders["wavlm"]).fit(speechlike((0.3,)))
    assert isinstance(DistilHuBERTEmbedder(), SSLEmbedder)


def test_missing_folders_and_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        SSLEmbedder(model=tmp_path / "nowhere").fit(speechlike((0.3,)))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="no config.json"):
        SSLEmbedder(model=tmp_path / "empty").fit(speechlike((0.3,)))


@pytest.mark.parametrize("name", ["wavlm", "whisper"])
def test_weights_that_lack_encoder_tensors_are_refused(name, folders, tmp_path):
    folder = tmp_path / name
    shutil.copytree(folders[name], folder)
    state = load_file(str(folder / "model.safetensors"))
    dropped = [key for key in state if "layers.1." in key and "encoder" in key]
    save_file({k: v for k, v in state.items() if k not in dropped},
              str(folder / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(ModelLoadError, match=r"lack \d+ tensor\(s\) .*they would be random"):
        SSLEmbedder(model=folder).fit(speechlike((0.3,)))


@pytest.mark.parametrize("name", ["wav2vec2", "whisper"])
def test_an_inconsistent_config_is_a_model_load_error(name, folders, tmp_path):
    folder = tmp_path / name
    shutil.copytree(folders[name], folder)
    config = json.loads((folder / "config.json").read_text())
    config["encoder_attention_heads" if name == "whisper" else "num_attention_heads"] = 5
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="config.json"):
        SSLEmbedder(model=folder).fit(speechlike((0.3,)))


def test_another_sampling_rate_is_refused(folders, tmp_path):
    folder = tmp_path / "wav2vec2-8k"
    shutil.copytree(folders["wav2vec2"], folder)
    transformers.Wav2Vec2FeatureExtractor(sampling_rate=8000).save_pretrained(folder)
    with pytest.raises(ValueError, match="expects 8000 Hz audio; skser feeds it 16 kHz"):
        SSLEmbedder(model=folder).fit(speechlike((0.3,)))


def test_a_whisper_extractor_that_disagrees_is_refused(folders, tmp_path):
    folder = tmp_path / "whisper-128"
    shutil.copytree(folders["whisper"], folder)
    transformers.WhisperFeatureExtractor(feature_size=128).save_pretrained(folder)
    with pytest.raises(ModelLoadError, match="does not fit its config.json"):
        SSLEmbedder(model=folder).fit(speechlike((0.3,)))


def test_feature_extractor_normalization_is_applied(folders, tmp_path):
    folder = tmp_path / "wavlm-normalized"
    shutil.copytree(folders["wavlm"], folder)
    transformers.Wav2Vec2FeatureExtractor(do_normalize=True).save_pretrained(folder)
    clips = speechlike()
    embedder = SSLEmbedder(model=folder).fit(clips)
    np.testing.assert_allclose(embedder.transform([3 * c for c in clips]),
                               embedder.transform(clips), atol=1e-4)


def test_offline_help_names_the_model(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hub-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OSError) as caught:
        SSLEmbedder().fit(speechlike((0.3,)))
    message = str(caught.value)
    assert "microsoft/wavlm-base-plus" in message and "distilhubert" not in message


@pytest.mark.parametrize("name", ["wavlm", "whisper"])
def test_pickled_embedder_gives_the_same_embeddings(name, folders):
    clips = speechlike()
    embedder = SSLEmbedder(model=folders[name], layer=[1, 1, 2]).fit(clips)
    restored = pickle.loads(pickle.dumps(embedder))
    np.testing.assert_array_equal(embedder.transform(clips), restored.transform(clips))


# -- exportable: lengths are tensors, no data-dependent Python control flow ----------


class _WithLengths(torch.nn.Module):
    """The module with its lengths as a second graph input."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, waveforms, lengths):
        return self.module(waveforms, lengths)


@pytest.mark.parametrize("name", ["wavlm", "data2vec-audio", "whisper"])
def test_the_module_exports_to_onnx_with_dynamic_batch_and_width(name, folders, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    clips = speechlike((1.2, 0.6, 0.4))
    embedder = SSLEmbedder(model=folders[name], layer=[1, 2, 3]).fit(clips)
    module = embedder.module_
    module.dft_as_convolution = True  # Whisper's STFT as a convolution (ignored by others)
    example = torch.zeros(2, 12000), torch.tensor([12000, 9000])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_WithLengths(module).eval(), example, str(tmp_path / "m.onnx"),
                          input_names=["waveforms", "lengths"], output_names=["embeddings"],
                          dynamic_axes={"waveforms": {0: "n", 1: "width"}, "lengths": {0: "n"},
                                        "embeddings": {0: "n"}},
                          opset_version=17, dynamo=False)
    width = max(clip.size for clip in clips)
    batch = np.stack([np.pad(clip, (0, width - clip.size)) for clip in clips])
    lengths = np.array([clip.size for clip in clips], dtype=np.int64)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    got = session.run(None, {"waveforms": batch, "lengths": lengths})[0]
    np.testing.assert_allclose(got, embedder.transform(clips), atol=1e-5)


# -- the published architectures -------------------------------------------------------

# Parameter counts published for each checkpoint: sum(p.numel()) of the bare encoder
# loaded from the hub, as recorded in public code and reports (e.g. 94,371,712 for
# facebook/hubert-base-ls960 at revision dba3bb02, and for facebook/wav2vec2-base;
# 94,381,936 for microsoft/wavlm-base-plus at revision 4c66d48; 20,590,592 for the
# encoder of openai/whisper-base, 72,593,920 for the whole model; 23,491,968 for
# ntu-spml/distilhubert). For facebook/data2vec-audio-base no exact count was found: its
# figure is wav2vec2-base's 94,371,712 less one positional convolution of kernel 128
# (4,719,488 with weight norm and bias) plus five of kernel 19 (5 x 701,184) and a
# LayerNorm in each of the seven front-end convolutions instead of one GroupNorm
# (+6,144): 93,164,288.
PUBLISHED = {
    "wav2vec2-base": ("Wav2Vec2Model", 94_371_712),
    "hubert-base": ("HubertModel", 94_371_712),
    "wavlm-base": ("WavLMModel", 94_381_936),
    "wavlm-base-plus": ("WavLMModel", 94_381_936),
    "data2vec-audio-base": ("Data2VecAudioModel", 93_164_288),
    "whisper-base": ("WhisperEncoder", 20_590_592),
    "distilhubert": ("HubertModel", 23_491_968),
}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_base_architectures_have_the_published_parameter_counts(name):
    class_name, count = PUBLISHED[name]
    cls = WhisperEncoder if class_name == "WhisperEncoder" else getattr(transformers, class_name)
    with torch.device("meta"), warnings.catch_warnings():  # shapes only: no memory, no init
        warnings.simplefilter("ignore")
        model = cls(ssl_config(name))
    assert sum(p.numel() for p in model.parameters()) == count


def test_whisper_base_whole_model_count():
    with torch.device("meta"):
        model = transformers.WhisperForConditionalGeneration(ssl_config("whisper-base"))
    assert sum(p.numel() for p in model.parameters()) == 72_593_920


def test_an_unknown_architecture_is_named():
    with pytest.raises(ValueError, match="unknown architecture 'wav2vec2-huge'; known:"):
        ssl_config("wav2vec2-huge")


# -- the paper's pipeline --------------------------------------------------------------


def test_make_ser_pipeline_builds_an_ssl_embedder(folders):
    from skser.pipeline import make_ser_pipeline

    default = make_ser_pipeline(embedder="ssl")
    assert default.steps[-2][0] == "sslembedder"
    assert default[-2].get_params()["model"] == "microsoft/wavlm-base-plus"
    assert make_ser_pipeline(embedder="distilhubert")[-2].model == "ntu-spml/distilhubert"
    with pytest.raises(ValueError, match="speeds are built for .* embedder='ssl'"):
        make_ser_pipeline(embedder="ssl", speeds=(0.9,))
    clips = speechlike((0.4, 0.6, 0.5, 0.7), seed=1)
    pipe = make_ser_pipeline(embedder="ssl", model=folders["wavlm"], max_iter=2)
    pipe.fit(clips, ["a", "b", "a", "b"])
    assert pipe.predict_proba(clips).shape == (4, 2) and pipe[-1].n_views == 1
