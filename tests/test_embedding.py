import logging
import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from transformers import HubertModel, Wav2Vec2Config, Wav2Vec2Model

from skser.embedding import AcousticEmbedder, DistilHuBERTEmbedder, distilhubert_config
from skser.exceptions import InvalidParameterError
from skser.io import as_batch

from .conftest import save_tiny_hubert, tone

SR = 16000


@pytest.fixture
def speechlike():
    rng = np.random.default_rng(0)
    out = []
    for seconds in (0.3, 1.1, 0.7, 0.5):
        n = int(seconds * SR)
        t = np.arange(n) / SR
        f0 = 120 + 40 * np.sin(2 * np.pi * 1.5 * t)
        phase = 2 * np.pi * np.cumsum(f0) / SR
        voiced = sum(np.sin(h * phase) / h for h in range(1, 12))
        envelope = np.abs(np.sin(2 * np.pi * 3 * t)) + 0.05
        out.append((0.2 * voiced * envelope + 0.01 * rng.standard_normal(n)).astype(np.float32))
    return out


def _embedders(tiny_hubert):
    return [
        AcousticEmbedder(),
        DistilHuBERTEmbedder(model=tiny_hubert, pooling="mean+std", layer="all", batch_size=3),
    ]


# -- behaviour shared by both embedders ------------------------------------------------


@pytest.mark.parametrize("which", [0, 1], ids=["acoustic", "distilhubert"])
def test_appended_zeros_do_not_change_an_embedding(which, tiny_hubert, speechlike):
    embedder = _embedders(tiny_hubert)[which].fit(speechlike)
    X = as_batch(speechlike)
    padded = np.pad(X, ((0, 0), (0, 3 * SR)))
    np.testing.assert_allclose(embedder.transform(X), embedder.transform(padded), atol=1e-5)


