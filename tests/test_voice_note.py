"""analyze_voice_note with a real fitted pipeline, on arrays and streamed files."""

import json
import shutil
import subprocess
import tracemalloc
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skser.datasets import make_emotional_speech
from skser.exceptions import InvalidParameterError
from skser.io import AudioReadError, as_batch, clip_lengths, iter_clips, load_audio
from skser.voice_note import (
    EnergyVAD,
    NoSpeechWarning,
    SileroVAD,
    VoiceNoteResult,
    aggregate_probabilities,
    analyze_voice_note,
)

from .conftest import write_audio

matplotlib.use("Agg")

SR = 16000


def clip_features(X):
    """Log energy, zero-crossing rate and energy spread of each clip at its true length."""
    X = as_batch(X)
    rows = []
    for clip in iter_clips(X, clip_lengths(X)):
        if clip.size < 400:
            rows.append([-20.0, 0.0, 0.0])
            continue
        frames = clip[: clip.size // 400 * 400].reshape(-1, 400)
        frame_energy = np.log(np.mean(frames**2, axis=1) + 1e-9)
        crossings = np.mean(np.signbit(clip[1:]) != np.signbit(clip[:-1]))
        rows.append([np.log(np.mean(clip**2) + 1e-9), crossings, frame_energy.std()])
    return np.asarray(rows)


@pytest.fixture(scope="module")
def corpus():
    return make_emotional_speech(n_speakers=2, n_clips_per_class=4, random_state=0)


@pytest.fixture(scope="module")
def model(corpus):
    X, y, _ = corpus
    return make_pipeline(
        FunctionTransformer(clip_features), StandardScaler(), LogisticRegression()
    ).fit(X, y)


@pytest.fixture(scope="module")
def note(corpus):
    """About 30 s: synthetic speech clips between 1-3 s of quiet noise; known positions."""
    X, _, _ = corpus
    rng = np.random.default_rng(0)
    parts, known, position = [], [], 0
    for clip in list(iter_clips(X))[::3]:
        gap = int(rng.uniform(1.0, 3.0) * SR)
        parts += [np.zeros(gap, np.float32), clip]
        known.append((position + gap, position + gap + clip.size))
        position += gap + clip.size
    parts.append(np.zeros(SR, np.float32))
    samples = np.concatenate(parts)
    samples += 0.001 * rng.standard_normal(samples.size).astype(np.float32)
    return samples, np.array(known) / SR


def _samples(seconds):
    return np.round(np.asarray(seconds) * SR).astype(int)


# -- the pipeline: VAD, windows, model, aggregation ----------------------------------


@pytest.mark.parametrize("vad", ["energy", "silero"])
def test_windows_hold_speech_and_get_the_models_probabilities(model, note, vad):
    samples, known = note
    result = analyze_voice_note(model, samples, vad=vad, window=2.0)
    assert isinstance(result, VoiceNoteResult)
    assert result.n_windows >= len(known)
    starts, ends = _samples(result.windows).T
    assert (ends - starts <= 2 * SR).all()
    # Every window lies in a known clip (within the VAD's padding and hangover).
    for start, end in result.windows:
        assert ((known[:, 0] - 0.3 <= start) & (end <= known[:, 1] + 0.3)).any()
    # The probabilities are the model's on exactly that audio.
    expected = model.predict_proba([samples[s:e] for s, e in zip(starts, ends)])
    np.testing.assert_allclose(result.window_proba, expected, rtol=1e-12)
    np.testing.assert_allclose(result.proba, expected.mean(axis=0))
    assert result.label == model.classes_[np.argmax(expected.mean(axis=0))]
    assert result.window_labels.tolist() == model.classes_[expected.argmax(axis=1)].tolist()
    assert result.duration == samples.size / SR
    assert result.vad == vad and result.source is None


@pytest.mark.parametrize("aggregation", ["mean", "duration", "confidence"])
def test_aggregation_option(model, note, aggregation):
    result = analyze_voice_note(model, note[0], window=1.5, aggregation=aggregation)
    expected = aggregate_probabilities(
        result.window_proba, method=aggregation, durations=result.window_speech
    )
    np.testing.assert_allclose(result.proba, expected)
    assert result.aggregation == aggregation


def test_aggregations_differ_when_windows_differ(model, note):
    found = {
        method: analyze_voice_note(model, note[0], window=1.5, aggregation=method).proba
        for method in ("mean", "duration", "confidence")
    }
    assert not np.allclose(found["mean"], found["duration"])
    assert not np.allclose(found["mean"], found["confidence"])


def test_without_vad_the_whole_note_is_cut_in_fixed_windows(model, note):
    samples = note[0][: 20 * SR]
    result = analyze_voice_note(model, samples, vad=None, window=8.0)
    assert result.windows.tolist() == [[0, 8], [8, 16], [16, 20]]
    assert result.speech_regions.tolist() == [[0, 20]]
    assert result.window_speech.tolist() == [8, 8, 4]
    assert result.vad == "none"


def test_a_window_longer_than_the_note_is_the_whole_note(model, note):
    samples = note[0][: 20 * SR]
    # 1e9 s of window would be terabytes if the batch were allocated that wide.
    huge = analyze_voice_note(model, samples, vad=None, window=1e9)
    whole = analyze_voice_note(model, samples, vad=None, window=20.0)
    assert huge.windows.tolist() == whole.windows.tolist() == [[0, 20]]
    np.testing.assert_allclose(huge.window_proba, whole.window_proba, atol=1e-6)


def test_hop_gives_overlapping_windows(model, note):
    samples = note[0][: 10 * SR]
    result = analyze_voice_note(model, samples, vad=None, window=4.0, hop=2.0)
    assert result.windows[:, 0].tolist() == [0, 2, 4, 6]
    assert result.windows[:, 1].tolist() == [4, 6, 8, 10]


def test_a_configured_vad_object_is_used(model, note):
    strict = analyze_voice_note(model, note[0], vad=EnergyVAD(threshold_db=30.0))
    default = analyze_voice_note(model, note[0], vad="energy")
    assert strict.vad == "EnergyVAD(threshold_db=30.0)"
    assert strict.speech_duration < default.speech_duration


def test_batches_never_exceed_batch_size_and_do_not_change_results(corpus, note):
    X, y, _ = corpus
    sizes = []

    def record(batch):
        sizes.append(len(batch))
        return clip_features(batch)

    recording = make_pipeline(
        FunctionTransformer(record), StandardScaler(), LogisticRegression()
    ).fit(X, y)
    sizes.clear()
    one = analyze_voice_note(recording, note[0], window=1.0, batch_size=1)
    assert sizes == [1] * one.n_windows
    sizes.clear()
    three = analyze_voice_note(recording, note[0], window=1.0, batch_size=3)
    assert max(sizes) == 3 and sum(sizes) == three.n_windows == one.n_windows
    assert len(sizes) == -(-one.n_windows // 3)
    np.testing.assert_allclose(three.window_proba, one.window_proba, rtol=1e-12)


# -- streaming: files in blocks give what the whole array gives -------------------------


@pytest.mark.parametrize("vad", ["energy", "silero", None])
def test_streamed_file_equals_whole_array(tmp_path, model, note, vad):
    path = write_audio(tmp_path / "note.flac", note[0], subtype="PCM_16")
    streamed = analyze_voice_note(model, path, vad=vad, window=2.0, block_duration=0.7)
    whole = analyze_voice_note(model, load_audio(path), vad=vad, window=2.0, block_duration=1e4)
    assert streamed.n_windows > 3
    np.testing.assert_array_equal(streamed.windows, whole.windows)
    np.testing.assert_array_equal(streamed.window_proba, whole.window_proba)
    np.testing.assert_array_equal(streamed.speech_regions, whole.speech_regions)
    assert streamed.source == str(path) and streamed.duration == whole.duration


def test_streamed_resampling_of_a_stereo_file_equals_load_audio(tmp_path, model, note):
    rate = 44100
    mono = load_audio_from(note[0][: 12 * SR], SR, rate)
    stereo = np.stack([mono, 0.5 * mono], axis=1)
    path = write_audio(tmp_path / "note.wav", stereo, rate, subtype="FLOAT")
    streamed = analyze_voice_note(model, path, window=2.0, block_duration=1.3)
    whole = analyze_voice_note(model, load_audio(path), window=2.0)
    assert streamed.duration == pytest.approx(12.0, abs=1e-3)
    np.testing.assert_array_equal(streamed.windows, whole.windows)
    np.testing.assert_allclose(streamed.window_proba, whole.window_proba, atol=1e-6)


def load_audio_from(samples, rate, new_rate):
    import soxr

    return soxr.resample(samples, rate, new_rate).astype(np.float32)


def test_memory_stays_flat_as_the_note_grows(tmp_path, model, note):
    """Peak traced memory for a 6-minute file is that of a 1-minute file."""
    rng = np.random.default_rng(0)
    peaks = {}
    for minutes in (1, 6):
        path = tmp_path / f"{minutes}.flac"
        with sf.SoundFile(path, "w", SR, 1, subtype="PCM_16") as out:
            for _ in range(minutes * 2):
                out.write(np.roll(note[0], int(rng.integers(SR)))[: 30 * SR])
        tracemalloc.start()
        result = analyze_voice_note(model, path, window=2.0)
        peaks[minutes] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert result.duration == 60 * minutes
    assert peaks[6] < 1.2 * peaks[1] + 2**20  # a whole 6-minute file would be 23 MB
    assert peaks[1] < 16 * 2**20


# -- real and synthesised speech --------------------------------------------------------


@pytest.mark.real_data
def test_real_clips_from_ravdess(ravdess_root, model):
    manifest = pd.read_csv(ravdess_root / "manifest.csv")
    paths = manifest.sample(4, random_state=1).path
    rng = np.random.default_rng(1)
    parts, known, position = [], [], 0
    for path in paths:
        clip = load_audio(ravdess_root / path)
        gap = int(rng.uniform(1.0, 2.0) * SR)
        parts += [np.zeros(gap, np.float32), clip]
        known.append((position + gap, position + gap + clip.size))
        position += gap + clip.size
    samples = np.concatenate(parts)
    samples += 0.0005 * rng.standard_normal(samples.size).astype(np.float32)
    known = np.array(known) / SR
    result = analyze_voice_note(model, samples, vad="silero", window=1.0)
    assert result.n_windows >= 4
    for start, end in result.windows:
        assert ((known[:, 0] <= start) & (end <= known[:, 1])).any()
    # Every clip has speech analyzed.
    for start, end in known:
        assert ((result.windows[:, 0] >= start) & (result.windows[:, 1] <= end)).any()


def test_synthesised_speech_file_at_22khz(tmp_path, model):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    path = tmp_path / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-w", str(path), "Good morning. I wanted to tell you about my weekend."],
        check=True,
        capture_output=True,
    )
    speech, rate = sf.read(path, dtype="float32")
    note = np.concatenate([np.zeros(rate), speech, np.zeros(2 * rate), speech])
    note_path = write_audio(tmp_path / "note.wav", note, rate, subtype="PCM_16")
    result = analyze_voice_note(model, note_path, vad="silero", window=2.0, block_duration=0.5)
    seconds = speech.size / rate
    known = np.array([[1.0, 1.0 + seconds], [3.0 + seconds, 3.0 + 2 * seconds]])
    assert result.n_windows >= 2
    for start, end in result.windows:
        assert ((known[:, 0] - 0.3 <= start) & (end <= known[:, 1] + 0.3)).any()
    for start, end in known:
        assert ((result.windows[:, 0] >= start - 0.3) & (result.windows[:, 1] <= end + 0.3)).any()


# -- no speech ------------------------------------------------------------------------


@pytest.mark.parametrize("vad", ["energy", "silero"])
def test_a_note_without_speech_warns_and_has_no_label(model, vad):
    noise = 0.002 * np.random.default_rng(0).standard_normal(5 * SR)
    with pytest.warns(NoSpeechWarning, match=r"no speech found in the voice note \(5.00 s"):
        result = analyze_voice_note(model, noise, vad=vad)
    assert result.label is None and result.proba is None and not result.has_speech
    assert result.window_proba.shape == (0, 4) and result.windows.shape == (0, 2)
    as_dict = json.loads(result.to_json())
    assert as_dict["label"] is None and as_dict["windows"] == []
    assert "no speech found" in result.format_table()
    assert result.to_frame().shape == (0, 8)
    ax = result.plot_timeline()
    assert "no speech found" in ax.get_title()


def test_fragments_shorter_than_min_speech_give_no_speech(model):
    click = np.zeros(4 * SR, np.float32)
    click[SR : SR + 1600] = 0.5 * np.sin(np.arange(1600) / 3)
    # The energy VAD finds the click (Silero, the "auto" choice here, does not).
    with pytest.warns(NoSpeechWarning):
        result = analyze_voice_note(model, click, vad="energy", min_speech=0.5)
    assert result.speech_regions.shape[0] == 1 and result.segments.shape == (0, 2)
    result = analyze_voice_note(model, click, vad="energy", min_speech=0.2)
    assert result.n_windows == 1


# -- bad input --------------------------------------------------------------------------


def test_missing_and_unreadable_files_are_named(tmp_path, model):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        analyze_voice_note(model, tmp_path / "nope.wav")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"this is not audio" * 20)
    with pytest.raises(AudioReadError, match="cannot decode audio file .*corrupt.wav"):
        analyze_voice_note(model, corrupt)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioReadError, match=r"empty \(0 bytes\).*empty.wav"):
        analyze_voice_note(model, empty)
    no_samples = write_audio(tmp_path / "none.wav", np.zeros(0, np.float32))
    with pytest.raises(AudioReadError, match="no samples.*none.wav"):
        analyze_voice_note(model, no_samples)


