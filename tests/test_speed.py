"""Speed perturbation: the resampler, the multi-speed embedder and the multi-view head."""

import numpy as np
import pytest
import torch
from scipy.signal import resample_poly

from skser.classification import FocalLossClassifier
from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder, speed_ratio
from skser.embedding._speed import PolyphaseResampler
from skser.io import as_batch, clip_lengths
from skser.pipeline import make_ser_pipeline


@pytest.fixture(scope="module")
def speech():
    return make_emotional_speech(n_speakers=3, n_clips_per_class=2, random_state=0)


@pytest.mark.parametrize("speed", [0.9, 1.1, 0.5, 2.0, 1.25])
@pytest.mark.parametrize("n_samples", [1, 17, 640, 16001])
def test_resampler_matches_scipy_resample_poly(speed, n_samples):
    up, down = speed_ratio(speed)
    x = np.random.default_rng(n_samples).standard_normal((2, n_samples)).astype(np.float32)
    resampler = PolyphaseResampler(up, down)
    y = resampler(torch.from_numpy(x)).numpy()
    expected = np.stack([resample_poly(row.astype(np.float64), up, down) for row in x])
    assert int(resampler.output_lengths(torch.tensor([n_samples]))) == expected.shape[1]
    np.testing.assert_allclose(y[:, : expected.shape[1]], expected, atol=5e-6)


def test_speed_ratio_plays_slower_clips_longer():
    assert speed_ratio(0.9) == (10, 9)
    assert speed_ratio(1.1) == (10, 11)
    assert speed_ratio(1.0) == (1, 1)


@pytest.mark.parametrize("speed", [0.3, 2.5, float("nan"), 0.9123456])
def test_speed_ratio_refuses_speeds_it_cannot_play(speed):
    with pytest.raises(ValueError, match="speed"):
        speed_ratio(speed)


def test_views_are_the_clip_then_each_speed(speech):
    X = speech[0][:4]
    views = AcousticEmbedder(speeds=(0.9, 1.1)).fit(X)
    plain = AcousticEmbedder().fit(X)
    embedded = views.transform(X)
    assert embedded.shape == (4, 3 * 171)
    np.testing.assert_array_equal(embedded[:, :171], plain.transform(X))
    names = views.get_feature_names_out()
    assert names[171] == "speed0.9_loudness_mean" and names[342] == "speed1.1_loudness_mean"
    for block, (up, down) in [(1, (10, 9)), (2, (10, 11))]:
        resampled = as_batch([resample_poly(clip[:n].astype(np.float64), up, down)
                              .astype(np.float32) for clip, n in zip(X, clip_lengths(X))])
        np.testing.assert_allclose(embedded[:, 171 * block : 171 * (block + 1)],
                                   plain.transform(resampled), rtol=1e-4, atol=1e-4)


def test_a_clips_views_do_not_depend_on_its_batch(speech):
    X = speech[0]
    lengths = clip_lengths(X)
    short = as_batch([X[0, : lengths[0]]])
    mixed = as_batch([X[0, : lengths[0]], np.tile(X[1, : lengths[1]], 3)])
    embedder = AcousticEmbedder(speeds=(0.9, 1.1)).fit(mixed)
    np.testing.assert_allclose(embedder.transform(short)[0], embedder.transform(mixed)[0],
                               rtol=1e-5, atol=1e-4)


def test_a_faster_view_needs_longer_clips():
    embedder = AcousticEmbedder(speeds=(0.9, 1.25))
    assert embedder.min_samples == 800 > AcousticEmbedder().min_samples == 640
    clip = 0.1 * np.random.default_rng(0).standard_normal((1, 700)).astype(np.float32)
    with pytest.raises(ValueError, match="800 samples"):
        embedder.fit(clip)
    padded = AcousticEmbedder(speeds=(1.25,), short_clips="pad").fit(clip).transform(clip)
    assert np.isfinite(padded).all()


def test_speeds_key_the_cache(speech, tmp_path):
    X = speech[0][:2]
    plain = AcousticEmbedder(memory=tmp_path).fit(X)
    views = AcousticEmbedder(memory=tmp_path, speeds=(0.9,)).fit(X)
    assert plain.fingerprint_ != views.fingerprint_
    assert plain.transform(X).shape[1] == 171 and views.transform(X).shape[1] == 342


@pytest.mark.parametrize("speeds", ["0.9", 0.9, ("fast",), (3.0,)])
def test_bad_speeds_are_named(speeds, speech):
    with pytest.raises(ValueError, match="speed"):
        AcousticEmbedder(speeds=speeds).fit(speech[0][:2])


