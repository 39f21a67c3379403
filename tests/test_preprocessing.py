import librosa
import numpy as np
import pytest
from scipy.signal import lfilter
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skser.exceptions import InvalidParameterError
from skser.io import as_batch, clip_lengths, load_audio
from skser.preprocessing import (
    FixedDuration,
    PeakNormalizer,
    PreEmphasis,
    Trimmer,
    WaveformAugmenter,
    nonsilent_interval,
)

from .conftest import chirp, tone

ALL_TRANSFORMERS = [
    Trimmer(),
    PreEmphasis(),
    PeakNormalizer(),
    FixedDuration(duration=2.0),
    WaveformAugmenter(random_state=0),
]
IDS = [type(t).__name__ for t in ALL_TRANSFORMERS]


# -- behaviour shared by every transformer ---------------------------------------------


@pytest.mark.parametrize("transformer", ALL_TRANSFORMERS, ids=IDS)
def test_ragged_list_gives_the_padded_batch(transformer, clips):
    from_list = clone(transformer).fit_transform(clips)
    from_batch = clone(transformer).fit_transform(as_batch(clips))
    assert from_list.dtype == np.float32
    np.testing.assert_array_equal(from_list, from_batch)


@pytest.mark.parametrize("transformer", ALL_TRANSFORMERS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_is_float32_with_rows_kept(transformer, clips, dtype):
    X = as_batch(clips).astype(dtype)
    out = clone(transformer).fit_transform(X)
    assert out.dtype == np.float32
    assert out.shape[0] == X.shape[0]


@pytest.mark.parametrize("transformer", ALL_TRANSFORMERS, ids=IDS)
def test_all_zero_clip_stays_zero(transformer, clips):
    X = as_batch([np.zeros(5000, np.float32), *clips])
    out = clone(transformer).fit_transform(X)
    assert np.all(out[0] == 0)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("transformer", ALL_TRANSFORMERS, ids=IDS)
def test_padding_does_not_change_a_clip(transformer, clips):
    """Appending zeros to a batch changes nothing but the width."""
    X = as_batch(clips)
    wider = np.pad(X, ((0, 0), (0, 3000)))
    a = clone(transformer).fit_transform(X)
    b = clone(transformer).fit_transform(wider)
    width = min(a.shape[1], b.shape[1])
    np.testing.assert_array_equal(a[:, :width], b[:, :width])
    assert np.all(b[:, width:] == 0)


@pytest.mark.parametrize("transformer", ALL_TRANSFORMERS, ids=IDS)
def test_nan_names_the_clip(transformer, clips):
    X = as_batch(clips)
    X[1, 100] = np.nan
    with pytest.raises(ValueError, match="clip 1 contains NaN or inf"):
        clone(transformer).fit(X)
    fitted = clone(transformer).fit(as_batch(clips))
    with pytest.raises(ValueError, match="clip 1 contains NaN or inf"):
        fitted.transform(X)


@pytest.mark.parametrize("transformer", ALL_TRANSFORMERS, ids=IDS)
@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros((2, 3, 100), np.float32), "3-D array"),
        (np.zeros(100, np.float32), "1-D array"),
        (np.zeros((0, 100), np.float32), "empty"),
        ([np.ones(10), np.ones(0)], "clip 1 is empty"),
    ],
    ids=["3d", "1d", "empty-batch", "zero-length-clip"],
)
def test_bad_shapes_are_refused(transformer, X, message):
    with pytest.raises(ValueError, match=message):
        clone(transformer).fit_transform(X)


@pytest.mark.parametrize("transformer", ALL_TRANSFORMERS, ids=IDS)
def test_int16_pcm_is_scaled(transformer, clips):
    X = as_batch(clips)
    pcm = np.round(X * 32767).astype(np.int16)
    out_pcm = clone(transformer).fit_transform(pcm)
    out_float = clone(transformer).fit_transform(pcm.astype(np.float32) / 32768)
    np.testing.assert_allclose(out_pcm, out_float, atol=1e-6)