@pytest.mark.parametrize("which", [0, 1], ids=["acoustic", "distilhubert"])
def test_an_embedding_does_not_depend_on_its_batch(which, tiny_hubert, speechlike):
    embedder = _embedders(tiny_hubert)[which].fit(speechlike)
    together = embedder.transform(speechlike)
    alone = np.stack([embedder.transform([clip])[0] for clip in speechlike])
    np.testing.assert_allclose(together, alone, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("which", [0, 1], ids=["acoustic", "distilhubert"])
def test_short_clips_are_named_or_padded(which, tiny_hubert, speechlike):
    embedder = _embedders(tiny_hubert)[which]
    clips = [*speechlike, speechlike[0][:200]]
    with pytest.raises(ValueError, match=r"clip 4 has 200\. .*short_clips='pad'"):
        clone(embedder).fit(clips)
    with pytest.raises(ValueError, match=r"2 clip\(s\) .* clip 4 has 200 \(indices \[4, 5\]\)"):
        clone(embedder).fit([*clips, speechlike[1][:100]])
    with pytest.raises(ValueError, match=r"^the clip is shorter than .* needs: it has 200\. "
                                         r"Drop it,"):
        clone(embedder).fit([speechlike[0][:200]])
    padded = clone(embedder).set_params(short_clips="pad").fit(clips).transform(clips)
    assert np.isfinite(padded).all()
    silent = clone(embedder).set_params(short_clips="pad").fit(clips).transform(
        [np.zeros(1000, np.float32)]
    )
    assert np.isfinite(silent).all()


@pytest.mark.parametrize("which", [0, 1], ids=["acoustic", "distilhubert"])
def test_nan_names_the_clip(which, tiny_hubert, speechlike):
    embedder = _embedders(tiny_hubert)[which].fit(speechlike)
    X = as_batch(speechlike)
    X[2, 10] = np.inf
    with pytest.raises(ValueError, match="clip 2 contains NaN or inf"):
        embedder.transform(X)


@pytest.mark.parametrize("which", [0, 1], ids=["acoustic", "distilhubert"])
def test_pickled_embedder_gives_the_same_embeddings(which, tiny_hubert, speechlike):
    embedder = _embedders(tiny_hubert)[which].fit(speechlike)
    restored = pickle.loads(pickle.dumps(embedder))
    np.testing.assert_array_equal(embedder.transform(speechlike), restored.transform(speechlike))


@pytest.mark.parametrize("which", [0, 1], ids=["acoustic", "distilhubert"])
def test_memory_embeds_each_clip_once(which, tiny_hubert, speechlike, tmp_path, caplog):
    embedder = _embedders(tiny_hubert)[which].set_params(memory=tmp_path).fit(speechlike)
    caplog.set_level(logging.DEBUG, logger="skser.embedding")
    first = embedder.transform(speechlike[:3])
    second = embedder.transform(speechlike)
    counts = [r.args[1] for r in caplog.records if "embedding" in r.getMessage()]
    assert counts == [3, 1]
    np.testing.assert_allclose(second[:3], first, atol=1e-6)
    fresh = clone(embedder).set_params(memory=None).fit(speechlike).transform(speechlike)
    np.testing.assert_allclose(second, fresh, atol=1e-5)


def test_a_second_fold_reuses_embeddings(tiny_hubert, tmp_path, caplog):
    """Cross-validation with a memory runs the encoder once per clip across all folds."""
    rng = np.random.default_rng(0)
    X = as_batch([rng.uniform(-0.3, 0.3, rng.integers(2000, 6000)) for _ in range(12)])
    y = np.tile(["a", "b"], 6)
    groups = np.repeat([0, 1, 2], 4)
    pipe = make_pipeline(
        DistilHuBERTEmbedder(model=tiny_hubert, memory=tmp_path), LogisticRegression()
    )
    caplog.set_level(logging.DEBUG, logger="skser.embedding")
    cross_val_score(pipe, X, y, groups=groups, cv=GroupKFold(n_splits=3))
    computed = sum(r.args[1] for r in caplog.records if "embedding" in r.getMessage())
    assert computed == len(X)


def test_pipeline_memory_works_with_an_embedder(tiny_hubert, speechlike, tmp_path):
    y = ["a", "b", "a", "b"]
    steps = [("embed", DistilHuBERTEmbedder(model=tiny_hubert)), ("clf", LogisticRegression())]
    memory = joblib.Memory(tmp_path, verbose=0)
    cached = Pipeline(steps, memory=memory).fit(speechlike, y)
    again = Pipeline(steps, memory=memory).fit(speechlike, y)
    plain = Pipeline(steps).fit(speechlike, y)
    assert any(tmp_path.rglob("output.pkl"))
    np.testing.assert_allclose(cached.predict_proba(speechlike), plain.predict_proba(speechlike))
    np.testing.assert_allclose(again.predict_proba(speechlike), plain.predict_proba(speechlike))
    assert joblib.hash(DistilHuBERTEmbedder(model=tiny_hubert)) == joblib.hash(
        DistilHuBERTEmbedder(model=tiny_hubert)
    )


# -- DistilHuBERTEmbedder --------------------------------------------------------------


def test_distilhubert_config_is_the_published_architecture():
    config = distilhubert_config()
    model = HubertModel(config)
    assert sum(p.numel() for p in model.parameters()) == 23_491_968
    shape = (config.num_hidden_layers, config.hidden_size, config.num_attention_heads)
    assert shape == (2, 768, 12)
    assert config.intermediate_size == 3072 and config.feat_extract_norm == "group"


@pytest.mark.parametrize("layer", [0, 1, 2, -1, "all"])
def test_embeddings_match_hubert_hidden_states(layer, tiny_hubert, speechlike):
    embedder = DistilHuBERTEmbedder(model=tiny_hubert, layer=layer, pooling="mean+std")
    embedder.fit(speechlike)
    reference = HubertModel.from_pretrained(tiny_hubert).eval()
    states = [0, 1, 2] if layer == "all" else [layer % 3]
    for index, clip in enumerate(speechlike):
        with torch.no_grad():
            hidden = reference(torch.from_numpy(clip)[None], output_hidden_states=True)
        expected = np.concatenate(
            [
                np.concatenate([h[0].mean(0).numpy(), h[0].std(0, unbiased=False).numpy()])
                for h in (hidden.hidden_states[s] for s in states)
            ]
        )
        np.testing.assert_allclose(
            embedder.transform([clip])[0], expected, atol=2e-5, err_msg=f"clip {index}"
        )


def test_feature_names_follow_layers_and_pooling(tiny_hubert, speechlike):
    embedder = DistilHuBERTEmbedder(model=tiny_hubert, layer="all", pooling="mean+std")
    names = embedder.fit(speechlike).get_feature_names_out()
    assert len(names) == 3 * 2 * 32 == embedder.transform(speechlike).shape[1]
    assert names[0] == "layer0_mean0" and names[32] == "layer0_std0" and names[-1] == "layer2_std31"


def test_layer_out_of_range_is_named(tiny_hubert, speechlike):
    with pytest.raises(ValueError, match="layer=3 is out of range: this encoder has 3 hidden"):
        DistilHuBERTEmbedder(model=tiny_hubert, layer=3).fit(speechlike)


def test_bad_parameters_are_named(tiny_hubert, speechlike):
    with pytest.raises(InvalidParameterError, match="pooling"):
        DistilHuBERTEmbedder(model=tiny_hubert, pooling="max").fit(speechlike)


def test_unfitted_embedder_refuses_to_transform(speechlike):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DistilHuBERTEmbedder().transform(speechlike)


def test_missing_weights_explain_how_to_get_them(tmp_path, speechlike, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hub-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = DistilHuBERTEmbedder(local_files_only=True)
    with pytest.raises(OSError, match="(?s)ntu-spml/distilhubert.*Hugging Face cache.*model="):
        embedder.fit(speechlike)
    with pytest.raises(OSError, match="no-such-folder"):
        DistilHuBERTEmbedder(model=str(tmp_path / "no-such-folder")).fit(speechlike)


def test_a_non_hubert_model_is_refused(tmp_path, speechlike):
    config = Wav2Vec2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                            intermediate_size=64, conv_dim=(32,) * 7,
                            num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)
    Wav2Vec2Model(config).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="'wav2vec2' model"):
        DistilHuBERTEmbedder(model=tmp_path).fit(speechlike)


