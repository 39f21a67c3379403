import csv

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.datasets import (
    load_crema_d,
    load_emodb,
    load_iemocap,
    load_ravdess,
    make_emotional_speech,
)
from skser.io import AudioLoader, clip_lengths

from .conftest import tone, write_audio


def _touch_audio(path):
    return write_audio(path, tone(0.05))


# -- RAVDESS ---------------------------------------------------------------------------


def _ravdess_tree(root):
    names = [
        "Actor_01/03-01-01-01-01-01-01.wav",  # neutral, male
        "Actor_01/03-01-02-01-01-01-01.wav",  # calm: dropped by emotion4
        "Actor_01/03-01-05-02-01-01-01.wav",  # angry, strong
        "Actor_02/03-01-03-01-02-02-02.flac",  # happy, female, flac
        "Actor_02/03-01-04-01-01-01-02.wav",  # sad
        "Actor_02/03-02-04-01-01-01-02.wav",  # song: not loaded
    ]
    for name in names:
        _touch_audio(root / name)
    return root


def test_load_ravdess_maps_codes_and_groups_actors(tmp_path):
    data = load_ravdess(_ravdess_tree(tmp_path))
    assert list(data.target) == ["neu", "ang", "hap", "sad"]
    assert list(data.groups) == ["ravdess:01", "ravdess:01", "ravdess:02", "ravdess:02"]
    np.testing.assert_array_equal(data.speakers, data.groups)
    assert list(data.gender) == ["M", "M", "F", "F"]
    assert list(data.intensity) == ["normal", "strong", "normal", "normal"]
    assert set(data.corpus) == {"ravdess"}
    assert data.frame.shape[0] == 4


def test_load_ravdess_all_labels_are_readable(tmp_path):
    data = load_ravdess(_ravdess_tree(tmp_path), labels="all")
    assert list(data.target) == ["neutral", "calm", "anger", "happiness", "sadness"]


def test_load_ravdess_names_a_malformed_file(tmp_path):
    _ravdess_tree(tmp_path)
    _touch_audio(tmp_path / "Actor_03" / "03-01-05-01.wav")
    with pytest.raises(ValueError, match="not a RAVDESS file name: .*03-01-05-01.wav"):
        load_ravdess(tmp_path)


def test_loaders_refuse_missing_and_empty_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="RAVDESS folder not found"):
        load_ravdess(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no EmoDB audio found"):
        load_emodb(tmp_path)
    with pytest.raises(FileNotFoundError, match="no IEMOCAP labels found"):
        load_iemocap(tmp_path)
    with pytest.raises(ValueError, match="labels must be one of"):
        load_ravdess(tmp_path, labels="emotion7")


def test_ravdess_paths_feed_the_audio_loader(tmp_path):
    data = load_ravdess(_ravdess_tree(tmp_path))
    X = AudioLoader().fit_transform(data.filenames)
    assert X.shape == (4, 800)


# -- EmoDB -----------------------------------------------------------------------------


def test_load_emodb_maps_letters_and_speakers(tmp_path):
    for name in ["03a01Fa", "03a01Wa", "08b02Nc", "16a05Td", "10a07La"]:
        _touch_audio(tmp_path / "wav" / f"{name}.wav")
    data = load_emodb(tmp_path)
    assert list(data.target) == ["hap", "ang", "neu", "sad"]
    assert list(data.groups) == ["emodb:03", "emodb:03", "emodb:08", "emodb:16"]
    assert list(data.gender) == ["M", "M", "F", "F"]
    assert list(load_emodb(tmp_path, labels="all").target) == [
        "happiness", "anger", "neutral", "boredom", "sadness",
    ]


def test_load_emodb_names_a_malformed_file(tmp_path):
    _touch_audio(tmp_path / "wav" / "03a01Xa.wav")
    with pytest.raises(ValueError, match="not an EmoDB file name: .*03a01Xa.wav"):
        load_emodb(tmp_path)


# -- CREMA-D ---------------------------------------------------------------------------


def test_load_crema_d_reads_names_and_demographics(tmp_path):
    for name in ["1001_DFA_ANG_XX", "1001_IEO_HAP_HI", "1002_TIE_NEU_XX", "1002_IOM_FEA_LO"]:
        _touch_audio(tmp_path / "AudioWAV" / f"{name}.wav")
    with open(tmp_path / "VideoDemographics.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ActorID", "Age", "Sex", "Race", "Ethnicity"])
        writer.writerows([["1001", "51", "Male", "x", "y"], ["1002", "21", "Female", "x", "y"]])
    data = load_crema_d(tmp_path)
    assert list(data.target) == ["ang", "hap", "neu"]
    assert list(data.groups) == ["crema-d:1001", "crema-d:1001", "crema-d:1002"]
    assert list(data.gender) == ["M", "M", "F"]
    assert list(data.level) == ["unspecified", "high", "unspecified"]
    assert "fear" in load_crema_d(tmp_path, labels="all").target


