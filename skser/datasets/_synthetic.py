"""A synthetic emotional speech corpus, in the spirit of ``make_classification``."""

from numbers import Integral, Real

import numpy as np
from scipy.signal import lfilter
from sklearn.utils import check_random_state

from ..io import SAMPLE_RATE, as_batch
from ..utils import Interval, StrOptions, validate_params
from ._base import EMOTION4

__all__ = ["make_emotional_speech", "EMOTION_PROSODY", "avd_prosody"]

# Prosody of each class relative to a neutral voice, along arousal and valence lines:
# f0 factor, f0 range (semitones), level (dB), syllable rate (1/s), spectral tilt of the
# source (dB/octave), jitter (relative period noise), breath noise, pitch contour slope
# (semitones over the clip).
EMOTION_PROSODY = {
    "neu": dict(f0=1.00, range_st=2.5, level_db=0.0, rate=4.0, tilt=-12.0, jitter=0.004,
                breath=0.02, slope_st=-2.0),
    "sad": dict(f0=0.90, range_st=1.2, level_db=-8.0, rate=2.8, tilt=-16.0, jitter=0.008,
                breath=0.08, slope_st=-1.0),
    "ang": dict(f0=1.35, range_st=5.0, level_db=8.0, rate=5.0, tilt=-7.0, jitter=0.010,
                breath=0.01, slope_st=-4.0),
    "hap": dict(f0=1.40, range_st=7.0, level_db=4.0, rate=4.6, tilt=-9.0, jitter=0.006,
                breath=0.03, slope_st=2.0),
}
"""dict: The class-dependent prosody of :func:`make_emotional_speech`."""


def avd_prosody(arousal, valence, dominance):
    """The prosody of a clip with the given arousal, valence and dominance (each in [0, 1]).

    Arousal drives level (-8 to +8 dB), f0 level and range, and syllable rate; valence
    drives the source's spectral tilt (-16 to -7 dB/octave) and the pitch contour's slope;
    dominance drives voice quality (less jitter and breath noise as it rises). Each
    dimension moves its own cues, so a model can be shown to learn each one.
    """
    return dict(
        f0=0.9 + 0.5 * arousal,
        range_st=1.2 + 6.0 * arousal,
        level_db=-8.0 + 16.0 * arousal,
        rate=2.8 + 2.4 * arousal,
        tilt=-16.0 + 9.0 * valence,
        slope_st=-4.0 + 6.0 * valence,
        jitter=0.002 + 0.010 * (1.0 - dominance),
        breath=0.01 + 0.09 * (1.0 - dominance),
    )