def test_feature_extractor_normalization_is_applied(tmp_path, speechlike):
    from transformers import Wav2Vec2FeatureExtractor

    folder = save_tiny_hubert(tmp_path)
    Wav2Vec2FeatureExtractor(do_normalize=True).save_pretrained(folder)
    embedder = DistilHuBERTEmbedder(model=folder).fit(speechlike)
    louder = [3 * clip for clip in speechlike]
    np.testing.assert_allclose(embedder.transform(louder), embedder.transform(speechlike),
                               atol=1e-4)


def test_bin_checkpoints_load_too(tmp_path, speechlike):
    torch.manual_seed(0)
    model = HubertModel(distilhubert_config(hidden_size=32, num_attention_heads=4,
                                            intermediate_size=64, conv_dim=(32,) * 7,
                                            num_conv_pos_embeddings=16,
                                            num_conv_pos_embedding_groups=4))
    model.config.save_pretrained(tmp_path)
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    embedder = DistilHuBERTEmbedder(model=tmp_path).fit(speechlike)
    assert embedder.transform(speechlike).shape == (4, 32)


# -- AcousticEmbedder ------------------------------------------------------------------


def _harmonic(f0, seconds=1.0, amplitude=0.3):
    t = np.arange(int(seconds * SR)) / SR
    return (amplitude * sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, 8))).astype(
        np.float32
    )


@pytest.fixture(scope="module")
def acoustic():
    return AcousticEmbedder().fit(np.ones((1, 1000), np.float32))


def _feature(embedder, X, name):
    names = embedder.get_feature_names_out().tolist()
    return embedder.transform(X)[:, names.index(name)]


@pytest.mark.parametrize("f0", [70.0, 110.0, 180.0, 260.0, 420.0])
def test_pitch_of_harmonic_tones(acoustic, f0):
    semitones = _feature(acoustic, [_harmonic(f0)], "pitch_f0_mean")[0]
    assert abs(27.5 * 2 ** (semitones / 12) - f0) < 0.01 * f0


