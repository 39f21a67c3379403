"""Channel views: the telephone line as a torch module, and the embedder's extra view."""

import numpy as np
import pytest
import torch
from scipy import signal

from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder, TelephoneChannel
from skser.io import as_batch, clip_lengths
from skser.pipeline import make_ser_pipeline
from skser.preprocessing import mu_law, telephone


@pytest.fixture(scope="module")
def speech():
    return make_emotional_speech(n_speakers=2, n_clips_per_class=1, random_state=0)


def _line(x, length=None):
    length = x.shape[-1] if length is None else length
    return TelephoneChannel()(torch.from_numpy(x[None]), torch.tensor([length]))[0].numpy()


def _band_levels(x):
    """Mean power (dB) below, inside and above the telephone band."""
    f, p = signal.welch(x, 16000, nperseg=1024)
    return [10 * np.log10(p[(f > lo) & (f < hi)].mean())
            for lo, hi in ((40, 150), (600, 3000), (4200, 7500))]


def test_the_line_keeps_the_band_as_the_numpy_line_does():
    x = (0.1 * np.random.default_rng(0).standard_normal(32000)).astype(np.float32)
    low, band, high = _band_levels(_line(x))
    ref_low, ref_band, ref_high = _band_levels(telephone(x))
    assert abs(band - ref_band) < 0.5  # the pass band as the 8 kHz line passes it
    assert band - low > 30 and band - high > 30  # what is outside the band is gone
    assert ref_band - ref_low > 15 and ref_band - ref_high > 30


def test_the_line_outputs_mu_law_levels():
    x = (0.3 * np.random.default_rng(1).standard_normal(8000)).astype(np.float32)
    out = _line(x).astype(np.float64)
    # Each output is a fixed point of the codec: already one of its 256 levels.
    np.testing.assert_allclose(mu_law(out), out, atol=1e-6)
    assert len(np.unique(np.round(out, 7))) <= 255  # 127 magnitudes, each sign, and 0


def test_a_clip_on_the_line_does_not_depend_on_its_padding():
    x = (0.1 * np.random.default_rng(2).standard_normal(4000)).astype(np.float32)
    alone = _line(x)
    padded = _line(np.concatenate([x, np.ones(3000, np.float32)]), length=4000)
    np.testing.assert_allclose(padded[:4000], alone, atol=1e-6)
    assert not padded[4000:].any()


def test_the_telephone_view_follows_the_clip_and_its_speeds(speech):
    X = speech[0][:4]
    plain = AcousticEmbedder().fit(X)
    views = AcousticEmbedder(speeds=(0.9,), channels=("telephone",)).fit(X)
    embedded = views.transform(X)
    assert embedded.shape == (4, 3 * 171)
    names = views.get_feature_names_out()
    assert names[171] == "speed0.9_loudness_mean" and names[342] == "telephone_loudness_mean"
    np.testing.assert_array_equal(embedded[:, :171], plain.transform(X))
    lined = as_batch([_line(clip[:n].copy()) for clip, n in zip(X, clip_lengths(X))])
    np.testing.assert_allclose(embedded[:, 342:], plain.transform(lined), rtol=1e-4, atol=1e-3)


def test_the_telephone_view_hears_a_phone_call_as_it_hears_the_studio_clip(speech):
    """The view's point: a clip already on a phone line gives nearly its studio view."""
    X = speech[0][:4]
    views = AcousticEmbedder(channels=("telephone",)).fit(X)
    phoned = as_batch([telephone(clip[:n]).astype(np.float32)
                       for clip, n in zip(X, clip_lengths(X))])
    studio, call = views.transform(X), views.transform(phoned)
    scale = np.std(np.vstack([studio, call]), axis=0) + 1e-6
    full_band_shift = np.median(np.abs(studio[:, :171] - call[:, :171]) / scale[:171])
    line_shift = np.median(np.abs(studio[:, 171:] - call[:, 171:]) / scale[171:])
    assert line_shift < 0.5 * full_band_shift


def test_channels_key_the_cache_and_bad_ones_are_named(speech, tmp_path):
    X = speech[0][:2]
    plain = AcousticEmbedder(memory=tmp_path).fit(X)
    phone = AcousticEmbedder(memory=tmp_path, channels=("telephone",)).fit(X)
    assert plain.fingerprint_ != phone.fingerprint_
    for channels in ["telephone", ("radio",), ("telephone", "telephone")]:
        with pytest.raises(ValueError, match="channel"):
            AcousticEmbedder(channels=channels).fit(X)


def test_pipeline_gives_the_head_one_view_per_speed_and_channel():
    pipe = make_ser_pipeline(channels=("telephone",))
    assert pipe[-2].channels == ("telephone",)
    assert pipe[-1].n_views == 1 + len(pipe[-2].speeds) + 1
    with pytest.raises(ValueError, match="channel views are built for the categorical"):
        make_ser_pipeline(task="dimensional", channels=("telephone",))


@pytest.mark.real_data
def test_on_a_phone_line_the_default_does_not_collapse_onto_one_class(ravdess_root):
    """Trained on studio clips of 8 actors, tested on 4 others through a G.711 line: the
    model without the telephone view calls most calls one class, the default does not."""
    from skser.datasets import load_ravdess
    from skser.io import AudioLoader
    from skser.metrics import unweighted_accuracy

    data = load_ravdess(ravdess_root, labels="emotion4")
    X = AudioLoader(n_jobs=2).transform(data.filenames)
    y, groups = np.asarray(data.target), np.asarray(data.groups)
    test = np.isin(groups, np.unique(groups)[-4:])
    phoned = as_batch([telephone(clip[:n]).astype(np.float32)
                       for clip, n in zip(X[test], clip_lengths(X[test]))])
    shares, scores = {}, {}
    for name, channels in (("studio", ()), ("default", "auto")):
        pipe = make_ser_pipeline(channels=channels, n_ensemble=2).fit(X[~test], y[~test])
        predicted = pipe.predict(phoned)
        shares[name] = max(np.mean(predicted == label) for label in np.unique(y))
        scores[name] = unweighted_accuracy(y[test], predicted)
    assert shares["studio"] > 0.6 and shares["default"] < 0.45, shares
    assert scores["default"] > scores["studio"] + 0.15, scores
