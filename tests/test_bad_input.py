"""One class of awkward input, from arrays to a fitted pipeline and its ONNX export.

Near-silent (subnormal), all-zero, one-sample and unscaled clips give finite numbers or a
clear error; shape mistakes are named before anything is padded.
"""

import re

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skser.classification import FocalLossClassifier
from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder, DistilHuBERTEmbedder
from skser.export import OnnxPipeline, to_onnx
from skser.io import AudioLoader, as_batch
from skser.preprocessing import FixedDuration, PeakNormalizer, PreEmphasis, Trimmer

SUBNORMAL = np.float32(1e-40)


def awkward_clips():
    """Rows: silent, subnormal, the smallest subnormal, tiny, one sample, DC, clipped."""
    noise = np.random.default_rng(0).standard_normal(8000).astype(np.float32)
    one = np.zeros(8000, np.float32)
    one[0] = 0.5
    return np.stack([
        np.zeros(8000, np.float32),
        SUBNORMAL * np.sign(noise),
        np.full(8000, np.float32(1.4e-45)),
        np.float32(1e-30) * noise,
        one,
        np.full(8000, 0.5, np.float32),
        np.sign(noise),
    ]).astype(np.float32)


@pytest.fixture(scope="module")
def runtime_and_pipeline():
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    pipe = make_pipeline(AudioLoader(), PeakNormalizer(), AcousticEmbedder(short_clips="pad"),
                         FocalLossClassifier(max_iter=3, random_state=0)).fit(X, y)
    return OnnxPipeline(to_onnx(pipe)), pipe


def test_peak_normalizer_treats_a_subnormal_clip_as_silent():
    X = np.stack([np.full(100, SUBNORMAL), np.full(100, np.float32(0.25))])
    out = PeakNormalizer().transform(X)
    np.testing.assert_array_equal(out[0], 0)
    np.testing.assert_allclose(out[1], 0.95)


def test_peak_normalizer_onnx_treats_a_subnormal_clip_as_silent():
    import onnxruntime as ort

    X = awkward_clips()
    step = PeakNormalizer().fit(X)
    session = ort.InferenceSession(to_onnx(make_pipeline(step)).SerializeToString())
    (out,) = session.run(None, {"waveforms": X})
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, step.transform(X), atol=1e-6)
    np.testing.assert_array_equal(out[1:3], 0)


@pytest.mark.parametrize(
    "step", [Trimmer(), PreEmphasis(), PeakNormalizer(), FixedDuration(duration=1.0)],
    ids=lambda step: type(step).__name__,
)
def test_waveform_steps_keep_awkward_clips_finite(step):
    assert np.isfinite(step.fit_transform(awkward_clips())).all()


@pytest.mark.parametrize("name", ["acoustic", "distilhubert"])
def test_embedders_keep_awkward_clips_finite(name, tiny_hubert):
    import onnxruntime as ort

    embedder = (AcousticEmbedder(short_clips="pad") if name == "acoustic"
                else DistilHuBERTEmbedder(model=tiny_hubert, short_clips="pad"))
    X = awkward_clips()
    features = embedder.fit(X).transform(X)
    assert np.isfinite(features).all()
    session = ort.InferenceSession(to_onnx(make_pipeline(embedder)).SerializeToString())
    assert np.isfinite(session.run(None, {"waveforms": X})[0]).all()


def test_unscaled_audio_that_overflows_names_the_clip():
    X = np.stack([np.full(8000, 0.1, np.float32),
                  np.float32(1e18) * np.sign(np.random.default_rng(0).standard_normal(8000))])
    embedder = AcousticEmbedder().fit(X.astype(np.float32))
    with pytest.raises(ValueError, match=r"NaN or inf features for clip 1 .*peak amplitude"):
        embedder.transform(X.astype(np.float32))


def test_the_pipeline_and_its_export_agree_on_awkward_clips(runtime_and_pipeline):
    runtime, pipe = runtime_and_pipeline
    X = awkward_clips()
    expected = pipe.predict_proba(X)
    assert np.isfinite(expected).all()
    np.testing.assert_allclose(runtime.predict_proba(X), expected, atol=1e-4)



def _subnormal(X):
    return np.full(X.shape[1], SUBNORMAL)


def _quiet_with_a_click(X):
    # A leading pause of digital silence (as recorders write), quiet speech, one click:
    # the Trimmer keeps the click alone.
    clicked = np.concatenate([np.zeros(2000, X.dtype), X[1] * 1e-3])[: X.shape[1]]
    clicked[100] = 1.0
    return clicked