def _glide(f0, semitones_per_second, seconds=1.0, amplitude=0.3):
    """A harmonic tone whose pitch rises steadily, ``semitones_per_second``."""
    t = np.arange(int(seconds * SR)) / SR
    rate = semitones_per_second * np.log(2) / 12
    phase = 2 * np.pi * f0 * np.expm1(rate * t) / rate
    return (amplitude * sum(np.sin(h * phase) / h for h in range(1, 8))).astype(np.float32)


def test_f0_frame_change_is_the_glide_per_frame(acoustic):
    # A glide of 6 semitones per second changes by 0.06 semitones per 10 ms frame; a
    # steady tone by none. (A frame measure: not cycle-to-cycle jitter, hence the name.)
    change = _feature(acoustic, [_glide(150.0, 6.0), _harmonic(150.0)], "pitch_f0_frame_change")
    assert abs(change[0] - 0.06) < 0.01 and change[1] < 0.005


def test_voicing_separates_tones_from_noise(acoustic):
    noise = (0.3 * np.random.default_rng(0).standard_normal(SR)).astype(np.float32)
    voiced = _feature(acoustic, [_harmonic(150.0), noise], "pitch_voiced_fraction")
    assert voiced[0] > 0.9 and voiced[1] < 0.1


def test_loudness_follows_the_level(acoustic):
    loud = _feature(acoustic, [tone(1.0, 440.0, 0.5), tone(1.0, 440.0, 0.05)], "loudness_mean")
    assert abs((loud[0] - loud[1]) - 20.0) < 0.1
    assert abs(loud[0] - 20 * np.log10(0.5 / np.sqrt(2))) < 0.5


def test_spectral_centroid_follows_frequency(acoustic):
    centroid = _feature(acoustic, [tone(1.0, 500.0), tone(1.0, 3000.0)], "spectral_centroid_mean")
    np.testing.assert_allclose(centroid, [0.5, 3.0], atol=0.05)


def test_duration_is_the_true_length(acoustic):
    X = as_batch([_harmonic(150.0, 0.5), _harmonic(150.0, 1.25)])
    np.testing.assert_allclose(_feature(acoustic, X, "duration"), [0.5, 1.25], atol=1e-3)


def test_acoustic_features_are_float32_and_named(acoustic, speechlike):
    features = acoustic.transform(speechlike)
    assert features.dtype == np.float32 and features.shape == (4, 171)
    assert len(set(acoustic.get_feature_names_out())) == 171


def test_bad_pitch_range_is_named(speechlike):
    with pytest.raises(ValueError, match="f0_min=300"):
        AcousticEmbedder(f0_min=300, f0_max=200).fit(speechlike)


@pytest.mark.real_data
def test_acoustic_features_recognise_emotion_across_speakers(ravdess_root):
    from sklearn.model_selection import LeaveOneGroupOut
    from sklearn.preprocessing import StandardScaler

    from skser.datasets import load_ravdess
    from skser.io import AudioLoader
    from skser.preprocessing import PeakNormalizer, Trimmer

    data = load_ravdess(ravdess_root)
    keep = np.isin(data.groups, [f"ravdess:{actor:02d}" for actor in range(1, 7)])
    X = AudioLoader(n_jobs=2).transform(data.filenames[keep])
    features = make_pipeline(Trimmer(), PeakNormalizer(), AcousticEmbedder()).fit_transform(X)
    scores = cross_val_score(
        make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
        features, data.target[keep], groups=data.groups[keep], cv=LeaveOneGroupOut(),
        scoring="balanced_accuracy",
    )
    assert scores.mean() > 0.4  # chance is 0.25 for four classes


