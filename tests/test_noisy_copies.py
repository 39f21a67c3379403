"""NoisyCopies: noisy copies of the training clips, and where skser applies them."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.pipeline import make_pipeline

from skser.io import as_batch, clip_lengths
from skser.model_selection import evaluate_sessions, fit_with_validation
from skser.preprocessing import NoisyCopies, Trimmer
from skser.preprocessing._noise import speech_power

from .conftest import chirp, tone, write_audio


def speech_like(n_clips=6, seed=0):
    """Clips of different lengths and levels, silence before and after a sound."""
    rng = np.random.default_rng(seed)
    clips = []
    for index in range(n_clips):
        seconds = 0.6 + 0.2 * index
        sound = chirp(seconds, amplitude=float(rng.uniform(0.05, 0.8)))
        silence = np.zeros(3000, np.float32)
        clips.append(np.concatenate([silence, sound, silence[:2000]]))
    return as_batch(clips)


def added_noise(X, copies, X_resampled):
    """Each resampled row minus its source clip, at the source's true length."""
    lengths = clip_lengths(X)
    return [X_resampled[row, : lengths[source]].astype(np.float64) - X[source, : lengths[source]]
            for row, source in enumerate(copies.sample_indices_)]


def test_clean_clips_first_then_each_copy_with_its_label():
    X = speech_like()
    y = np.array(["ang", "hap", "neu", "sad", "ang", "hap"])
    copies = NoisyCopies(n_copies=3, random_state=0)
    X_res, y_res = copies.fit_resample(X, y)
    assert X_res.shape == (24, X.shape[1]) and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[:6], X)
    np.testing.assert_array_equal(copies.sample_indices_, np.tile(np.arange(6), 4))
    np.testing.assert_array_equal(y_res, y[copies.sample_indices_])
    assert copies.noise_kinds_[:6].tolist() == ["clean"] * 6
    assert set(copies.noise_kinds_[6:]) == {"white", "babble", "floor"}
    for row in range(6, 24):
        assert not np.allclose(X_res[row], X[row % 6])
    # targets of another shape (arousal, valence, dominance) follow the rows too
    avd = np.arange(18.0).reshape(6, 3)
    np.testing.assert_array_equal(copies.fit_resample(X, avd)[1], avd[copies.sample_indices_])


def test_copies_keep_each_clip_length_and_zero_padding():
    X = speech_like()
    X[2] = 0.0  # a silent clip stays silent
    X_res, _ = NoisyCopies(n_copies=2, random_state=1).fit_resample(X, None)
    np.testing.assert_array_equal(clip_lengths(X_res), np.tile(clip_lengths(X), 3))
    assert not X_res[8].any() and not X_res[14].any()


@pytest.mark.parametrize("snr_db", [(10.0, 10.0), (25.0, 40.0)])
def test_white_and_babble_are_added_at_the_drawn_snr_against_speech(snr_db):
    X = speech_like()
    copies = NoisyCopies(n_copies=4, kinds=("white", "babble"), snr_db=snr_db, random_state=0)
    X_res, _ = copies.fit_resample(X, None)
    for row, noise in enumerate(added_noise(X, copies, X_res)):
        if row < len(X):
            assert not noise.any()
            continue
        clean = X[copies.sample_indices_[row], : noise.size]
        snr = 10 * np.log10(speech_power(clean) / np.mean(noise**2))
        # float32 rounding of the noisy clip only
        assert snr_db[0] - 0.01 <= snr <= snr_db[1] + 0.01, (row, snr)
    assert {"white", "babble"} == set(copies.noise_kinds_[len(X):])


def test_a_noise_floor_has_an_absolute_level_whatever_the_clip_level():
    X = speech_like()
    copies = NoisyCopies(n_copies=3, kinds=("floor",), floor_dbfs=(-66.0, -54.0), random_state=0)
    X_res, _ = copies.fit_resample(X, None)
    levels = [10 * np.log10(np.mean(noise**2))
              for noise in added_noise(X, copies, X_res)[len(X):]]
    assert min(levels) > -66.5 and max(levels) < -53.5
    assert max(levels) - min(levels) > 3  # drawn, not fixed