@pytest.mark.parametrize("trim, bad_clip, runtime_message", [
    (False, _subnormal, "clip 1 has 0; a clip of 0 samples is silent"),
    (True, _quiet_with_a_click, "needs after trimming: clip 1 has"),
])
def test_the_export_refuses_the_clips_the_pipeline_refuses(trim, bad_clip, runtime_message):
    """A subnormal peak is silence; a clip is as long as its Trimmer leaves it."""
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    front = [AudioLoader(), *([Trimmer()] if trim else []), PeakNormalizer()]
    pipe = make_pipeline(*front, AcousticEmbedder(),
                         FocalLossClassifier(max_iter=2, random_state=0)).fit(X, y)
    runtime = OnnxPipeline(to_onnx(pipe))
    batch = np.stack([X[0], bad_clip(X)])
    with pytest.raises(ValueError, match="clip 1 has"):
        pipe.predict_proba(batch)
    with pytest.raises(ValueError, match=runtime_message):
        runtime.predict_proba(batch)
    np.testing.assert_allclose(runtime.predict_proba(X[:2]), pipe.predict_proba(X[:2]),
                               atol=1e-4)


TRANSPOSED = np.zeros((16000, 2), np.float32)
TRANSPOSED[:, 0] = 0.1


@pytest.mark.parametrize(
    "X, message",
    [
        (TRANSPOSED, r"did you pass \(n_samples, channels\)"),
        ([], "the batch is empty"),
        (np.zeros(0, np.float32), "the batch is empty"),
        ([None, np.ones(4000)], "clip 0 is None"),
        ([np.ones(4000), None], "clip 1 is None"),
        ([np.ones(4000), "a.wav"], "mixes audio paths"),
        (np.zeros((2, 3, 4000), np.float32), "3-D array"),
        (np.ones((2, 4000), bool), "dtype bool"),
        (np.ones((2, 4000), complex), "Complex data"),
        ([np.ones(4000), np.ones(4000, complex)], "clip 1 has dtype complex128"),
        ([np.ones(4000), np.ones(4000, np.uint8)], "clip 1 has dtype uint8"),
        (np.array([np.ones(4000), None], dtype=object), "clip 1 is None"),
        (np.float32(0.5), "got a scalar"),
        (None, "got None"),
        (np.stack([np.full(4000, 0.1), np.full(4000, 1e300)]),
         r"clip 1 holds values beyond float32's range \(peak 1e\+300\)"),
        ([np.full(4000, 0.1), np.full(4000, -1e39)], "clip 1 holds values beyond float32's"),
    ],
    ids=["transposed", "empty-list", "empty-array", "none-first", "none-second", "path-mix",
         "3d", "bool", "complex", "complex-clip", "uint8-clip", "object-none", "scalar",
         "none", "float64-overflow", "float64-overflow-clip"],
)
def test_bad_batches_name_the_mistake_in_pipeline_and_runtime(runtime_and_pipeline, X, message):
    runtime, pipe = runtime_and_pipeline
    with pytest.raises(ValueError, match=message):
        pipe.predict(X)
    with pytest.raises(ValueError, match=message):
        runtime.predict(X)


def test_a_transposed_clip_is_refused_before_any_padding():
    import tracemalloc

    X = np.zeros((160000, 2), np.float32)  # 10 s of stereo, transposed
    X[:, 0] = 0.1
    pipe = make_pipeline(FixedDuration(duration=8.0), AcousticEmbedder())
    tracemalloc.start()
    with pytest.raises(ValueError, match="did you pass"):
        pipe.fit_transform(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6  # padding 160,000 clips to 8 s would allocate 82 GB


def test_as_batch_names_strings_and_none():
    with pytest.raises(ValueError, match="clip 1 is a path"):
        as_batch([np.ones(3), "a.wav"])
    with pytest.raises(ValueError, match="got a path 'a.wav'"):
        as_batch("a.wav")
    with pytest.raises(ValueError, match="clip 0 is None"):
        as_batch([None])


def test_int_pcm_and_narrow_batches_still_pass():
    pcm = (np.random.default_rng(0).integers(-2000, 2000, (3, 8000))).astype(np.int16)
    assert as_batch(pcm).dtype == np.float32
    assert as_batch(np.ones((999, 8), np.float32)).shape == (999, 8)  # sklearn-sized arrays


def test_a_silent_clip_is_named_as_silent_by_the_pipeline_and_its_export():
    from skser.pipeline import make_ser_pipeline

    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=1, random_state=0)
    pipe = make_ser_pipeline(n_ensemble=1, max_iter=2).fit(X, y)
    batch = [X[0], np.zeros(16000, np.float32)]
    with pytest.raises(ValueError, match=r"clip 1 has 0\. A clip of 0 samples is silent, or was"):
        pipe.predict(batch)
    with pytest.raises(ValueError, match="clip 1 has 0; a clip of 0 samples is silent"):
        OnnxPipeline(to_onnx(pipe)).predict(batch)