@pytest.mark.parametrize("which", ["acoustic", "distilhubert"])
def test_set_output_pandas_gives_named_columns(which, tiny_hubert, speechlike):
    pd = pytest.importorskip("pandas")
    embedder = (AcousticEmbedder() if which == "acoustic"
                else DistilHuBERTEmbedder(model=tiny_hubert)).set_output(transform="pandas")
    frame = embedder.fit(speechlike).transform(speechlike)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(embedder.get_feature_names_out())
    plain = clone(embedder).set_output(transform="default").fit(speechlike)
    np.testing.assert_allclose(frame.to_numpy(), plain.transform(speechlike), rtol=1e-5)


def test_both_spectra_give_the_cleaned_features_then_the_raw_ones(speechlike):
    """denoise="both" is exactly denoise=True's features then denoise=False's, per view."""
    cleaned = AcousticEmbedder(speeds=(0.9,)).fit(speechlike).transform(speechlike)
    raw = AcousticEmbedder(denoise=False, speeds=(0.9,)).fit(speechlike).transform(speechlike)
    both = AcousticEmbedder(denoise="both", speeds=(0.9,)).fit(speechlike)
    expected = np.hstack([cleaned[:, :171], raw[:, :171], cleaned[:, 171:], raw[:, 171:]])
    np.testing.assert_array_equal(both.transform(speechlike), expected)
    assert not np.allclose(cleaned, raw)  # the two halves are two kinds of spectrum
    names = both.get_feature_names_out()
    assert len(names) == 684
    assert (names[0], names[171], names[342], names[513]) == (
        "loudness_mean", "raw_loudness_mean", "speed0.9_loudness_mean",
        "speed0.9_raw_loudness_mean")
    with pytest.raises(ValueError, match="'denoise' parameter"):
        AcousticEmbedder(denoise="twice").fit(speechlike)


def test_dynamics_follow_the_171_features_in_each_view(speechlike):
    """dynamics=True is exactly the 171 features, then 80 of spectral dynamics, per view."""
    plain = AcousticEmbedder(speeds=(0.9,)).fit(speechlike).transform(speechlike)
    dynamic = AcousticEmbedder(dynamics=True, speeds=(0.9,)).fit(speechlike)
    features = dynamic.transform(speechlike)
    assert features.shape == (4, 502) and np.isfinite(features).all()
    np.testing.assert_array_equal(features[:, :171], plain[:, :171])
    np.testing.assert_array_equal(features[:, 251:422], plain[:, 171:])
    names = dynamic.get_feature_names_out()
    assert len(set(names)) == 502
    assert (names[171], names[210], names[211], names[251], names[422]) == (
        "modulation0_0.5-2hz", "modulation7_16-50hz", "logmel0_delta_std",
        "speed0.9_loudness_mean", "speed0.9_modulation0_0.5-2hz")
    with pytest.raises(InvalidParameterError, match="'dynamics' parameter"):
        AcousticEmbedder(dynamics="yes").fit(speechlike)


def _modulated_noise(rate_hz, seconds=2.0, depth=0.9):
    """White noise whose amplitude swings ``rate_hz`` times a second."""
    t = np.arange(int(seconds * SR)) / SR
    noise = np.random.default_rng(1).standard_normal(t.size)
    return (0.1 * noise * (1 + depth * np.sin(2 * np.pi * rate_hz * t))).astype(np.float32)


@pytest.mark.parametrize("rate_hz, band", [(1.0, "0.5-2hz"), (3.0, "2-4hz"), (6.0, "4-8hz"),
                                           (12.0, "8-16hz"), (25.0, "16-50hz")])
def test_modulation_shares_follow_the_rate_of_the_envelope(rate_hz, band):
    embedder = AcousticEmbedder(dynamics=True).fit(np.ones((1, 1000), np.float32))
    features = embedder.transform([_modulated_noise(rate_hz)])[0]
    names = embedder.get_feature_names_out().tolist()
    bands = ["0.5-2hz", "2-4hz", "4-8hz", "8-16hz", "16-50hz"]
    for group in range(8):  # white noise: every group of mel bands swings alike
        shares = features[[names.index(f"modulation{group}_{b}") for b in bands]]
        assert abs(shares.sum() - 1) < 1e-4
        assert bands[int(np.argmax(shares))] == band and shares.max() > 0.5, (group, shares)