def test_babble_is_other_training_clips_speech():
    X = as_batch([tone(1.0, 300.0), tone(1.0, 1100.0)])
    copies = NoisyCopies(n_copies=1, kinds=("babble",), snr_db=(0.0, 0.0), babble_talkers=1,
                         random_state=0)
    X_res, _ = copies.fit_resample(X, None)
    for row, own, other in [(2, 300.0, 1100.0), (3, 1100.0, 300.0)]:
        noise = X_res[row] - X[row - 2]
        spectrum = np.abs(np.fft.rfft(noise))
        peak_hz = np.argmax(spectrum) * 16000 / noise.size
        assert abs(peak_hz - other) < 5, (peak_hz, own)


def test_a_batch_of_one_clip_gets_white_noise_for_babble():
    X = as_batch([tone(1.0, 440.0)])
    copies = NoisyCopies(n_copies=1, kinds=("babble",), snr_db=(20.0, 20.0), random_state=0)
    noise = copies.fit_resample(X, None)[0][1] - X[0]
    spectrum = np.abs(np.fft.rfft(noise))
    assert spectrum.max() < 20 * np.median(spectrum)  # flat: white, not a tone


def test_the_same_seed_copies_identically():
    X = speech_like()
    a = NoisyCopies(random_state=3).fit_resample(X, None)[0]
    b = NoisyCopies(random_state=3).fit_resample(X, None)[0]
    c = NoisyCopies(random_state=4).fit_resample(X, None)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_paths_are_decoded_like_waveforms(tmp_path):
    X = speech_like(3)
    X = X[:, : clip_lengths(X).max()]  # a file ends at its last sample
    paths = [str(write_audio(tmp_path / f"{i}.wav", clip[: length], subtype="FLOAT"))
             for i, (clip, length) in enumerate(zip(X, clip_lengths(X)))]
    from_paths = NoisyCopies(random_state=0).fit_resample(paths, [0, 1, 2])[0]
    np.testing.assert_array_equal(from_paths, NoisyCopies(random_state=0).fit_resample(X)[0])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"kinds": ("white", "pink")}, "kinds must be distinct names among"),
        ({"kinds": ()}, "kinds must be distinct names among"),
        ({"kinds": ("white", "white")}, "kinds must be distinct names among"),
        ({"snr_db": (40.0, 10.0)}, "snr_db must be a \\(min, max\\) pair"),
        ({"snr_db": (float("nan"), 30.0)}, "snr_db must be a \\(min, max\\) pair of finite"),
        ({"floor_dbfs": (-np.inf, -50.0)}, "floor_dbfs must be a \\(min, max\\) pair of finite"),
        ({"snr_db": ("low", "high")}, "snr_db must be a \\(min, max\\) pair"),
        ({"floor_dbfs": (-60.0, 6.0)}, "floor_dbfs must be at most 0 dBFS"),
        ({"n_copies": 0}, "n_copies"),
        ({"babble_talkers": 0}, "babble_talkers"),
        ({"rt60": (0.0, 0.5)}, "rt60 must be above 0 s"),
        ({"kinds": ("phone",)}, "kinds must be distinct names among.*'telephone', 'gsm', 'room'"),
    ],
)
def test_bad_parameters_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        NoisyCopies(**params).fit_resample(speech_like(2))


def test_bad_input_is_named_before_any_copy():
    X = speech_like(4)
    X[2, 5000] = np.nan
    with pytest.raises(ValueError, match="clip 2 contains NaN or inf"):
        NoisyCopies().fit_resample(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="y has 3 rows and X has 4 clips"):
        NoisyCopies().fit_resample(speech_like(4), [0, 1, 0])
    with pytest.raises(FileNotFoundError, match="audio file not found: missing.wav"):
        NoisyCopies().fit_resample(["missing.wav"], [0])


# -- where skser applies it: fitting with a validation set, session evaluation -----------