@pytest.mark.parametrize(
    "transformer, params",
    [
        (Trimmer(), {"top_db": 0}),
        (Trimmer(), {"hop_length": 0}),
        (PreEmphasis(), {"coef": 1.5}),
        (PeakNormalizer(), {"peak": 0.0}),
        (FixedDuration(), {"duration": -1.0}),
        (WaveformAugmenter(), {"gain_p": 2.0}),
    ],
)
def test_bad_parameters_are_named(transformer, params, clips):
    bad = clone(transformer).set_params(**params)
    name = next(iter(params))
    with pytest.raises(InvalidParameterError, match=name):
        bad.fit(clips)
    with pytest.raises(InvalidParameterError, match=name):
        bad.transform(clips)


# -- Trimmer ---------------------------------------------------------------------------


@pytest.mark.parametrize("top_db", [10, 20, 40])
def test_trimmer_matches_librosa(top_db, clips):
    X = as_batch(clips)
    out = Trimmer(top_db=top_db).fit_transform(X)
    for row, clip in zip(out, clips):
        expected, _ = librosa.effects.trim(clip, top_db=top_db)
        expected = np.trim_zeros(expected, "b")
        np.testing.assert_array_equal(row[: expected.size], expected)
        assert np.all(row[expected.size :] == 0)


def test_trimmer_matches_librosa_on_real_speech(ravdess_root):
    paths = sorted((ravdess_root / "audio").rglob("*.flac"))[::60]
    clips = [load_audio(path) for path in paths]
    out = Trimmer(top_db=20).fit_transform(clips)
    for row, clip, length in zip(out, clips, clip_lengths(out)):
        expected = np.trim_zeros(librosa.effects.trim(clip, top_db=20)[0], "b")
        assert length == expected.size
        np.testing.assert_array_equal(row[:length], expected)


def test_trimmer_removes_silence_and_keeps_width(clips):
    X = as_batch(clips)
    out = Trimmer().fit_transform(X)
    assert out.shape == X.shape
    assert np.all(clip_lengths(out) < clip_lengths(X) - 4000)


def test_trimmer_keeps_a_quiet_clip_whole():
    noise = (1e-3 * np.random.default_rng(0).standard_normal(8000)).astype(np.float32)
    out = Trimmer(top_db=60).fit_transform([noise])
    np.testing.assert_array_equal(out[0], noise)


@pytest.mark.parametrize("gain", [1e-3, 1e-5, 1e-7])
def test_trimmer_trims_a_very_quiet_clip_as_it_trims_the_clip(clips, gain):
    """No absolute power floor: at -60 to -140 dB the same span is kept."""
    clip = clips[0]
    start, end = nonsilent_interval(clip)
    assert end - start < clip.size - 4000  # there is silence to trim (8000 samples)
    assert nonsilent_interval(clip * gain) == (start, end)


def _in_white_noise(clip, snr_db, seed=0):
    """``clip`` in white noise ``snr_db`` under the power of the span top-dB keeps."""
    start, end = nonsilent_interval(clip)
    power = np.mean(clip[start:end].astype(np.float64) ** 2)
    noise = np.random.default_rng(seed).standard_normal(clip.size) * np.sqrt(
        power * 10 ** (-snr_db / 10))
    return (clip + noise).astype(np.float32)


@pytest.mark.parametrize("snr_db", [5, 10])
def test_noise_margin_trims_the_steady_noise_around_a_sound(clips, snr_db):
    """Top-dB keeps the noise before and after the sound; the noise floor rule trims it."""
    for clip in clips:
        start, end = nonsilent_interval(clip)
        noisy = _in_white_noise(clip, snr_db)
        plain = clip_lengths(Trimmer().fit_transform([noisy]))[0]
        trimmed = Trimmer(noise_margin_db=6.0).fit_transform([noisy])
        kept = clip_lengths(trimmed)[0]
        assert plain > 0.9 * clip.size  # nothing to trim within 20 dB of the loudest frame
        # The sound's span, less its quietest (Hann-windowed) edges, which the noise masks.
        assert (end - start) * 0.5 <= kept <= end - start
        first = nonsilent_interval(noisy, noise_margin_db=6.0)[0]
        np.testing.assert_array_equal(trimmed[0, :kept], noisy[first : first + kept])