@pytest.mark.parametrize("y, message", [
    (["ang", None, "sad"], "y holds a missing label \\(None\\) at index 1"),
    (["ang", "sad"], "y has 2 label\\(s\\) for 3 clips"),
    (["ang", 3, "sad"], "y mixes text and other labels: index 0 is 'ang', index 1 is 3"),
    (["ang", "sad", ""], "y holds a missing label \\(empty text ''\\) at index 2"),
])
def test_the_pipeline_checks_labels_before_reading_any_file(y, message):
    from skser.pipeline import make_ser_pipeline

    # The files do not exist: a label error means no file was read first.
    with pytest.raises(ValueError, match=message):
        make_ser_pipeline().fit(["/no/such/a.wav", "/no/such/b.wav", "/no/such/c.wav"], y)


def test_a_missing_or_mixed_group_is_named_by_index():
    from sklearn.linear_model import LogisticRegression

    from skser.model_selection import evaluate_sessions

    X = np.random.default_rng(0).normal(size=(6, 2))
    y = ["a", "b"] * 3
    with pytest.raises(ValueError, match="groups holds a missing label \\(None\\) at index 2: "
                                         "every clip needs a group"):
        evaluate_sessions(LogisticRegression(), X, y, ["s1", "s1", None, "s2", "s3", "s3"])
    with pytest.raises(ValueError, match="groups mixes text and other labels"):
        evaluate_sessions(LogisticRegression(), X, y, ["s1", "s1", 2, "s2", "s3", "s3"])


@pytest.mark.parametrize("empty", ["", "  ", "\t"])
def test_an_empty_text_label_is_missing_not_a_class(empty):
    # Was accepted as a class of its own, while the manifest loader reads "" as missing.
    from sklearn.linear_model import LogisticRegression

    from skser.metrics import unweighted_accuracy
    from skser.model_selection import evaluate_sessions

    X = np.random.default_rng(0).normal(size=(12, 4))
    good = np.array(["ang", "sad", "hap"] * 4)
    y = good.copy()  # a numpy str array, then an object array and a list
    y[4] = empty
    match = (rf"holds a missing label \(empty text {re.escape(repr(empty))}\) at index 4: "
             "every clip needs a")
    for labels in (y, y.astype(object), list(y)):
        with pytest.raises(ValueError, match=f"^y {match} class"):
            FocalLossClassifier(max_iter=2).fit(X, labels)
    with pytest.raises(ValueError, match=f"^y_true {match} class"):
        unweighted_accuracy(y, good)
    groups = np.repeat(["s1", "s2", "s3"], 4)
    groups[4] = empty
    with pytest.raises(ValueError, match=f"^groups {match} group"):
        evaluate_sessions(LogisticRegression(), X, good, groups)
    clf = FocalLossClassifier(max_iter=2, random_state=0).fit(X, good)
    with pytest.raises(ValueError, match=f"^y {match} class"):
        clf.score(X, y)


@pytest.mark.parametrize("batch, error, message", [
    ((np.zeros(16000) for _ in range(2)), TypeError, "got a generator"),
    ({"a": np.zeros(16000)}, TypeError, "got a dict"),
    (["/no/such.wav", None], ValueError, "item 1 is NoneType"),
])
def test_batches_without_an_order_of_clips_are_named(batch, error, message):
    with pytest.raises(error, match=message):
        AudioLoader().transform(batch)


def test_an_empty_path_is_named_as_empty():
    with pytest.raises(FileNotFoundError, match="an audio path is empty"):
        AudioLoader().transform([""])


def test_a_pandas_series_of_clips_is_a_batch():
    pd = pytest.importorskip("pandas")
    clips = [np.full(800, 0.1, np.float32), np.full(1200, 0.2, np.float32)]
    np.testing.assert_array_equal(as_batch(pd.Series(clips)), as_batch(clips))


def _loudness(X):
    return np.log(np.mean(np.asarray(X) ** 2, axis=1, keepdims=True) + 1e-9)