def test_a_file_with_nan_is_named_with_the_time(tmp_path, model):
    samples = np.zeros(3 * SR, np.float32)
    samples[2 * SR + 5] = np.nan
    path = write_audio(tmp_path / "nan.wav", samples, subtype="FLOAT")
    with pytest.raises(AudioReadError, match=r"nan.wav holds NaN or inf .*2.000 s"):
        analyze_voice_note(model, path, block_duration=0.5)


@pytest.mark.parametrize(
    "samples, message",
    [
        (np.zeros(0), r"empty \(0 samples\)"),
        (np.zeros((SR, 2)), "1-D array of mono samples"),
        (np.r_[np.zeros(100), np.inf], r"NaN or inf samples \(first at sample 100\)"),
    ],
)
def test_bad_arrays_are_refused(model, samples, message):
    with pytest.raises(ValueError, match=message):
        analyze_voice_note(model, samples)


@pytest.mark.parametrize(
    "options, error, message",
    [
        (dict(vad="webrtc"), InvalidParameterError, "'vad' parameter"),
        (dict(aggregation="median"), InvalidParameterError, "'aggregation' parameter"),
        (dict(window=-1.0), InvalidParameterError, "'window' parameter"),
        (dict(batch_size=0), InvalidParameterError, "'batch_size' parameter"),
        (dict(window=2.0, hop=3.0), ValueError, "hop .* must not exceed window"),
        (dict(window=1.0, min_speech=2.0), ValueError, "min_speech .* must not exceed"),
        (dict(vad="silero", sample_rate=22050), ValueError, "8000 or 16000 Hz"),
        (dict(vad=SileroVAD(threshold=2.0)), InvalidParameterError, "'threshold' parameter"),
    ],
)
def test_bad_options_are_named(model, note, options, error, message):
    with pytest.raises(error, match=message):
        analyze_voice_note(model, note[0][: 3 * SR], **options)


