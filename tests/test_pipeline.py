import numpy as np
import pytest

from skser.datasets import make_emotional_speech
from skser.pipeline import make_ser_pipeline
from skser.preprocessing import WaveformAugmenter


def _steps(pipe):
    return [name for name, _ in pipe.steps]


def test_noise_augmentation_comes_before_the_trimmer_and_paper_after_the_normalizer():
    noise = _steps(make_ser_pipeline(augment="noise"))
    paper = _steps(make_ser_pipeline(augment="paper"))
    assert noise.index("waveformaugmenter") < noise.index("trimmer")
    assert paper.index("waveformaugmenter") == paper.index("peaknormalizer") + 1
    assert _steps(make_ser_pipeline(augment=True)) == paper
    assert "waveformaugmenter" not in _steps(make_ser_pipeline())


def test_noise_augmented_pipeline_trains_on_noisy_clips_and_predicts_clean_ones():
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=3, random_state=0)
    pipe = make_ser_pipeline(augment="noise", max_iter=2, random_state=0)
    augmenter = pipe.named_steps["waveformaugmenter"]
    assert isinstance(augmenter, WaveformAugmenter) and augmenter.babble_p > 0
    pipe.fit(X, y)
    trained_on = augmenter.fit_transform(np.asarray(X))
    assert not np.allclose(trained_on, X)
    np.testing.assert_array_equal(augmenter.transform(np.asarray(X)), np.asarray(X, np.float32))
    assert set(pipe.predict(X)) <= set(y)


def test_unknown_augmentation_is_named():
    with pytest.raises(ValueError, match="augment must be"):
        make_ser_pipeline(augment="reverb")


def test_head_parameters_pass_through_to_either_head():
    head = make_ser_pipeline(n_ensemble=1, max_iter=3)[-1]
    assert (head.n_ensemble, head.max_iter, head.random_state) == (1, 3, 0)
    assert make_ser_pipeline()[-1].n_ensemble == 5
    assert make_ser_pipeline(task="dimensional", n_ensemble=2)[-1].n_ensemble == 2
    with pytest.raises(TypeError, match="n_heads"):
        make_ser_pipeline(n_heads=3)


@pytest.mark.parametrize("embedder", ["weight-free", "distilhubert"])
def test_every_pipeline_trims_the_steady_noise_around_speech(embedder):
    X, _, _ = make_emotional_speech(n_speakers=1, n_clips_per_class=1, random_state=0)
    trimmer = make_ser_pipeline(embedder=embedder).named_steps["trimmer"]
    assert trimmer.noise_margin_db == 6.0
    clip = X[0][: np.flatnonzero(X[0])[-1] + 1]
    noisy = clip + np.random.default_rng(0).normal(0, 0.3 * np.std(clip), clip.size)
    noisy = np.concatenate([np.random.default_rng(1).normal(0, 0.3 * np.std(clip), 16000), noisy])
    kept = np.count_nonzero(trimmer.fit_transform([noisy])[0])
    assert kept < clip.size  # the second of noise alone before it is gone