def test_noise_margin_leaves_speech_without_noise_as_top_db_trims_it(emodb_root):
    """Real speech (EmoDB's 2 s cuts, most of them speech to both ends, some with a room's
    hum) mostly has no steady floor: 90 % of its clips trim exactly as by top-dB, the
    rest lose little (97 % of the speech top-dB keeps is kept), and none loses more than
    it keeps."""
    paths = sorted((emodb_root / "audio").rglob("*.flac"))
    same, kept, total = 0, 0, 0
    for path in paths:
        clip = load_audio(path)
        plain = nonsilent_interval(clip)
        with_floor = nonsilent_interval(clip, noise_margin_db=6.0)
        same += with_floor == plain
        kept += with_floor[1] - with_floor[0]
        total += plain[1] - plain[0]
        assert plain[0] <= with_floor[0] < with_floor[1] <= plain[1], path.name
        assert with_floor[1] - with_floor[0] >= 0.4 * (plain[1] - plain[0]), path.name
    assert same >= 0.9 * len(paths), f"{same} of {len(paths)} clips trimmed as by top-dB"
    assert kept >= 0.97 * total


def test_a_trimmer_pickled_before_noise_margin_trims_by_top_db(clips):
    old = Trimmer()
    state = old.__getstate__()
    del state["noise_margin_db"]
    restored = Trimmer.__new__(Trimmer)
    restored.__setstate__(state)
    assert restored.get_params()["noise_margin_db"] is None
    noisy = [_in_white_noise(clip, 10) for clip in clips]
    np.testing.assert_array_equal(restored.fit_transform(noisy), Trimmer().fit_transform(noisy))


# -- PreEmphasis -----------------------------------------------------------------------


@pytest.mark.parametrize("coef", [0.0, 0.5, 0.97])
def test_preemphasis_matches_scipy_and_librosa(coef, clips):
    out = PreEmphasis(coef=coef).fit_transform(clips)
    for row, clip in zip(out, clips):
        by_scipy = lfilter([1.0, -coef], [1.0], clip.astype(np.float64))
        by_librosa = librosa.effects.preemphasis(clip, coef=coef, zi=0.0)
        np.testing.assert_allclose(row[: clip.size], by_scipy, atol=1e-6)
        np.testing.assert_allclose(row[: clip.size], by_librosa, atol=1e-6)


def test_preemphasis_leaves_padding_at_zero():
    X = as_batch([np.ones(4), np.ones(8)])
    out = PreEmphasis(coef=0.97).fit_transform(X)
    np.testing.assert_array_equal(out[0, 4:], 0)
    np.testing.assert_allclose(out[0, :4], [1, 0.03, 0.03, 0.03], rtol=1e-5)


def test_preemphasis_boosts_high_frequencies():
    low, high = tone(0.5, 100.0), tone(0.5, 6000.0)
    out = PreEmphasis().fit_transform([low, high])
    gain = np.abs(out).max(axis=1) / 0.5
    assert gain[0] < 0.1 and gain[1] > 1.5


# -- PeakNormalizer --------------------------------------------------------------------


def test_peak_normalizer_sets_each_peak(clips):
    out = PeakNormalizer(peak=0.95).fit_transform(clips)
    np.testing.assert_allclose(np.abs(out).max(axis=1), 0.95, rtol=1e-6)
    ratios = out[:, :1000] / np.where(as_batch(clips)[:, :1000] == 0, 1, as_batch(clips)[:, :1000])
    assert np.allclose(ratios[0][ratios[0] != 0], ratios[0][ratios[0] != 0][0], rtol=1e-5)


# -- FixedDuration ---------------------------------------------------------------------


@pytest.mark.parametrize("duration, width", [(1.0, 16000), (8.0, 128000), (0.1, 1600)])
def test_fixed_duration_sets_the_width(duration, width, clips):
    X = as_batch(clips)
    out = FixedDuration(duration=duration).fit_transform(X)
    assert out.shape == (len(clips), width)
    keep = min(width, X.shape[1])
    np.testing.assert_array_equal(out[:, :keep], X[:, :keep])


# -- WaveformAugmenter -----------------------------------------------------------------


def _recording_pipeline(augmenter):
    seen = []

    def record(X):
        seen.append(np.array(X, copy=True))
        return X

    pipe = Pipeline(
        [
            ("augment", augmenter),
            ("record", FunctionTransformer(record)),
            ("classify", DummyClassifier()),
        ]
    )
    return pipe, seen