def _views(n, n_views, width, seed):
    """Rows of ``n_views`` blocks: one informative block and noise blocks."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    blocks = [rng.standard_normal((n, width)) for _ in range(n_views)]
    blocks[0][:, 0] += 3 * y
    return np.hstack(blocks).astype(np.float32), y


def test_head_averages_its_probabilities_over_the_views():
    X, y = _views(120, 3, 5, seed=0)
    # Raw probabilities (a fitted temperature would divide the mean's logits).
    head = FocalLossClassifier(n_views=3, n_ensemble=2, max_iter=10, calibration=None,
                               random_state=0).fit(X, y)
    inner = head.module_.module
    with torch.no_grad():
        per_view = [torch.softmax(inner(torch.from_numpy(X[:, 5 * v : 5 * (v + 1)])), 1)
                    for v in range(3)]
    expected = torch.stack(per_view).mean(0).numpy()
    np.testing.assert_allclose(head.predict_proba(X), expected, atol=1e-6)
    assert head.module_.module[0].mean.shape == (5,)


def test_head_trains_on_every_view_and_validates_on_the_first():
    X, y = _views(120, 3, 5, seed=1)
    X[:, 5:10] += 10.0  # the second view's features sit 10 higher, the third's 20
    X[:, 10:] += 20.0
    X_val, y_val = _views(60, 3, 5, seed=2)
    X_val[:, 5:] = 1e3  # garbage in the validation clips' other views
    head = FocalLossClassifier(n_views=3, n_ensemble=1, max_iter=8, calibration=None,
                               random_state=0)
    head.fit(X, y, X_val=X_val, y_val=y_val)
    # The standardisation is fitted on the rows of all three views: mean about 10.
    np.testing.assert_allclose(head.module_.module[0].mean.numpy()[1:], 10.0, atol=0.5)
    # Early stopping scored the first view only: the garbage would score near chance.
    assert max(head.validation_scores_) > 0.75


def test_head_refuses_features_that_are_not_whole_views():
    X, y = _views(60, 3, 5, seed=0)
    with pytest.raises(ValueError, match="n_views=2 .* 15"):
        FocalLossClassifier(n_views=2).fit(X, y)


def test_default_pipeline_plays_each_clip_at_three_speeds_and_on_a_phone_line():
    pipe = make_ser_pipeline()
    assert pipe[-2].speeds == (0.9, 1.1) and pipe[-2].channels == ("telephone",)
    assert pipe[-1].n_views == 4
    one = make_ser_pipeline(speeds=())
    assert one[-2].speeds == () and one[-1].n_views == 2
    studio = make_ser_pipeline(speeds=(), channels=())
    assert studio[-2].channels == () and studio[-1].n_views == 1
    assert make_ser_pipeline(task="dimensional")[-2].speeds == ()
    assert make_ser_pipeline(task="dimensional")[-2].channels == ()
    assert make_ser_pipeline(embedder="distilhubert")[-1].n_views == 1
    with pytest.raises(ValueError, match="speeds"):
        make_ser_pipeline(embedder="distilhubert", speeds=(0.9,))
    with pytest.raises(ValueError, match="speeds"):
        make_ser_pipeline(speeds="fast")


def test_pipeline_refuses_a_number_of_views_that_does_not_match_its_speeds():
    # 171 features divide into 3 blocks of 57: the head alone could not tell.
    with pytest.raises(ValueError, match=r"n_views=3 does not match speeds=\(\)"):
        make_ser_pipeline(speeds=(), n_views=3)
    assert make_ser_pipeline(speeds=(0.9, 1.1), n_views=4)[-1].n_views == 4


def test_default_pipeline_exports_with_its_views(speech):
    pytest.importorskip("onnxruntime")
    from skser.export import OnnxPipeline, to_onnx

    X, y, _ = speech
    pipe = make_ser_pipeline().fit(X, y)
    runtime = OnnxPipeline(to_onnx(pipe))
    for width in (X.shape[1], 30000):
        np.testing.assert_allclose(runtime.predict_proba(X[:, :width]),
                                   pipe.predict_proba(X[:, :width]), atol=1e-4)


@pytest.mark.parametrize("speeds, message", [
    ((1.0,), "speed 1 is the clip as given"),
    ((0.9, 0.9), "a speed twice"),
    ((0.9, 9 / 10), "a speed twice"),
    ((float("nan"),), r"in \[0.5, 2\]"),
    (("fast",), "sequence of floats"),
])
def test_speeds_the_embedder_cannot_use_are_refused_before_any_audio(speeds, message):
    with pytest.raises(ValueError, match=message):
        make_ser_pipeline(speeds=speeds)
    with pytest.raises(ValueError, match=message):
        AcousticEmbedder(speeds=speeds).fit(np.zeros((2, 16000), np.float32))