def test_load_crema_d_without_demographics_marks_gender_unknown(tmp_path):
    _touch_audio(tmp_path / "AudioWAV" / "1001_DFA_SAD_XX.wav")
    assert list(load_crema_d(tmp_path).gender) == ["unknown"]


def test_load_crema_d_names_a_malformed_file(tmp_path):
    _touch_audio(tmp_path / "AudioWAV" / "1001_DFA_JOY_XX.wav")
    with pytest.raises(ValueError, match="not a CREMA-D file name: .*1001_DFA_JOY_XX.wav"):
        load_crema_d(tmp_path)


# -- IEMOCAP ---------------------------------------------------------------------------


def _iemocap_tree(root, with_missing_audio=False):
    entries = {
        1: [
            ("Ses01F_impro01", "Ses01F_impro01_F000", "neu", "2.5000, 2.0000, 2.5000"),
            ("Ses01F_impro01", "Ses01F_impro01_M001", "exc", "4.0000, 4.0000, 3.0000"),
            ("Ses01F_impro01", "Ses01F_impro01_M002", "fru", "2.0000, 3.5000, 3.5000"),
        ],
        2: [
            ("Ses02M_script01_1", "Ses02M_script01_1_F003", "ang", "1.5000, 4.5000, 4.0000"),
            ("Ses02M_script01_1", "Ses02M_script01_1_M004", "sad", "1.5000, 1.5000, 2.0000"),
        ],
    }
    for session, rows in entries.items():
        session_dir = root / f"Session{session}"
        evaluation = session_dir / "dialog" / "EmoEvaluation"
        evaluation.mkdir(parents=True)
        by_dialog = {}
        for dialog, utterance, label, vad in rows:
            by_dialog.setdefault(dialog, []).append(
                f"[1.0000 - 2.5000]\t{utterance}\t{label}\t[{vad}]\n"
                f"C-E1:\tNeutral;\t()\n"
            )
            if with_missing_audio and utterance.endswith("M004"):
                continue
            _touch_audio(session_dir / "sentences" / "wav" / dialog / f"{utterance}.wav")
        for dialog, lines in by_dialog.items():
            header = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n"
            (evaluation / f"{dialog}.txt").write_text(header + "\n".join(lines))
    return root


def test_load_iemocap_merges_excited_and_groups_sessions(tmp_path):
    data = load_iemocap(_iemocap_tree(tmp_path))
    assert list(data.target) == ["neu", "hap", "ang", "sad"]
    assert list(data.groups) == ["iemocap:Ses01", "iemocap:Ses01", "iemocap:Ses02", "iemocap:Ses02"]
    assert list(data.speakers) == [
        "iemocap:Ses01F", "iemocap:Ses01M", "iemocap:Ses02F", "iemocap:Ses02M"
    ]
    np.testing.assert_allclose(data.arousal, [2.0, 4.0, 4.5, 1.5])
    labels = load_iemocap(tmp_path, labels="all").target
    assert list(labels) == ["neutral", "excitement", "frustration", "anger", "sadness"]


def test_load_iemocap_warns_about_missing_audio(tmp_path):
    _iemocap_tree(tmp_path, with_missing_audio=True)
    with pytest.warns(UserWarning, match="1 labelled IEMOCAP utterances have no audio"):
        data = load_iemocap(tmp_path)
    assert "Ses02M_script01_1_M004" not in " ".join(data.filenames)