@pytest.fixture(scope="module")
def loudness_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer

    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    return make_pipeline(FunctionTransformer(_loudness), LogisticRegression()).fit(X, y)


@pytest.mark.parametrize("rate, channels, message", [
    (1, 1, "claims a sample rate of 1 Hz"),
    (16000, 2, "its 2 channels cancel out when mixed to mono"),
], ids=["1-hz-header", "cancelling-stereo"])
def test_a_voice_note_file_is_refused_as_load_audio_refuses_it(
        loudness_model, tmp_path, rate, channels, message):
    from skser.io import AudioReadError, load_audio
    from skser.voice_note import analyze_voice_note

    from .conftest import tone, write_audio

    clip = tone(2.0)
    samples = clip if channels == 1 else np.stack([clip, -clip], axis=1)
    path = write_audio(tmp_path / "note.wav", samples[: 200 if rate == 1 else None], rate)
    with pytest.raises(AudioReadError, match=message):
        load_audio(path)
    # (Before: a 100 s note of resampled header garbage, or a "silent" note.)
    with pytest.raises(AudioReadError, match=message) as caught:
        analyze_voice_note(loudness_model, path, vad=None)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("rate", [8000, 44100, 1])
def test_a_voice_note_at_another_rate_than_the_models_is_refused(runtime_and_pipeline, rate):
    from skser.voice_note import analyze_voice_note

    from .conftest import tone

    runtime, pipe = runtime_and_pipeline
    note = tone(3.0, sample_rate=max(rate, 100))
    # (Before: a verdict on audio the model heard at the wrong speed.)
    for model, owner in [(pipe, "AcousticEmbedder"), (runtime, "OnnxPipeline")]:
        with pytest.raises(ValueError, match=rf"sample_rate={rate} Hz, but the model "
                                             rf"\({owner}\) takes 16000 Hz audio"):
            analyze_voice_note(model, note, vad=None, sample_rate=rate)


def test_a_voice_note_at_16_khz_and_a_model_of_unknown_rate_still_pass(runtime_and_pipeline,
                                                                       loudness_model):
    from skser.voice_note import analyze_voice_note

    from .conftest import tone

    runtime, _ = runtime_and_pipeline
    assert analyze_voice_note(runtime, tone(3.0), vad=None).label is not None
    note = tone(3.0, sample_rate=22050)
    assert analyze_voice_note(loudness_model, note, vad=None, sample_rate=22050).n_windows


def test_a_voice_note_cut_short_is_refused_as_load_audio_refuses_it(loudness_model, tmp_path):
    from skser.io import AudioReadError, load_audio
    from skser.voice_note import analyze_voice_note

    from .conftest import tone, write_audio

    path = write_audio(tmp_path / "note.wav", tone(4.0))
    path.write_bytes(path.read_bytes()[:40000])
    with pytest.raises(AudioReadError, match="note.wav is cut short"):
        load_audio(path)
    # (Before: a 1.2 s note analysed as if it were the whole 4 s recording.)
    with pytest.raises(AudioReadError, match=r"note.wav is cut short: .*64000 frames"):
        analyze_voice_note(loudness_model, path, vad=None)


@pytest.mark.parametrize("dtype", ["datetime64[s]", "timedelta64[ms]"])
def test_datetime_arrays_are_not_waveforms(runtime_and_pipeline, dtype):
    # (Before: cast to float without a word, and classified.)
    X = np.arange(2 * 16000).reshape(2, 16000).astype(dtype)
    runtime, pipe = runtime_and_pipeline
    for check in (as_batch, pipe.predict, runtime.predict):
        with pytest.raises(ValueError, match=re.escape(f"got dtype {dtype}")):
            check(X)


def test_int64_pcm_of_python_ints_warns_that_it_is_near_silence():
    from skser.exceptions import SkserWarning

    ints = np.random.default_rng(0).integers(-20000, 20000, 8000).tolist()  # int16 values
    # (Before: divided by 2**63 without a word: a clip peaking at 2e-15.)
    with pytest.warns(SkserWarning, match=r"clip 1 is int64 PCM peaking at \d+: scaled by "
                                          r"2\*\*63.*\.astype\(np\.int16\)"):
        as_batch([np.zeros(10, np.int64), ints])
    with pytest.warns(SkserWarning, match=r"clip 0 is int64 .* \(1 more clips too\)"):
        as_batch(np.array([ints, ints]))
    full_scale = np.array([[2**62, -(2**62)]], dtype=np.int64)
    np.testing.assert_array_equal(as_batch(full_scale), [[0.5, -0.5]])  # real int64 PCM