def test_models_must_be_fitted_classifiers(corpus, note):
    X, y, _ = corpus
    unfitted = make_pipeline(FunctionTransformer(clip_features), LogisticRegression())
    with pytest.raises(NotFittedError, match="has no classes_"):
        analyze_voice_note(unfitted, note[0])
    regressor = make_pipeline(FunctionTransformer(clip_features), LinearRegression())
    with pytest.raises(ValueError, match="neither a classifier.*nor a dimensional model"):
        analyze_voice_note(regressor.fit(X, np.arange(len(y))), note[0])
    with pytest.raises(InvalidParameterError, match="predict"):
        analyze_voice_note(object(), note[0])


def test_a_model_error_says_which_windows_of_which_file(tmp_path, corpus, note):
    """A raw-sample model fitted on 25 ms clips fails on 2 s windows: the note says where."""
    X, y, _ = corpus
    fixed_width = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[:, 400:800], y)
    path = write_audio(tmp_path / "note.flac", note[0])
    with pytest.raises(ValueError, match="features") as info:
        analyze_voice_note(fixed_width, path, window=2.0)
    notes = info.value.__notes__
    assert any("while classifying windows 0 to" in n and "note.flac" in n for n in notes)


# -- the result -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result(model, note):
    return analyze_voice_note(model, note[0], vad="energy", window=2.0, hop=1.0)