class _ValidationRecorder(ClassifierMixin, BaseEstimator):
    """Test-only: remembers what it was fitted on, predicts its majority class."""

    def fit(self, X, y, *, X_val=None, y_val=None):
        self.X_fit_, self.y_fit_ = np.asarray(X), np.asarray(y)
        self.X_val_ = None if X_val is None else np.asarray(X_val)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def test_fit_with_validation_copies_training_rows_not_validation_rows_by_default():
    X, X_val = speech_like(6), speech_like(3, seed=1)
    y = np.array([0, 1, 0, 1, 0, 1])
    pipe = make_pipeline(Trimmer(), _ValidationRecorder())
    fit_with_validation(pipe, X, y, X_val=X_val, y_val=[0, 1, 0],
                        sampler=NoisyCopies(n_copies=2, random_state=0))
    head = pipe[-1]
    assert head.X_fit_.shape[0] == 18 and head.y_fit_.tolist() == y.tolist() * 3
    np.testing.assert_array_equal(head.X_val_, Trimmer().fit_transform(X_val))
    clean = Trimmer().fit_transform(X)
    np.testing.assert_array_equal(head.X_fit_[:6, : clean.shape[1]], clean)


@pytest.mark.parametrize("validation_copies", [False, True])
def test_session_evaluation_copies_each_folds_rows_and_says_so(validation_copies):
    X = speech_like(8)
    y = np.tile([0, 1], 4)
    groups = np.repeat(["a", "b", "c", "d"], 2)
    sampler = NoisyCopies(n_copies=2, random_state=0)
    report = evaluate_sessions(_ValidationRecorder(), X, y, groups, sampler=sampler,
                               validation_sampler=sampler if validation_copies else None,
                               return_estimator=True)
    for fold in report.folds:
        assert fold.n_train == 4  # the rows before copying
        assert fold.estimator.X_fit_.shape[0] == 12
        # the validation group's 2 clips, then (when asked) 2 copies of each
        assert fold.estimator.X_val_.shape[0] == (6 if validation_copies else 2)
        np.testing.assert_array_equal(fold.estimator.X_val_[:2], X[groups == fold.val_group])
        train = np.flatnonzero(~np.isin(groups, [fold.test_group, fold.val_group]))
        np.testing.assert_array_equal(fold.estimator.X_fit_[:4], X[train])
    assert "training rows resampled by NoisyCopies(random_state=0)" in report.description
    assert ("validation rows resampled by NoisyCopies(random_state=0)"
            in report.description) == validation_copies
    assert not hasattr(sampler, "sample_indices_")  # cloned per fold, never fitted itself


def test_a_validation_sampler_copies_the_validation_rows_from_their_own_clips():
    X, X_val = speech_like(6), speech_like(3, seed=1)
    y, y_val = np.array([0, 1, 0, 1, 0, 1]), [0, 1, 0]
    copies = NoisyCopies(n_copies=2, kinds=("babble",), random_state=0)
    pipe = make_pipeline(Trimmer(), _ValidationRecorder())
    fit_with_validation(pipe, X, y, X_val=X_val, y_val=y_val, sampler=copies,
                        validation_sampler=copies)
    head = pipe[-1]
    assert head.X_fit_.shape[0] == 18 and head.X_val_.shape[0] == 9
    # the same rows as the sampler alone makes of the validation clips: babble of the
    # validation clips, none of the training clips
    expected = Trimmer().fit_transform(clone(copies).fit_resample(X_val, y_val)[0])
    np.testing.assert_array_equal(head.X_val_, expected)
    assert not hasattr(copies, "sample_indices_")


def test_something_that_is_no_sampler_is_refused_before_any_fold():
    X, y = speech_like(6), np.tile([0, 1], 3)
    with pytest.raises(TypeError, match="sampler must have fit_resample.*got str"):
        evaluate_sessions(_ValidationRecorder(), X, y, np.repeat(["a", "b", "c"], 2),
                          sampler="copies")
    with pytest.raises(TypeError, match="got Trimmer"):
        fit_with_validation(_ValidationRecorder(), X, y, sampler=Trimmer())
    with pytest.raises(TypeError, match="sampler must have fit_resample.*got str"):
        evaluate_sessions(_ValidationRecorder(), X, y, np.repeat(["a", "b", "c"], 2),
                          validation_sampler="copies")