# Male formants (F1, F2, F3) in Hz of five vowels; a speaker scales them.
_VOWELS = np.array(
    [[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [570, 840, 2410]],
    dtype=float,
)
_BANDWIDTHS = np.array([80.0, 100.0, 140.0, 220.0, 300.0])
_UPPER_FORMANTS = np.array([3500.0, 4500.0])


def _smooth_noise(rng, n, n_knots):
    """Slowly varying noise with unit spread: random knots, linearly interpolated."""
    knots = rng.standard_normal(max(2, n_knots))
    return np.interp(np.linspace(0, len(knots) - 1, n), np.arange(len(knots)), knots)


def _resonate(signal, formants, sample_rate):
    for frequency, bandwidth in zip(formants, _BANDWIDTHS):
        radius = np.exp(-np.pi * bandwidth / sample_rate)
        theta = 2 * np.pi * min(frequency, 0.45 * sample_rate) / sample_rate
        a = [1.0, -2 * radius * np.cos(theta), radius**2]
        signal = lfilter([1 + a[1] + a[2]], a, signal)
    return signal


def _synthesize(rng, speaker, prosody, duration, sample_rate):
    """One utterance: syllables of a voiced, formant-filtered source with pauses."""
    n = int(duration * sample_rate)
    t = np.arange(n) / sample_rate
    # Pitch: speaker base x class factor, a global slope, syllable accents, jitter.
    accents = _smooth_noise(rng, n, int(duration * prosody["rate"]) + 2)
    semitones = (
        prosody["slope_st"] * (t / duration - 0.5)
        + 0.5 * prosody["range_st"] * accents
        + 12 * prosody["jitter"] * rng.standard_normal(n).cumsum() / np.sqrt(sample_rate)
    )
    f0 = speaker["f0"] * prosody["f0"] * 2 ** (semitones / 12)
    f0 = np.clip(f0, 50.0, 600.0)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    # A harmonic source with the class's spectral tilt, band-limited below 0.45 * rate.
    tilt = prosody["tilt"] + speaker["tilt"]
    n_harmonics = int(0.45 * sample_rate / f0.min())
    source = np.zeros(n)
    for k in range(1, min(n_harmonics, 40) + 1):
        audible = k * f0 < 0.45 * sample_rate
        source += audible * k ** (tilt / 6.02) * np.sin(k * phase)
    shimmer = 1 + 4 * prosody["jitter"] * _smooth_noise(rng, n, int(duration * 80))
    source = source * shimmer + prosody["breath"] * rng.standard_normal(n) * 3
    # Syllables: a vowel each, a raised-cosine envelope, short pauses between.
    signal = np.zeros(n)
    rate = prosody["rate"] * speaker["rate"]
    start = 0
    while start < n:
        length = int(sample_rate / rate * rng.uniform(0.7, 1.3))
        voiced = int(length * rng.uniform(0.6, 0.85))
        stop = min(start + voiced, n)
        if stop - start > 32:
            vowel = _VOWELS[rng.randint(len(_VOWELS))] * speaker["formant_scale"]
            vowel = vowel * (1 + 0.02 * (prosody["level_db"] > 0))
            formants = np.concatenate([vowel, _UPPER_FORMANTS * speaker["formant_scale"]])
            segment = _resonate(source[start:stop], formants, sample_rate)
            envelope = np.sin(np.linspace(0, np.pi, stop - start)) ** 0.7
            stress = 10 ** (rng.normal(0, 0.15 * prosody["range_st"] / 5) / 2)
            signal[start:stop] = segment * envelope * stress
        gap = min(start + length, n) - stop
        if gap > 160 and rng.uniform() < 0.6:
            # A fricative-like consonant: high-passed noise in the pause.
            hiss = np.diff(rng.standard_normal(gap + 2), n=2)
            scale = 0.25 * np.sqrt(np.mean(signal[start:stop] ** 2) + 1e-12)
            signal[stop : stop + gap] = scale * hiss * np.hanning(gap)
        start += length
    # Lip radiation: a first difference, +6 dB per octave.
    signal = np.append(signal[0], np.diff(signal))
    level = 10 ** ((prosody["level_db"] - 32) / 20)
    signal *= level / (np.sqrt(np.mean(signal**2)) + 1e-12)
    return signal


@validate_params(
    {
        "n_speakers": [Interval(Integral, 1, None, closed="left")],
        "n_clips_per_class": [Interval(Integral, 1, None, closed="left")],
        "classes": [list, tuple],
        "duration": [tuple, list],
        "silence": [Interval(Real, 0, None, closed="left")],
        "noise_level": [Interval(Real, 0, None, closed="left")],
        "sample_rate": [Interval(Integral, 8000, None, closed="left")],
        "random_state": ["random_state"],
        "targets": [StrOptions({"emotion", "avd"})],
    },
    prefer_skip_nested_validation=True,
)
def make_emotional_speech(
    n_speakers=8,
    n_clips_per_class=10,
    *,
    classes=EMOTION4,
    duration=(1.5, 3.0),
    silence=0.25,
    noise_level=0.002,
    sample_rate=SAMPLE_RATE,
    random_state=None,
    targets="emotion",
):
    """Generate a synthetic corpus of emotional speech-like clips, grouped by speaker.

    Each clip is a string of voiced syllables: a harmonic glottal-like source with jitter
    and shimmer, shaped by a spectral tilt and by vowel formant resonators, under a
    syllable-rate envelope, with silence around it and a little noise. The class sets the
    prosody along arousal and valence lines (:data:`EMOTION_PROSODY`): f0 level and range,
    level, syllable rate, spectral tilt, jitter, breathiness, pitch contour. The speaker sets
    a base f0 (male about 115 Hz, female about 210 Hz), a formant scale, a rate and a voice
    quality. Like ``make_classification`` it makes a problem of known structure, not a
    stand-in for real speech: use it for tests, examples and demos.

    Parameters
    ----------
    n_speakers : int >= 1, default=8
        Speakers, alternating female and male.
    n_clips_per_class : int >= 1, default=10
        Clips of each class for each speaker.
    classes : sequence of str, default=("ang", "hap", "neu", "sad")
        Classes, each a key of :data:`EMOTION_PROSODY`.
    duration : (float, float), default=(1.5, 3.0)
        Range of the speech duration of a clip, in seconds.
    silence : float >= 0, default=0.25
        Most silence before and after the speech, in seconds (drawn uniformly).
    noise_level : float >= 0, default=0.002
        Standard deviation of the background noise.
    sample_rate : int >= 8000, default=16000
        The rate of the clips, in Hz.
    random_state : int, RandomState instance or None, default=None
        Seeds the corpus.
    targets : {"emotion", "avd"}, default="emotion"
        ``"avd"``: each clip draws its arousal, valence and dominance uniformly from
        [0, 1] and its prosody follows them (:func:`avd_prosody`: arousal drives level,
        f0 and rate; valence the spectral tilt and contour; dominance the voice quality);
        ``y`` is then ``(n_clips, 3)``. The corpus has as many clips as with classes
        (``n_clips_per_class * len(classes)`` per speaker).

    Returns
    -------
    X : np.ndarray [shape=(n_clips, max_length), dtype=float32]
        The clips as a padded waveform batch, ``n_clips = n_speakers * n_clips_per_class *
        len(classes)``.
    y : np.ndarray [shape=(n_clips,) or (n_clips, 3)]
        The class of each clip, or its arousal, valence, dominance (``targets="avd"``).
    groups : np.ndarray [shape=(n_clips,), dtype=str]
        The speaker of each clip, for group-wise cross-validation, qualified like the
        loaders' ids: ``synthetic:00``, ``synthetic:01``... The ids name the speakers of
        one call: another call (another ``random_state``) reuses them for other voices, so
        re-qualify them before mixing two synthetic corpora.

    Examples
    --------
    >>> X, y, groups = make_emotional_speech(n_speakers=2, n_clips_per_class=1, random_state=0)
    >>> X.shape[0], sorted(set(y.tolist())), sorted(set(groups.tolist()))
    (8, ['ang', 'hap', 'neu', 'sad'], ['synthetic:00', 'synthetic:01'])
    >>> X, y, groups = make_emotional_speech(n_speakers=2, n_clips_per_class=1,
    ...                                      targets="avd", random_state=0)
    >>> y.shape, bool(((0 <= y) & (y <= 1)).all())
    ((8, 3), True)
    """
    unknown = [label for label in classes if label not in EMOTION_PROSODY]
    if unknown:
        raise ValueError(
            f"unknown classes {unknown}: choose among {sorted(EMOTION_PROSODY)}"
        )
    if len(duration) != 2 or not 0 < duration[0] <= duration[1]:
        raise ValueError(f"duration must be (min, max) seconds with 0 < min <= max, got {duration}")
    rng = check_random_state(random_state)
    targets_are_avd = targets == "avd"
    clips, labels, speakers = [], [], []
    for speaker_id in range(n_speakers):
        female = speaker_id % 2 == 0
        speaker = {
            "f0": (210.0 if female else 115.0) * np.exp(rng.normal(0, 0.1)),
            "formant_scale": (1.15 if female else 1.0) * rng.normal(1, 0.04),
            "rate": rng.normal(1, 0.08),
            "tilt": rng.normal(0, 1.5),
        }
        for label in classes:
            for _ in range(n_clips_per_class):
                if targets == "avd":
                    label = rng.uniform(size=3)
                    base = avd_prosody(*label)
                else:
                    base = EMOTION_PROSODY[label]
                prosody = {
                    key: value * (rng.normal(1, 0.06) if key in ("f0", "rate") else 1.0)
                    for key, value in base.items()
                }
                prosody["level_db"] += rng.normal(0, 2)
                prosody["range_st"] *= np.exp(rng.normal(0, 0.15))
                speech = _synthesize(
                    rng, speaker, prosody, rng.uniform(*duration), sample_rate
                )
                lead, tail = (int(rng.uniform(0.05, 1) * silence * sample_rate) for _ in "ab")
                clip = np.concatenate([np.zeros(lead), speech, np.zeros(tail)])
                clip += noise_level * rng.standard_normal(clip.shape[0])
                clip *= min(1.0, 0.99 / np.abs(clip).max())
                clips.append(clip.astype(np.float32))
                labels.append(label)
                speakers.append(speaker_id)
    y = np.asarray(labels, dtype=np.float64 if targets_are_avd else None)
    width = max(2, len(str(n_speakers - 1)))
    ids = np.asarray([f"synthetic:{speaker:0{width}d}" for speaker in speakers])
    return as_batch(clips), y, ids