def test_augmenter_changes_training_clips_only_inside_a_pipeline(clips):
    X = as_batch(clips * 4)
    y = np.arange(len(X)) % 2
    pipe, seen = _recording_pipeline(
        WaveformAugmenter(gain_p=1.0, noise_p=1.0, pitch_p=1.0, random_state=0)
    )
    pipe.fit(X, y)
    fitted_on = seen[-1]
    assert fitted_on.shape == X.shape
    assert not np.allclose(fitted_on, X, atol=1e-3)
    pipe.predict(X)
    np.testing.assert_array_equal(seen[-1], X)


def test_augmenter_is_reproducible_and_seed_dependent(clips):
    X = as_batch(clips)
    a = WaveformAugmenter(random_state=1).fit_transform(X)
    b = WaveformAugmenter(random_state=1).fit_transform(X)
    c = WaveformAugmenter(random_state=2).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_augmenter_keeps_padding_and_lengths(clips):
    X = as_batch(clips)
    out = WaveformAugmenter(noise_p=1.0, pitch_p=1.0, random_state=0).fit_transform(X)
    lengths = clip_lengths(X)
    assert np.all(clip_lengths(out) <= lengths)
    assert np.all(clip_lengths(out) > lengths - 10)


def test_augmenter_gain_range_is_respected():
    X = as_batch([tone(0.5, amplitude=0.5)] * 20)
    out = WaveformAugmenter(
        gain_db=(-18, 6), gain_p=1.0, noise_p=0, pitch_p=0, polarity_p=0, random_state=0
    ).fit_transform(X)
    gain_db = 20 * np.log10(np.abs(out).max(axis=1) / 0.5)
    assert gain_db.min() >= -18 - 1e-3 and gain_db.max() <= 6 + 1e-3
    assert gain_db.max() - gain_db.min() > 6


def test_augmenter_polarity_inversion_flips_sign():
    X = as_batch([chirp(0.2)])
    out = WaveformAugmenter(
        gain_p=0, noise_p=0, pitch_p=0, polarity_p=1.0, random_state=0
    ).fit_transform(X)
    np.testing.assert_array_equal(out, -X)


def test_augmenter_pitch_shift_moves_the_tone():
    X = as_batch([tone(1.0, 400.0)])
    out = WaveformAugmenter(
        pitch_semitones=(2.0, 2.0), gain_p=0, noise_p=0, pitch_p=1.0, polarity_p=0,
        random_state=0,
    ).fit_transform(X)
    spectrum = np.abs(np.fft.rfft(out[0, 2000:14000] * np.hanning(12000)))
    peak_hz = np.argmax(spectrum) * 16000 / 12000
    assert abs(peak_hz - 400 * 2 ** (2 / 12)) < 5


@pytest.mark.parametrize(
    "params, message",
    [
        ({"gain_db": (6, -18)}, "gain_db"),
        ({"noise_amplitude": (-0.1, 0.1)}, "noise_amplitude"),
        ({"pitch_semitones": (1.0,)}, "pitch_semitones"),
        ({"snr_db": (30.0, 5.0)}, "snr_db"),
        ({"snr_db": (float("nan"), 30.0)}, "snr_db must be a .* pair of finite numbers"),
        ({"gain_db": (-np.inf, 6.0)}, "gain_db must be a .* pair of finite numbers"),
        ({"rt60_s": (0.0, 0.5)}, "rt60_s"),
        ({"band_low_hz": (400.0, 150.0)}, "band_low_hz"),
        ({"band_high_hz": (2800.0, 9000.0)}, "band_high_hz.*half the sample rate"),
        ({"band_low_hz": (150.0, 3000.0)}, "band_low_hz must lie below band_high_hz"),
    ],
)
def test_augmenter_bad_ranges_are_named(params, message, clips):
    with pytest.raises(ValueError, match=message):
        WaveformAugmenter(**params).fit_transform(clips)


def _speech_to_noise_db(clean, noisy):
    """SNR of ``noisy`` against the span Trimmer(top_db=20) keeps of ``clean``."""
    from skser.preprocessing import nonsilent_interval

    start, end = nonsilent_interval(clean, top_db=20.0)
    noise = noisy.astype(np.float64) - clean
    return 10 * np.log10(np.mean(clean[start:end].astype(np.float64) ** 2) / np.mean(noise**2))