# the test speakers' 2 clips are too few for their own statistics: expected warnings
@pytest.mark.filterwarnings("ignore::skser.preprocessing.SpeakerAdaptationWarning")
def test_speakers_follow_the_copies_under_the_adapted_protocol():
    from sklearn.linear_model import LogisticRegression

    X = speech_like(8)
    y = np.tile([0, 1], 4)
    speakers = np.repeat(["a", "b", "c", "d"], 2)
    pipe = make_pipeline(Trimmer(), _LengthFeatures(), LogisticRegression())
    report = evaluate_sessions(pipe, X, y, speakers, adapt="speaker", return_estimator=True,
                               sampler=NoisyCopies(n_copies=2, random_state=0))
    for fold in report.adapted.folds:
        normalizer = fold.estimator.named_steps["speakernormalizer"]
        # two training speakers of 2 clips each; with 2 copies of each clip, 6 rows each
        # (without the copies, 2 rows are fewer than min_clips=5 and give no statistics)
        assert {speaker: stats.count for speaker, stats in normalizer.speaker_stats_.items()} \
            == dict.fromkeys(np.unique(speakers[~np.isin(speakers, [fold.test_group,
                                                                    fold.val_group])]), 6)


class _LengthFeatures(BaseEstimator):
    """Test-only: two features of each clip (its length and its RMS)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        lengths = clip_lengths(X)
        return np.column_stack([lengths, np.sqrt(np.mean(np.square(X), axis=1))])



def _band_share(samples, low, high, rate=16000):
    power = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    return power[(freqs >= low) & (freqs < high)].sum() / power.sum()


def test_a_telephone_copy_keeps_only_the_telephone_band():
    X = as_batch([chirp(1.0, 50.0, 7900.0, amplitude=0.5)])
    copies = NoisyCopies(n_copies=1, kinds=("telephone",), random_state=0)
    X_out, _ = copies.fit_resample(X)
    assert _band_share(X[0], 3400, 8000) > 0.4  # the chirp spends half its time up there
    assert _band_share(X_out[1], 4000, 8000) < 1e-4  # an 8 kHz line carries nothing above
    assert _band_share(X_out[1], 300, 3400) > 0.95
    assert copies.noise_kinds_.tolist() == ["clean", "telephone"]


def test_a_gsm_copy_is_a_mobile_line_not_the_g711_one():
    X = as_batch([chirp(1.0, 50.0, 7900.0, amplitude=0.5)])
    gsm = NoisyCopies(n_copies=1, kinds=("gsm",), random_state=0).fit_resample(X)[0][1]
    g711 = NoisyCopies(n_copies=1, kinds=("telephone",), random_state=0).fit_resample(X)[0][1]
    assert _band_share(gsm, 4000, 8000) < 1e-4 and _band_share(gsm, 300, 3400) > 0.9
    # GSM codes a spectral envelope, not the waveform: far from the G.711 line's samples
    assert np.linalg.norm(gsm - g711) > 0.3 * np.linalg.norm(g711)
    assert gsm.shape == X[0].shape


def test_a_room_copy_reverberates_for_the_drawn_rt60():
    click = np.zeros(16000, dtype=np.float32)
    click[100], click[101] = 0.5, -0.5  # one click, in a clip a second long
    click[-1] = 1e-6
    X = as_batch([click])
    for rt60 in (0.2, 0.9):
        copy = NoisyCopies(n_copies=1, kinds=("room",), rt60=(rt60, rt60),
                           random_state=0).fit_resample(X)[0][1]
        level = np.abs(copy[100 + int(0.3 * 16000):][:1600]).max()  # 0.3 s after it
        assert (level > 1e-3) == (rt60 == 0.9)  # only the long room still rings there
        assert copy.shape == click.shape