def test_to_frame(result, model):
    frame = result.to_frame()
    classes = model.classes_.tolist()
    assert frame.columns.tolist() == ["start", "end", "speech", "label"] + [
        f"proba_{c}" for c in classes
    ]
    assert len(frame) == result.n_windows
    np.testing.assert_array_equal(frame[[f"proba_{c}" for c in classes]], result.window_proba)
    assert frame["label"].tolist() == result.window_labels.tolist()


def test_to_dict_is_json_ready(result):
    restored = json.loads(json.dumps(result.to_dict()))
    assert restored["label"] == result.label
    assert list(restored["proba"]) == result.classes.tolist()
    assert restored["proba"][result.label] == pytest.approx(result.proba.max())
    assert len(restored["windows"]) == result.n_windows
    first = restored["windows"][0]
    assert [first["start"], first["end"]] == result.windows[0].tolist()
    assert restored["speech_regions"] == result.speech_regions.tolist()
    assert restored["vad"] == "energy" and restored["aggregation"] == "mean"


def test_format_table(result):
    table = result.format_table()
    lines = table.splitlines()
    assert len(lines) == result.n_windows + 3
    assert all(str(c) in lines[1] for c in result.classes)
    assert lines[-1].split()[:2] == ["note", result.label]
    assert [float(p) for p in lines[-1].split()[2:6]] == np.round(result.proba, 2).tolist()
    short = result.format_table(max_rows=4).splitlines()
    assert len(short) == 4 + 4 and short[4].strip() == "..."
    assert str(result) == table