@pytest.mark.parametrize("babble_p", [0.0, 1.0], ids=["white", "babble"])
def test_augmenter_snr_is_measured_against_each_clips_speech(babble_p):
    # Two clips 30 dB apart in level get the same SNR, inside the range.
    quiet, loud = tone(1.0, 300.0, amplitude=0.01), chirp(1.0) * 0.3
    X = as_batch([quiet, loud, chirp(0.8) * 0.2, tone(0.9, 500.0, amplitude=0.1)])
    out = WaveformAugmenter(
        gain_p=0, noise_p=1.0, snr_db=(14.0, 16.0), babble_p=babble_p, pitch_p=0,
        polarity_p=0, random_state=0,
    ).fit_transform(X)
    for index, length in enumerate(clip_lengths(X)):
        snr = _speech_to_noise_db(X[index, :length], out[index, :length])
        assert 14.0 - 0.1 < snr < 16.0 + 0.1


def test_augmenter_babble_is_made_of_the_other_clips():
    # Babble for clip 0 comes from the other clips: pure tones of 500 Hz here, so the added
    # noise has its energy at 500 Hz, not spread like white noise.
    X = as_batch([tone(1.0, 300.0)] + [tone(1.0, 500.0)] * 3)
    out = WaveformAugmenter(
        gain_p=0, noise_p=1.0, snr_db=(10.0, 10.0), babble_p=1.0, babble_talkers=2,
        pitch_p=0, polarity_p=0, random_state=0,
    ).fit_transform(X)
    spectrum = np.abs(np.fft.rfft(out[0] - X[0]))
    assert abs(np.argmax(spectrum) * 16000 / X.shape[1] - 500) < 5


def test_augmenter_babble_needs_an_snr(clips):
    with pytest.raises(ValueError, match="babble_p > 0 needs snr_db"):
        WaveformAugmenter(babble_p=0.5).fit_transform(clips)


def _band_power_db(clip, low, high):
    spectrum = np.abs(np.fft.rfft(clip.astype(np.float64))) ** 2
    hz = np.fft.rfftfreq(clip.size, 1 / 16000)
    return 10 * np.log10(spectrum[(hz >= low) & (hz < high)].sum())


def test_augmenter_band_keeps_the_telephone_band_only():
    X = as_batch([np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 0.1])
    out = WaveformAugmenter(
        gain_p=0, noise_p=0, band_p=1.0, pitch_p=0, polarity_p=0, random_state=0,
    ).fit_transform(X)[0]
    # Edges are drawn from 150-400 Hz and 2.8-4.5 kHz: 500-2500 Hz passes, below 60 Hz
    # and above 6 kHz are cut by more than 20 dB.
    for low, high in [(500, 2500)]:
        assert abs(_band_power_db(out, low, high) - _band_power_db(X[0], low, high)) < 1.5
    for low, high in [(0, 60), (6000, 8000)]:
        assert _band_power_db(out, low, high) < _band_power_db(X[0], low, high) - 20


def test_augmenter_room_adds_a_decaying_tail_and_keeps_the_length():
    # A click followed by silence: the room leaves the click and adds a tail whose
    # energy falls by about 60 dB over the drawn RT60 (0.3 s here).
    click = np.zeros(16000, np.float32)
    click[100] = 0.5
    click[-1] = 1e-6  # keep the true length at 1 s
    X = as_batch([click])
    out = WaveformAugmenter(
        gain_p=0, noise_p=0, reverb_p=1.0, rt60_s=(0.3, 0.3), reverb_drr_db=(0.0, 0.0),
        pitch_p=0, polarity_p=0, random_state=0,
    ).fit_transform(X)[0]
    assert out.shape == click.shape and out[100] == pytest.approx(0.5, rel=1e-4)
    tail = out[101:].astype(np.float64) ** 2
    assert tail.sum() == pytest.approx(0.25, rel=0.05)  # 0 dB direct-to-reverberant
    early, late = tail[:800].mean(), tail[4000:4800].mean()  # 0-50 ms vs 250-300 ms
    assert 10 * np.log10(early / late) == pytest.approx(60 * 0.25 / 0.3, abs=4)