def test_load_iemocap_names_a_malformed_entry(tmp_path):
    evaluation = tmp_path / "Session1" / "dialog" / "EmoEvaluation"
    evaluation.mkdir(parents=True)
    (evaluation / "x.txt").write_text("[1.0 - 2.0]\tSes01F_impro01_F000\tjoy\t[1.0, 1.0, 1.0]\n")
    with pytest.raises(ValueError, match="'Ses01F_impro01_F000' with label 'joy'.*x.txt"):
        load_iemocap(tmp_path)


@pytest.mark.parametrize("ratings", ["[2.5, 2.5]", "[nan, 2.0, 3.0]", "[2.5; 2.0; 3.0]", ""])
def test_load_iemocap_names_a_malformed_rating_line(tmp_path, ratings):
    """A rating line the reader cannot parse is never dropped without a word."""
    _iemocap_tree(tmp_path)
    evaluation = tmp_path / "Session1" / "dialog" / "EmoEvaluation" / "Ses01F_impro01.txt"
    lines = evaluation.read_text().splitlines()
    lines[2] = f"[1.0000 - 2.5000]\tSes01F_impro01_F000\tneu\t{ratings}"
    evaluation.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=r"malformed IEMOCAP rating line 3 of .*impro01\.txt"):
        load_iemocap(tmp_path)


# -- real corpora ----------------------------------------------------------------------


@pytest.mark.real_data
def test_load_ravdess_on_shared_data(ravdess_root):
    data = load_ravdess(ravdess_root)
    labels, counts = np.unique(data.target, return_counts=True)
    assert dict(zip(labels, counts)) == {"ang": 96, "hap": 96, "neu": 48, "sad": 96}
    assert len(set(data.groups)) == 12
    assert sorted(set(data.gender)) == ["F", "M"]
    assert len(load_ravdess(ravdess_root, labels="all").target) == 720


@pytest.mark.real_data
def test_load_emodb_on_shared_data(emodb_root):
    data = load_emodb(emodb_root)
    labels, counts = np.unique(data.target, return_counts=True)
    assert dict(zip(labels, counts)) == {"ang": 127, "hap": 71, "neu": 79, "sad": 62}
    speakers, per_speaker = np.unique(load_emodb(emodb_root, labels="all").groups,
                                      return_counts=True)
    assert dict(zip(speakers, per_speaker))["emodb:16"] == 71
    assert len(speakers) == 10


# -- synthetic corpus ------------------------------------------------------------------