def test_a_steady_tone_has_even_shares_and_no_band_delta():
    embedder = AcousticEmbedder(dynamics=True).fit(np.ones((1, 1000), np.float32))
    steady, swinging = embedder.transform([_harmonic(150.0), _modulated_noise(6.0, 1.0)])
    names = embedder.get_feature_names_out().tolist()
    shares = steady[[i for i, name in enumerate(names) if name.startswith("modulation")]]
    np.testing.assert_allclose(shares, 0.2, atol=0.05)  # nothing moves: near equal parts
    delta = [names.index(f"logmel{i}_delta_std") for i in range(40)]
    assert steady[delta].max() < 0.5 < swinging[delta].min()


def _with_noise_at(clip, snr_db, rng):
    noise = rng.standard_normal(clip.size)
    scale = np.sqrt(np.mean(clip.astype(np.float64) ** 2) / 10 ** (snr_db / 10))
    return (clip + scale * noise).astype(np.float32)


def _standardized_shift(embedder, clean, noisy):
    before, after = embedder.transform(clean), embedder.transform(noisy)
    return np.abs((after - before).mean(axis=0)) / (before.std(axis=0) + 1e-6)


def _hiss_shift(acoustic, ravdess_root):
    """Each feature's shift (in its own standard deviations) when 24 RAVDESS clips get
    white noise 20 dB below their power, as recorded, before the default front end."""
    from sklearn.pipeline import make_pipeline

    from skser.datasets import load_ravdess
    from skser.io import AudioLoader
    from skser.preprocessing import PeakNormalizer, PreEmphasis, Trimmer

    files = load_ravdess(ravdess_root, labels="emotion4").filenames[::12][:24]
    clean = AudioLoader().transform(files)
    rng = np.random.default_rng(0)
    noisy = as_batch([_with_noise_at(row[row != 0], 20.0, rng) for row in clean])
    front_end = make_pipeline(Trimmer(top_db=20), PreEmphasis(coef=0.97),
                              PeakNormalizer(peak=0.95))
    return _standardized_shift(acoustic, front_end.fit_transform(clean),
                               front_end.fit_transform(noisy))


@pytest.mark.parametrize("denoise", [True, False])
def test_a_hiss_barely_moves_the_features_of_real_speech(denoise, ravdess_root):
    # White noise 20 dB below real speech (the whole clip's power), then the default
    # front end: without the per-clip noise removal the high log-mel bands' spread fell
    # by 3-4 standard deviations (of that feature across clips) and the centroid rose by
    # as much. Now no feature moves by 2 of them (1.4 at most, measured).
    acoustic = AcousticEmbedder(denoise=denoise).fit(np.ones((1, 1000), np.float32))
    shift = _hiss_shift(acoustic, ravdess_root)
    names = acoustic.get_feature_names_out()
    if not denoise:  # the same features without the noise removal do move
        assert shift.max() > 3.0
        return
    worst = np.argsort(-shift)[:3]
    assert shift.max() < 2.0, [(names[i], round(float(shift[i]), 2)) for i in worst]
    for name in ("logmel36_std", "logmel39_std", "spectral_centroid_mean"):
        assert shift[list(names).index(name)] < 1.0, name


@pytest.mark.real_data
def test_a_hiss_moves_the_spectral_dynamics_of_real_speech_little(ravdess_root):
    # The same clips and hiss as above. What survives the noise removal of a hiss is
    # fast flicker in the weakest (highest) bands: the 16-50 Hz modulation share of the
    # top group of mel bands moves by 3.0 standard deviations (measured), every other
    # dynamics feature by under 2, and the typical one by much less.
    acoustic = AcousticEmbedder(dynamics=True).fit(np.ones((1, 1000), np.float32))
    shift = _hiss_shift(acoustic, ravdess_root)[171:]
    names = acoustic.get_feature_names_out()[171:].tolist()
    top = names.index("modulation7_16-50hz")
    assert shift[top] < 3.5
    assert np.delete(shift, top).max() < 2.0 and np.median(shift) < 0.5