def test_plot_timeline_shades_speech_and_draws_each_class(result):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert result.plot_timeline(ax=ax) is ax
    shading = ax.collections[0]
    assert len(shading.get_paths()) == result.speech_regions.shape[0]
    # Each shaded rectangle spans its speech region.
    for path, (start, end) in zip(shading.get_paths(), result.speech_regions):
        x = path.vertices[:, 0]
        assert x.min() == pytest.approx(start) and x.max() == pytest.approx(end)
    assert [line.get_label() for line in ax.lines] == result.classes.tolist()
    gaps = int(np.sum(result.windows[1:, 0] > result.windows[:-1, 1]))
    assert gaps >= 3  # the note's pauses
    for index, line in enumerate(ax.lines):
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert np.isnan(y).sum() == np.isnan(x).sum() == gaps
        np.testing.assert_allclose(y[~np.isnan(y)], result.window_proba[:, index])
        np.testing.assert_allclose(x[~np.isnan(x)], result.windows.mean(axis=1))
    assert result.label in ax.get_title()
    plt.close(fig)


def test_plot_timeline_makes_its_own_axes(result, tmp_path):
    import matplotlib.pyplot as plt

    ax = result.plot_timeline()
    ax.figure.savefig(tmp_path / "timeline.png")
    assert (tmp_path / "timeline.png").stat().st_size > 1000
    plt.close(ax.figure)


