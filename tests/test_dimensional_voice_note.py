"""analyze_voice_note with a dimensional model: per-window A/V/D, the aggregate, a plot."""

import json
import warnings

import matplotlib
import numpy as np
import pytest

from skser.datasets import make_emotional_speech
from skser.export import OnnxPipeline, to_onnx
from skser.io import iter_clips
from skser.pipeline import make_ser_pipeline
from skser.voice_note import DimensionalVoiceNoteResult, NoSpeechWarning, analyze_voice_note

matplotlib.use("Agg")

SR = 16000


@pytest.fixture(scope="module")
def avd_model():
    X, y, _ = make_emotional_speech(n_speakers=3, n_clips_per_class=6, targets="avd",
                                    random_state=0)
    return make_ser_pipeline(task="dimensional").fit(X, y)


@pytest.fixture(scope="module")
def avd_note():
    """Low-arousal clips, then high-arousal clips, 1 s of quiet between each."""
    X, y, _ = make_emotional_speech(n_speakers=1, n_clips_per_class=3, targets="avd",
                                    random_state=5)
    order = np.argsort(y[:, 0])
    clips = list(iter_clips(X))
    gap = np.zeros(SR, np.float32)
    parts = [part for index in [*order[:3], *order[-3:]] for part in (gap, clips[index])]
    note = np.concatenate([*parts, gap])
    return note + 0.001 * np.random.default_rng(0).standard_normal(note.size).astype(
        np.float32), y[order[:3], 0], y[order[-3:], 0]


def test_dimensional_note_has_per_window_values_and_their_mean(avd_model, avd_note):
    note, _, _ = avd_note
    result = analyze_voice_note(avd_model, note, window=4.0)
    assert isinstance(result, DimensionalVoiceNoteResult)
    assert result.dimensions.tolist() == ["arousal", "valence", "dominance"]
    assert result.window_values.shape == (result.n_windows, 3) and result.n_windows >= 6
    starts = (result.windows[:, 0] * SR).round().astype(int)
    ends = (result.windows[:, 1] * SR).round().astype(int)
    expected = avd_model.predict([note[s:e] for s, e in zip(starts, ends)])
    np.testing.assert_allclose(result.window_values, expected, atol=1e-6)
    np.testing.assert_allclose(result.values, expected.mean(axis=0))
    assert result.arousal == pytest.approx(result.values[0])
    record = json.loads(result.to_json())
    assert record["valence"] == pytest.approx(result.values[1])
    assert set(record["windows"][0]) == {"start", "end", "speech", "arousal", "valence",
                                         "dominance"}
    assert list(result.to_frame().columns) == ["start", "end", "speech", "arousal",
                                               "valence", "dominance"]
    assert "note" in result.format_table()


def test_dimensional_note_follows_arousal_over_time(avd_model, avd_note):
    note, low, high = avd_note
    result = analyze_voice_note(avd_model, note, window=4.0)
    middle = result.windows.mean(axis=1) < note.size / SR / 2
    first, second = result.window_values[middle, 0], result.window_values[~middle, 0]
    assert low.max() < high.min()
    assert first.mean() < second.mean()


def test_duration_aggregation_and_confidence_refused(avd_model, avd_note):
    note, _, _ = avd_note
    result = analyze_voice_note(avd_model, note, aggregation="duration")
    weights = result.window_speech / result.window_speech.sum()
    np.testing.assert_allclose(result.values, weights @ result.window_values)
    with pytest.raises(ValueError, match="needs class probabilities"):
        analyze_voice_note(avd_model, note, aggregation="confidence")


def test_dimensional_timeline_has_three_curves(avd_model, avd_note):
    note, _, _ = avd_note
    ax = analyze_voice_note(avd_model, note).plot_timeline()
    labels = [line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
    assert labels == ["arousal", "valence", "dominance"]
    assert len(ax.collections[0].get_paths()) >= 1


def test_onnx_dimensional_model_gives_the_same_note(avd_model, avd_note):
    note, _, _ = avd_note
    runtime = OnnxPipeline(to_onnx(avd_model))
    ours = analyze_voice_note(avd_model, note)
    exported = analyze_voice_note(runtime, note)
    np.testing.assert_allclose(exported.window_values, ours.window_values, atol=1e-4)


def test_silent_note_has_no_values(avd_model):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = analyze_voice_note(avd_model, np.zeros(3 * SR, np.float32))
    assert any(issubclass(w.category, NoSpeechWarning) for w in caught)
    assert result.values is None and result.arousal is None
    assert json.loads(result.to_json())["dominance"] is None