def test_make_emotional_speech_shapes_and_determinism():
    X, y, groups = make_emotional_speech(n_speakers=3, n_clips_per_class=2, random_state=0)
    assert X.dtype == np.float32 and X.shape[0] == 24
    assert np.abs(X).max() <= 0.99 + 1e-6
    assert np.unique(groups).tolist() == ["synthetic:00", "synthetic:01", "synthetic:02"]
    durations = clip_lengths(X) / 16000
    assert durations.min() > 1.5 and durations.max() < 3.5
    X2, y2, _ = make_emotional_speech(n_speakers=3, n_clips_per_class=2, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_make_emotional_speech_refuses_unknown_classes():
    with pytest.raises(ValueError, match="unknown classes"):
        make_emotional_speech(classes=("ang", "joy"))


def _simple_features(X):
    rows = []
    for clip, length in zip(X, clip_lengths(X)):
        frames = clip[: length // 400 * 400].reshape(-1, 400)
        log_energy = np.log(np.mean(frames**2, axis=1) + 1e-8)
        active = log_energy > log_energy.max() - 4
        crossings = np.mean(np.abs(np.diff(np.sign(frames[active]), axis=1)) > 0, axis=1)
        rows.append([log_energy[active].mean(), log_energy[active].std(),
                     crossings.mean(), active.mean()])
    return np.array(rows)


def test_make_emotional_speech_is_learnable_across_speakers():
    X, y, groups = make_emotional_speech(n_speakers=6, n_clips_per_class=6, random_state=3)
    scores = cross_val_score(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        _simple_features(X), y, groups=groups, cv=GroupKFold(n_splits=3),
        scoring="balanced_accuracy",
    )
    assert scores.mean() > 0.55  # chance is 0.25


# -- arousal, valence, dominance -------------------------------------------------------


def test_emotion_to_avd_takes_the_lexicon_values_in_avd_order():
    from skser.datasets import EMOTION_AVD, emotion_to_avd

    avd = emotion_to_avd(["ang", "anger", "neu", "calm", "exc"])
    np.testing.assert_array_equal(avd[0], [0.865, 0.167, 0.657])  # NRC VAD: V .167 A .865
    np.testing.assert_array_equal(avd[0], avd[1])
    np.testing.assert_array_equal(avd[3], EMOTION_AVD["calm"])
    assert avd[0, 0] > avd[2, 0] and avd[4, 1] > avd[2, 1] > emotion_to_avd(["sad"])[0, 1]
    assert ((0 <= avd) & (avd <= 1)).all()


def test_emotion_to_avd_strong_intensity_raises_arousal_only():
    from skser.datasets import emotion_to_avd

    normal, strong = emotion_to_avd(["hap", "hap"], intensity=["normal", "strong"])
    assert strong[0] == pytest.approx(normal[0] + 0.1)
    np.testing.assert_array_equal(strong[1:], normal[1:])
    assert emotion_to_avd(["sur"], intensity="strong")[0, 0] == pytest.approx(0.975)
    assert emotion_to_avd(["ang"], intensity="strong")[0, 0] <= 1.0


@pytest.mark.parametrize(
    ("labels", "intensity", "match"),
    [
        (["ang", "other"], None, r"categories \['other'\]"),
        (["ang"], ["strong", "normal"], "one per label"),
        (["ang"], "loud", "intensity must be one of"),
        ([["ang"]], None, "1-D"),
    ],
)
def test_emotion_to_avd_rejects_bad_input(labels, intensity, match):
    from skser.datasets import emotion_to_avd

    with pytest.raises(ValueError, match=match):
        emotion_to_avd(labels, intensity)


def test_load_ravdess_avd_targets(tmp_path):
    from skser.datasets import emotion_to_avd

    data = load_ravdess(_ravdess_tree(tmp_path), labels="all", targets="avd")
    assert data.target.shape == (5, 3) and list(data.target_names) == [
        "arousal", "valence", "dominance"]
    assert list(data.emotion) == ["neutral", "calm", "anger", "happiness", "sadness"]
    np.testing.assert_allclose(data.target[2], emotion_to_avd(["anger"])[0] + [0.1, 0, 0])
    assert list(data.frame.columns[-3:]) == ["target_arousal", "target_valence",
                                             "target_dominance"]
    with pytest.raises(ValueError, match="targets must be one of"):
        load_ravdess(tmp_path, targets="dimensions")


def test_load_iemocap_avd_targets_are_the_rescaled_ratings(tmp_path):
    data = load_iemocap(_iemocap_tree(tmp_path), labels="all", targets="avd")
    # EmoEvaluation rows are [V, A, D] on 1-5: Ses01F_impro01_M002 is [2.0, 3.5, 3.5].
    np.testing.assert_allclose(data.target[2], [(3.5 - 1) / 4, (2.0 - 1) / 4, (3.5 - 1) / 4])
    assert list(data.emotion)[2] == "frustration"
    np.testing.assert_allclose(data.valence, [2.5, 4.0, 2.0, 1.5, 1.5])


def test_load_emodb_avd_targets(tmp_path):
    for name in ["03a01Wa.wav", "03a01La.wav", "08a02Nb.flac"]:
        _touch_audio(tmp_path / "wav" / name)
    data = load_emodb(tmp_path, labels="all", targets="avd")
    assert list(data.emotion) == ["boredom", "anger", "neutral"]
    assert data.target[0, 0] < data.target[2, 0] < data.target[1, 0]


def test_make_emotional_speech_avd_each_dimension_is_learnable_across_speakers():
    from skser.embedding import AcousticEmbedder
    from skser.metrics import concordance_correlation_coefficient
    from skser.regression import CCCLossRegressor

    X, y, groups = make_emotional_speech(n_speakers=6, n_clips_per_class=10, targets="avd",
                                         random_state=0)
    assert y.shape == (240, 3) and y.dtype == np.float64
    features = AcousticEmbedder().fit_transform(X)
    test = np.isin(groups, ["synthetic:04", "synthetic:05"])
    train = ~test
    reg = CCCLossRegressor(random_state=0).fit(features[train], y[train])
    per_dim = concordance_correlation_coefficient(
        y[test], reg.predict(features[test]), multioutput="raw_values")
    assert (per_dim > 0.5).all(), per_dim