def test_repr_and_verbose_progress(model, note, capsys):
    result = analyze_voice_note(model, note[0], verbose=True, block_duration=1.0)
    assert "analyzing" in capsys.readouterr().err
    assert repr(result).startswith(f"VoiceNoteResult(label={str(result.label)!r}, duration=")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analyze_voice_note(model, note[0])  # speech found: no warning


@pytest.mark.parametrize(
    "name, subtype", [("note.ogg", "VORBIS"), ("note.mp3", "MPEG_LAYER_III"), ("note.wav", None)]
)
def test_compressed_files_stream_like_load_audio(tmp_path, model, note, name, subtype):
    path = write_audio(tmp_path / name, note[0][: 15 * SR], subtype=subtype)
    streamed = analyze_voice_note(model, path, window=2.0, block_duration=0.9)
    whole = analyze_voice_note(model, load_audio(path), window=2.0)
    assert abs(streamed.duration - 15.0) < 0.2  # codecs may add priming samples
    assert streamed.n_windows >= 3
    np.testing.assert_array_equal(streamed.windows, whole.windows)
    np.testing.assert_allclose(streamed.window_proba, whole.window_proba, atol=1e-6)


def test_fixed_chunks_of_digital_silence_are_skipped():
    """vad=None: a chunk of pure digital silence has nothing to classify (it used to crash
    the embedder, which refuses empty clips)."""
    from skser.datasets import make_emotional_speech
    from skser.pipeline import make_ser_pipeline

    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    model = make_ser_pipeline(max_iter=5).fit(X, y)
    speech = np.concatenate([row[row != 0] for row in X[:6]])
    note = np.concatenate([speech[: 8 * 16000], np.zeros(9 * 16000, np.float32)])
    result = analyze_voice_note(model, note, vad=None)
    assert result.has_speech
    ends = result.windows[:, 1]
    assert ends.max() <= 8.0 + 1e-6  # the silent 9 s after it made no window


@pytest.mark.slow
def test_a_noise_floor_does_not_hand_the_windows_of_unseen_speakers_to_one_class(
    ravdess_root, tmp_path
):
    # The report behind it: a -60 dBFS white-noise floor on a RAVDESS note turned 7 of 10
    # windows to "sad". The default pipeline, trained on actors 01-08, reads one note per
    # unseen actor (09-12: all their clips, 0.3 s of silence apart) clean and with the
    # floor. Measured with the default (three speed views, spectral dynamics): 74-96% of
    # the windows keep their label (89% on average) and no class gains more than 9% of a
    # note's windows (without the dynamics, at 9d34abe: 71-96%, 81% and 18%; one speed,
    # at fde3cf4: 78-89% and 11%); with the v1 features (06e6e49) "sad" gained 43% of
    # one note's windows and 68% kept their label on average.
    from skser.datasets import load_ravdess
    from skser.pipeline import make_ser_pipeline

    data = load_ravdess(ravdess_root, labels="emotion4")
    groups = np.asarray(data.groups).astype(str)
    unseen = sorted(set(groups))[-4:]
    train = ~np.isin(groups, unseen)
    pipe = make_ser_pipeline(memory=tmp_path).fit(data.filenames[train], data.target[train])
    rng, agreement = np.random.default_rng(0), []
    for actor in unseen:
        order = rng.permutation(np.flatnonzero(groups == actor))
        clips = [load_audio(data.filenames[i]) for i in order]
        note = np.concatenate([np.r_[clip, np.zeros(4800, np.float32)] for clip in clips])
        floor = note + np.float32(1e-3) * rng.standard_normal(note.size).astype(np.float32)
        clean = np.asarray(analyze_voice_note(pipe, note).window_labels)
        noisy = np.asarray(analyze_voice_note(pipe, floor).window_labels)
        assert len(clean) >= 20 and abs(len(clean) - len(noisy)) <= 2, (actor, len(clean))
        n = min(len(clean), len(noisy))
        agreement.append(np.mean(clean[:n] == noisy[:n]))
        for label in pipe.classes_:
            gain = np.mean(noisy == label) - np.mean(clean == label)
            assert gain < 0.2, (actor, label, round(float(gain), 2))
    assert np.mean(agreement) >= 0.7, np.round(agreement, 2)
