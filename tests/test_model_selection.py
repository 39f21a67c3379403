import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skser.datasets import make_emotional_speech
from skser.io import AudioLoader, clip_lengths, iter_clips
from skser.metrics import SER_SCORING
from skser.model_selection import (
    AROUSAL,
    LeaveOneSessionOut,
    SessionReport,
    accepts_validation,
    evaluate_cross_corpus,
    evaluate_sessions,
    fit_with_validation,
)
from skser.preprocessing import WaveformAugmenter

from .conftest import write_audio


def prosody_features(X):
    """Log energy, zero-crossing rate, peak and duration of each clip of a batch."""
    rows = []
    for clip in iter_clips(np.asarray(X, dtype=np.float64)):
        n = max(clip.shape[0], 1)
        energy = np.sqrt(np.sum(clip**2) / n)
        crossings = np.count_nonzero(np.diff(np.signbit(clip))) / n
        peak = np.abs(clip).max() if clip.size else 0.0
        rows.append([np.log(energy + 1e-6), crossings, peak, n / 16000])
    return np.array(rows)


def feature_pipeline():
    return make_pipeline(
        FunctionTransformer(prosody_features), StandardScaler(), LogisticRegression()
    )


@pytest.fixture(scope="module")
def speech():
    """48 synthetic clips: 4 speakers x 4 classes x 3 clips, sessions numbered 0-3."""
    X, y, speakers = make_emotional_speech(
        n_speakers=4, n_clips_per_class=3, duration=(0.5, 0.8), random_state=0
    )
    return X, y, np.unique(speakers, return_inverse=True)[1]  # a user's own integer ids


@pytest.fixture(scope="module")
def features(speech):
    X, y, groups = speech
    return prosody_features(X), y, groups


class _Recorder(ClassifierMixin, BaseEstimator):
    """Test-only: remembers the rows it was fitted on, predicts its majority class."""

    def fit(self, X, y):
        self.X_fit_, self.y_fit_ = np.asarray(X), np.asarray(y)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


class _ValidationRecorder(_Recorder):
    """Test-only: a classifier whose fit takes a validation set, like FocalLossClassifier."""

    def fit(self, X, y, *, X_val=None, y_val=None):
        self.X_val_ = None if X_val is None else np.asarray(X_val)
        self.y_val_ = None if y_val is None else np.asarray(y_val)
        return super().fit(X, y)


def _with_row_ids(X):
    return np.column_stack([np.arange(len(X)), X])


# -- LeaveOneSessionOut -----------------------------------------------------------------


@pytest.mark.parametrize("validation", [None, "next"])
def test_fold_structure(validation):
    groups = np.array(["s3", "s1", "s2", "s1", "s4", "s3", "s2", "s4", "s1"])
    order = ["s1", "s2", "s3", "s4"]
    cv = LeaveOneSessionOut(validation=validation)
    folds = list(cv.split_with_validation(np.zeros((9, 2)), groups=groups))
    assert cv.get_n_splits(groups=groups) == len(folds) == 4
    for index, (train, val, test) in enumerate(folds):
        assert set(groups[test]) == {order[index]}
        if validation == "next":
            assert set(groups[val]) == {order[(index + 1) % 4]}
        else:
            assert val.size == 0
        assert not set(train) & set(val) and not set(train) & set(test)
        assert not set(val) & set(test)
        assert sorted([*train, *val, *test]) == list(range(9))
    plain = list(cv.split(np.zeros((9, 2)), groups=groups))
    for (train, test), (train_v, _, test_v) in zip(plain, folds):
        np.testing.assert_array_equal(train, train_v)
        np.testing.assert_array_equal(test, test_v)


def test_without_validation_it_is_leave_one_group_out():
    groups = np.repeat([3, 1, 2], 4)
    ours = list(LeaveOneSessionOut().split(np.zeros(12), groups=groups))
    reference = list(LeaveOneGroupOut().split(np.zeros(12), groups=groups))
    for (a_train, a_test), (b_train, b_test) in zip(ours, reference):
        np.testing.assert_array_equal(a_train, b_train)
        np.testing.assert_array_equal(a_test, b_test)


def test_splitter_in_cross_validate(features):
    X, y, groups = features
    model = make_pipeline(StandardScaler(), LogisticRegression())
    result = cross_validate(
        model,
        X,
        y,
        groups=groups,
        cv=LeaveOneSessionOut(validation="next"),
        scoring=SER_SCORING,
        return_indices=True,
    )
    assert len(result["test_ua"]) == 4
    for index, (train, test) in enumerate(
        zip(result["indices"]["train"], result["indices"]["test"])
    ):
        # The validation speaker (the next one) is left out of training.
        assert set(groups[test]) == {index}
        assert set(groups[train]) == set(range(4)) - {index, (index + 1) % 4}
    reference = cross_validate(model, X, y, groups=groups, cv=LeaveOneGroupOut())
    plain = cross_validate(model, X, y, groups=groups, cv=LeaveOneSessionOut(), scoring="accuracy")
    np.testing.assert_allclose(plain["test_score"], reference["test_score"])


def test_splitter_in_grid_search(features):
    X, y, groups = features
    cv = LeaveOneSessionOut(validation="next")
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()),
        {"logisticregression__C": [1e-4, 1.0]},
        cv=cv,
        scoring=SER_SCORING,
        refit="ua",
    ).fit(X, y, groups=groups)
    assert search.n_splits_ == 4
    best = search.best_index_
    for index, (train, test) in enumerate(cv.split(X, y, groups)):
        model = clone(search.estimator).set_params(**search.best_params_).fit(X[train], y[train])
        expected = balanced_accuracy_score(y[test], model.predict(X[test]))
        assert search.cv_results_[f"split{index}_test_ua"][best] == pytest.approx(expected)


@pytest.mark.parametrize(
    "validation, groups, message",
    [
        (None, [1, 1, 1], r"at least 2 groups .*got 1: \[1\]"),
        (
            "next",
            [1, 1, 2],
            r"validation='next'\) needs at least 3 groups .*got 2: \[1, 2\]; pass validation=None",
        ),
        (None, None, "'groups' parameter should not be None"),
        ("previous", [1, 2, 3], "validation must be None or 'next'"),
    ],
)
def test_splitter_errors(validation, groups, message):
    cv = LeaveOneSessionOut(validation=validation)
    with pytest.raises(ValueError, match=message):
        list(cv.split(np.zeros((3, 1)), groups=groups))
    with pytest.raises(ValueError, match=message):
        cv.get_n_splits(groups=groups)


def test_splitter_repr_and_length_check():
    assert repr(LeaveOneSessionOut(validation="next")) == "LeaveOneSessionOut(validation='next')"
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[3, 2\]"):
        list(LeaveOneSessionOut().split_with_validation(np.zeros((3, 1)), groups=[1, 2]))


# -- evaluate_sessions: protocol ----------------------------------------------------------


@pytest.mark.parametrize("validation", [None, "next"])
def test_waveform_pipeline_matches_a_manual_loop(speech, validation):
    """An estimator without a validation set is trained on the training sessions only."""
    X, y, groups = speech
    report = evaluate_sessions(feature_pipeline(), X, y, groups, validation=validation)
    cv = LeaveOneSessionOut(validation=validation)
    expected = np.empty_like(y)
    for train, _, test in cv.split_with_validation(X, y, groups):
        expected[test] = clone(feature_pipeline()).fit(X[train], y[train]).predict(X[test])
    np.testing.assert_array_equal(report.y_pred, expected)
    np.testing.assert_array_equal(report.y_true, y)
    assert [fold.test_group for fold in report.folds] == [0, 1, 2, 3]
    assert [fold.n_val for fold in report.folds] == [0] * 4 if validation is None else [12] * 4
    assert not any(fold.used_validation for fold in report.folds)
    assert report.pooled["ua"] > 0.4  # well above chance (0.25) on these features


def test_validation_reaches_an_estimator_that_takes_it(features):
    X, y, groups = features
    X = _with_row_ids(X)
    report = evaluate_sessions(_ValidationRecorder(), X, y, groups, return_estimator=True)
    for fold in report.folds:
        model = fold.estimator
        val_group = (fold.test_group + 1) % 4
        np.testing.assert_array_equal(model.X_val_[:, 0], np.flatnonzero(groups == val_group))
        np.testing.assert_array_equal(model.y_val_, y[groups == val_group])
        assert set(groups[model.X_fit_[:, 0].astype(int)]) == {0, 1, 2, 3} - {
            fold.test_group,
            val_group,
        }
        assert fold.used_validation
    assert "handed to the estimator" in str(report)


def test_estimator_without_validation_never_sees_the_validation_session(features):
    X, y, groups = features
    X = _with_row_ids(X)
    report = evaluate_sessions(_Recorder(), X, y, groups, return_estimator=True)
    for fold in report.folds:
        seen = set(groups[fold.estimator.X_fit_[:, 0].astype(int)])
        assert seen == {0, 1, 2, 3} - {fold.test_group, fold.val_group}
    assert "unused (the estimator takes none)" in str(report)


def test_validation_reaches_the_final_step_of_a_pipeline(features):
    X, y, groups = features
    pipe = Pipeline([("scale", StandardScaler()), ("clf", _ValidationRecorder())])
    assert accepts_validation(pipe)
    report = evaluate_sessions(pipe, X, y, groups, return_estimator=True)
    for fold in report.folds:
        fitted = fold.estimator
        train = np.flatnonzero(~np.isin(groups, [fold.test_group, fold.val_group]))
        val = np.flatnonzero(groups == fold.val_group)
        # The scaler was fitted on the training rows only, and transformed the val rows.
        np.testing.assert_allclose(fitted["scale"].mean_, X[train].mean(axis=0))
        np.testing.assert_allclose(fitted["clf"].X_val_, fitted["scale"].transform(X[val]))
        np.testing.assert_allclose(fitted["clf"].X_fit_, fitted["scale"].transform(X[train]))
        # A fitted pipeline: predict works end to end.
        assert fitted.predict(X[:2]).shape == (2,)


def test_augmenter_augments_training_rows_only(speech):
    X, y, groups = speech
    pipe = make_pipeline(
        WaveformAugmenter(noise_p=1.0, pitch_p=0.0, random_state=0),
        FunctionTransformer(prosody_features),
        _ValidationRecorder(),
    )
    X_train, y_train, X_val, y_val = X[groups < 2], y[groups < 2], X[groups == 3], y[groups == 3]
    fitted = fit_with_validation(pipe, X_train, y_train, X_val=X_val, y_val=y_val)
    final = fitted[-1]
    np.testing.assert_allclose(final.X_val_, prosody_features(X_val))
    assert not np.allclose(final.X_fit_, prosody_features(X_train))
    np.testing.assert_array_equal(final.y_val_, y_val)


def test_extra_train_reaches_training_only(features):
    X, y, groups = features
    X = _with_row_ids(X)
    X_extra = _with_row_ids(X[:10, 1:]) + [1000, 0, 0, 0, 0]
    y_extra = np.array(["sad"] * 10)
    for estimator in (_Recorder(), _ValidationRecorder()):
        report = evaluate_sessions(
            estimator, X, y, groups, extra_train=(X_extra, y_extra), return_estimator=True
        )
        for fold in report.folds:
            model = fold.estimator
            ids = model.X_fit_[:, 0].astype(int)
            assert set(range(1000, 1010)) <= set(ids)
            np.testing.assert_array_equal(model.y_fit_[ids >= 1000], y_extra)
            assert fold.n_train == 24 + 10
            if isinstance(model, _ValidationRecorder):
                assert model.X_val_[:, 0].max() < 1000
        # Extra rows are never tested or predicted: the report covers X's rows only.
        assert report.y_pred.shape == y.shape


def test_extra_waveforms_of_another_width_are_padded(speech):
    X, y, groups = speech
    X_extra = 0.5 * X[:4, : X.shape[1] // 2]  # other clips than X's, narrower
    # A pipeline that starts with a skser waveform step takes waveforms: padding is right.
    report = evaluate_sessions(
        make_pipeline(AudioLoader(), _Recorder()), X, y, groups,
        extra_train=(X_extra, y[:4]), return_estimator=True,
    )
    fitted = report.folds[0].estimator[-1].X_fit_
    assert fitted.shape == (24 + 4, X.shape[1])
    np.testing.assert_array_equal(fitted[-4:, : X_extra.shape[1]], X_extra)
    assert np.all(fitted[-4:, X_extra.shape[1] :] == 0)


def test_file_paths_through_an_audio_loader(speech, tmp_path):
    X, y, groups = speech
    lengths = clip_lengths(X)
    paths = [
        str(write_audio(tmp_path / f"{i:02d}.wav", X[i, : lengths[i]], subtype="FLOAT"))
        for i in range(len(X))
    ]
    with_loader = make_pipeline(AudioLoader(), *[step for _, step in feature_pipeline().steps])
    # A 1-D array of paths, and a list of paths as extra training data.
    from_paths = evaluate_sessions(
        with_loader, np.array(paths[:36]), y[:36], groups[:36], extra_train=(paths[36:], y[36:])
    )
    from_waveforms = evaluate_sessions(
        feature_pipeline(), X[:36], y[:36], groups[:36], extra_train=(X[36:], y[36:])
    )
    np.testing.assert_array_equal(from_paths.y_pred, from_waveforms.y_pred)


# -- evaluate_sessions: leakage and errors -----------------------------------------------


def test_leakage_guard_names_the_speakers(features):
    X, y, groups = features
    speakers = np.array([f"spk{g}" for g in groups], dtype=object)
    speakers[groups == 2] = "spk1"  # one speaker recorded in sessions 1 and 2
    with pytest.raises(
        ValueError, match=r"leakage in fold 1 \(test group 1\): speakers \['spk1'\]"
    ):
        evaluate_sessions(_Recorder(), X, y, groups, speakers=speakers, validation=None)
    # Fine once that speaker's sessions are one group.
    merged = np.where(groups == 2, 1, groups)
    report = evaluate_sessions(_Recorder(), X, y, merged, speakers=speakers, validation=None)
    assert report.n_folds == 3


def test_leakage_guard_names_the_validation_session(features):
    X, y, groups = features
    speakers = groups.copy()
    speakers[groups == 1] = 0  # speaker 0 also in session 1, fold 0's validation
    with pytest.raises(ValueError, match=r"fold 0 \(test group 0\): speakers \[0\] .*validation"):
        evaluate_sessions(_Recorder(), X, y, groups, speakers=speakers)


def test_leakage_guard_checks_extra_training_speakers(features):
    X, y, groups = features
    extra = (X[:4], y[:4], np.array([7, 7, 2, 7]))
    with pytest.raises(
        ValueError, match=r"fold 2 \(test group 2\): groups \[2\] .*extra training data"
    ):
        evaluate_sessions(_Recorder(), X, y, groups, extra_train=extra)


def test_leakage_guard_checks_two_item_extra_train_by_content(speech):
    X, y, groups = speech
    # Clip 5 (session 0) again, padded to another width, with no ids: its content leaks.
    lengths = clip_lengths(X)
    clip = X[5, : lengths[5]]
    extra = np.zeros((2, X.shape[1] + 1000), np.float32)
    extra[0, : lengths[5]] = clip
    extra[1, :100] = 0.1  # another clip
    with pytest.raises(
        ValueError,
        match=r"leakage in fold 0 \(test group 0\): the same audio is in both the test set "
        r"and the extra training data \(extra_train\): extra_train's X\[0\] has the samples "
        r"of X\[5\] \(0\) \(1 clip in all\)",
    ):
        evaluate_sessions(waveform_recorder(), X, y, groups, extra_train=(extra, y[:2]))


def waveform_recorder():
    """A pipeline that takes waveforms (AudioLoader passes batches through)."""
    return make_pipeline(AudioLoader(), _Recorder())


def test_leakage_guard_finds_the_same_audio_under_another_id(speech):
    X, y, groups = speech
    X = X.copy()
    copy = np.flatnonzero(groups == 2)[3]
    X[copy] = X[1]  # clip 1 of session 0 recorded again as a clip of session 2
    speakers = np.array([f"spk{g}" for g in groups])
    with pytest.raises(
        ValueError,
        match=rf"fold 0 \(test group 0\): the same audio is in both the test set and the "
        rf"training sessions: X\[{copy}\] \('spk2'\) has the samples of X\[1\] \('spk0'\)",
    ):
        evaluate_sessions(waveform_recorder(), X, y, groups, speakers=speakers)
    # A list of 1-D clips is waveforms whatever the estimator: the copy is found too.
    clips = [clip[: n] for clip, n in zip(X, clip_lengths(X))]
    with pytest.raises(ValueError, match=rf"X\[{copy}\] \(2\) has the samples of X\[1\] \(0\)"):
        evaluate_sessions(_Recorder(), clips, y, groups, validation=None)


def test_leakage_guard_hashes_files_after_loading(speech, tmp_path):
    X, y, groups = speech
    lengths = clip_lengths(X)
    paths = [
        str(write_audio(tmp_path / f"{i:02d}.wav", X[i, : lengths[i]], subtype="FLOAT"))
        for i in range(len(X))
    ]
    # The same samples as clip 0, stored as FLAC under another name and another session.
    copy = np.flatnonzero(groups == 3)[0]
    paths[copy] = str(write_audio(tmp_path / "copy.flac", X[0, : lengths[0]], subtype="PCM_24"))
    paths[0] = str(write_audio(tmp_path / "00.flac", X[0, : lengths[0]], subtype="PCM_24"))
    with pytest.raises(ValueError, match=rf"X\[{copy}\] \(3\) has the samples of X\[0\] \(0\)"):
        evaluate_sessions(
            make_pipeline(AudioLoader(), FunctionTransformer(prosody_features), _Recorder()),
            np.array(paths), y, groups,
        )


def test_leakage_guard_checks_extra_train_speakers_against_test_speakers(speech):
    X, y, groups = speech
    speakers = np.array([f"corpus-a:{g}" for g in groups])
    extra = (0.5 * X[:3], y[:3], np.array(["corpus-b:1", "corpus-a:3", "corpus-b:2"]))
    with pytest.raises(
        ValueError,
        match=r"fold 3 \(test group 3\): speakers \['corpus-a:3'\] are in both the test set "
        r"and the extra training data \(extra_train\)",
    ):
        evaluate_sessions(waveform_recorder(), X, y, groups, speakers=speakers, extra_train=extra)
    # Other corpora's ids never collide with these: nothing is raised.
    fine = (extra[0], extra[1], np.array(["corpus-b:1", "corpus-b:3", "corpus-b:2"]))
    report = evaluate_sessions(
        waveform_recorder(), X, y, groups, speakers=speakers, extra_train=fine
    )
    assert report.n_folds == 4


def test_leakage_guard_lets_distinct_clips_through(speech):
    X, y, groups = speech
    # Silent clips are equal but carry nothing: they are not compared.
    X = X.copy()
    X[[0, 20]] = 0.0
    report = evaluate_sessions(waveform_recorder(), X, y, groups)
    assert report.n_folds == 4


def test_feature_matrices_of_unequal_width_name_extra_train(features):
    X, y, groups = features
    wider = np.hstack([X[:4], X[:4, :1]])
    with pytest.raises(ValueError, match="extra_train's X has 5 columns and X has 4"):
        evaluate_sessions(_Recorder(), X, y, groups, extra_train=(wider, y[:4]))
    with pytest.raises(ValueError, match="extra_train's X has 3 columns and X has 4"):
        evaluate_sessions(feature_pipeline(), X, y, groups, extra_train=(X[:4, :3], y[:4]))


@pytest.mark.parametrize("where", ["y", "extra_train's y"])
def test_a_missing_label_among_strings_names_y(features, where):
    X, y, groups = features
    bad = y.astype(object)
    bad[5] = np.nan
    if where == "y":
        arguments = {"y": bad}
    else:
        arguments = {"y": y, "extra_train": (X[:8], bad[:8])}
    with pytest.raises(ValueError, match=rf"^{where} holds a missing label \(NaN\) at index 5"):
        evaluate_sessions(_Recorder(), X, groups=groups, **arguments)


def test_cross_corpus_refuses_a_shared_clip_or_speaker(speech):
    X, y, groups = speech
    train, test = groups < 2, groups >= 2
    X_test = X[test].copy()
    X_test[4] = X[np.flatnonzero(train)[7]]
    with pytest.raises(
        ValueError,
        match=r"leakage in the cross-corpus evaluation: the same audio is in both the test set "
        r"and the training corpus \(train\): train's X\[7\] has the samples of test's X\[4\]",
    ):
        evaluate_cross_corpus(waveform_recorder(), (X[train], y[train]), (X_test, y[test]))
    with pytest.raises(ValueError, match=r"speakers \['a:1'\] are in both the test set and "
                       r"the validation set \(validation\)"):
        evaluate_cross_corpus(
            waveform_recorder(),
            (X[groups == 0], y[groups == 0], ["a:0"] * 12),
            (X[groups == 1], y[groups == 1], ["a:1"] * 12),
            validation=(X[groups == 2], y[groups == 2], ["a:1"] * 12),
        )


def test_a_failing_fold_is_named(features):
    X, y, groups = features
    # Group "a" holds the only "hap" clips: the fold testing it trains on one class.
    y = np.where(groups == 0, np.where(np.arange(len(y)) % 2, "hap", "sad"), "sad")
    groups = np.array(["a", "b", "c", "d"])[groups]
    with pytest.raises(
        ValueError, match=r"fitting failed in fold 0 \(test group 'a'\): .*(class|classes)"
    ):
        evaluate_sessions(LogisticRegression(), X, y, groups, validation=None)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"y": np.array(["ang"] * 47)}, "y has 47 labels for 48 clips"),
        ({"groups": np.zeros(48)}, "at least 3 groups"),
        ({"labels": ["ang", "hap", "neu"]}, r"holds labels that are not in labels: \['sad'\]"),
        ({"y": np.linspace(0, 1, 48)}, "continuous"),
        (
            {"extra_train": (np.zeros((2, 4)),)},
            r"extra_train must be a tuple \(X, y\) or \(X, y, speakers\), got a tuple of 1 item",
        ),
        ({"extra_train": (np.zeros((2, 4)), ["ang"])}, "extra_train's y has 1 labels for 2"),
        ({"extra_train": (np.zeros((2, 4)), ["fea", "ang"])}, r"not in labels: \['fea'\]"),
        ({"validation": "random"}, "validation must be None or 'next'"),
    ],
)
def test_evaluate_sessions_input_errors(features, kwargs, message):
    X, y, groups = features
    arguments = {"y": y, "groups": groups, **kwargs}
    if "fea" in message:
        arguments["labels"] = ["ang", "hap", "neu", "sad"]
    with pytest.raises(ValueError, match=message):
        evaluate_sessions(_Recorder(), X, **arguments)


# -- the report --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(features):
    X, y, groups = features
    return evaluate_sessions(
        make_pipeline(StandardScaler(), LogisticRegression(C=0.3)), X, y, groups
    )


def test_report_maths(report, features):
    _, y, groups = features
    labels = ["ang", "hap", "neu", "sad"]
    assert report.labels.tolist() == labels
    np.testing.assert_array_equal(
        report.confusion_matrix, confusion_matrix(y, report.y_pred, labels=labels)
    )
    np.testing.assert_allclose(report.normalized_confusion_matrix.sum(axis=1), 1.0)
    for fold in report.folds:
        mask = groups == fold.test_group
        np.testing.assert_array_equal(fold.test_index, np.flatnonzero(mask))
        assert fold.wa == pytest.approx(accuracy_score(y[mask], report.y_pred[mask]))
        assert fold.ua == pytest.approx(balanced_accuracy_score(y[mask], report.y_pred[mask]))
        assert fold.macro_f1 == pytest.approx(
            f1_score(y[mask], report.y_pred[mask], average="macro")
        )
        np.testing.assert_array_equal(report.test_fold[mask], fold.fold)
    scores = report.scores
    for name in ("wa", "ua", "macro_f1", "f1_ang"):
        assert scores[name].shape == (4,)
        assert report.mean[name] == pytest.approx(np.mean(scores[name]))
        assert report.std[name] == pytest.approx(np.std(scores[name]))
    assert report.pooled["wa"] == pytest.approx(accuracy_score(y, report.y_pred))
    recall = np.diag(report.normalized_confusion_matrix)
    np.testing.assert_allclose(list(report.per_class_recall.values()), recall)


def test_report_markdown(report):
    text = report.to_markdown()
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| fold"))
    assert header.split(" | ")[4:7] == ["WA %", "UA %", "macro-F1 %"]
    for fold in report.folds:
        row = next(line for line in lines if line.startswith(f"| {fold.fold} | {fold.test_group}"))
        assert f"| {100 * fold.ua:.1f} |" in row
    mean_row = next(line for line in lines if line.startswith("| mean ± std"))
    assert f"{100 * report.mean['ua']:.1f} ± {100 * report.std['ua']:.1f}" in mean_row
    counts = report.confusion_matrix
    ang_row = next(line for line in lines if line.startswith("| ang |"))
    assert ang_row == "| ang | " + " | ".join(str(c) for c in counts[0]) + " |"


def test_report_frame(report):
    frame = report.to_frame()
    assert list(frame.index) == [0, 1, 2, 3]
    np.testing.assert_allclose(frame["ua"], report.scores["ua"])
    np.testing.assert_allclose(frame["f1_sad"], report.scores["f1_sad"])
    assert frame["test_group"].tolist() == [0, 1, 2, 3]
    assert frame["val_group"].tolist() == [1, 2, 3, 0]
    assert (frame["n_test"] == 12).all() and (frame["n_val"] == 12).all()
    clips = report.to_frame(per="clip")
    np.testing.assert_array_equal(clips["y_pred"], report.y_pred)
    np.testing.assert_array_equal(clips["fold"], report.test_fold)
    with pytest.raises(ValueError, match="per must be"):
        report.to_frame(per="speaker")


def test_report_text(report):
    text = str(report)
    assert text.startswith("Leave-one-session-out: Pipeline, 4 folds, validation on the next")
    assert f"UA        {100 * report.mean['ua']:5.1f} ± {100 * report.std['ua']:.1f} %" in text
    assert repr(report).startswith("SessionReport(n_folds=4, n_clips=48, wa=")


@pytest.mark.parametrize("normalize", [True, False])
def test_plot_confusion_matrix(report, normalize):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        out = report.plot_confusion_matrix(ax, normalize=normalize)
        assert out is ax
        assert [t.get_text() for t in ax.get_xticklabels()] == ["ang", "hap", "neu", "sad"]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["ang", "hap", "neu", "sad"]
        matrix = report.normalized_confusion_matrix if normalize else report.confusion_matrix
        shown = np.array(ax.images[0].get_array())
        np.testing.assert_allclose(shown, matrix)
        texts = [t.get_text() for t in ax.texts]
        assert texts[0] == (f"{matrix[0, 0]:.2f}" if normalize else str(matrix[0, 0]))
    finally:
        plt.close(fig)
    new_ax = report.plot_confusion_matrix()
    assert new_ax.get_title().startswith("Confusion matrix")
    plt.close(new_ax.figure)


# -- cross-corpus ------------------------------------------------------------------------


def _one_nearest_neighbour_setup():
    """Training points 0..3 = ang, hap, neu, sad; a test point x is predicted as class x."""
    X_train = np.arange(4.0)[:, np.newaxis]
    y_train = np.array(["ang", "hap", "neu", "sad"])
    #              ang ang ang hap hap neu neu neu sad sad
    y_test = np.array(["ang"] * 3 + ["hap"] * 2 + ["neu"] * 3 + ["sad"] * 2)
    predicted = np.array([0, 1, 2, 1, 3, 2, 3, 0, 3, 1])  # ang hap neu hap sad neu sad ang..
    return X_train, y_train, predicted[:, np.newaxis].astype(float), y_test


def test_cross_corpus_arousal_matrix_by_hand():
    X_train, y_train, X_test, y_test = _one_nearest_neighbour_setup()
    report = evaluate_cross_corpus(
        KNeighborsClassifier(n_neighbors=1), (X_train, y_train), (X_test, y_test)
    )
    names = np.array(["ang", "hap", "neu", "sad"])
    np.testing.assert_array_equal(report.y_pred, names[X_test[:, 0].astype(int)])
    view = report.arousal
    assert view.levels == ("high", "low")
    # True high (ang, ang, ang, hap, hap) -> predicted ang hap neu | hap sad: high 3, low 2.
    # True low (neu, neu, neu, sad, sad) -> predicted neu sad ang | sad hap: high 2, low 3.
    np.testing.assert_array_equal(view.confusion_matrix, [[3, 2], [2, 3]])
    assert view.recall == {"high": pytest.approx(0.6), "low": pytest.approx(0.6)}
    assert view.accuracy == pytest.approx(0.6)
    assert view.per_class_recall == pytest.approx(
        {"ang": 1 / 3, "hap": 1 / 2, "neu": 1 / 3, "sad": 1 / 2}
    )
    np.testing.assert_allclose(view.normalized_confusion_matrix, [[0.6, 0.4], [0.4, 0.6]])
    assert report.n_folds == 1 and report.folds[0].test_group == "test"
    assert report.mean["wa"] == pytest.approx(4 / 10)
    assert "Arousal" in str(report) and "| high | 3 | 2 |" in report.to_markdown()


def test_cross_corpus_arousal_mapping_is_a_parameter():
    X_train, y_train, X_test, y_test = _one_nearest_neighbour_setup()
    model = KNeighborsClassifier(n_neighbors=1)
    valence = {"ang": "negative", "hap": "positive", "neu": "neutral", "sad": "negative"}
    view = evaluate_cross_corpus(
        model, (X_train, y_train), (X_test, y_test), arousal=valence
    ).arousal
    assert view.levels == ("negative", "positive", "neutral")
    assert view.confusion_matrix.sum() == 10
    assert (
        evaluate_cross_corpus(model, (X_train, y_train), (X_test, y_test), arousal=False).arousal
        is None
    )
    with pytest.raises(ValueError, match=r"no level for the classes \['sad'\]"):
        evaluate_cross_corpus(
            model,
            (X_train, y_train),
            (X_test, y_test),
            arousal={"ang": "h", "hap": "h", "neu": "l"},
        )
    assert AROUSAL == {"ang": "high", "hap": "high", "neu": "low", "sad": "low"}
    # Other classes: no arousal view by default.
    other = evaluate_cross_corpus(model, (X_train, np.arange(4)), (X_test, np.arange(10) % 4))
    assert other.arousal is None


def test_cross_corpus_hands_over_the_validation_set(features):
    X, y, groups = features
    report = evaluate_cross_corpus(
        _ValidationRecorder(),
        (X[groups < 2], y[groups < 2]),
        (X[groups == 3], y[groups == 3]),
        validation=(X[groups == 2], y[groups == 2]),
        return_estimator=True,
    )
    model = report.folds[0].estimator
    np.testing.assert_array_equal(model.X_val_, X[groups == 2])
    np.testing.assert_array_equal(model.X_fit_, X[groups < 2])
    assert report.folds[0].used_validation and report.folds[0].n_val == 12


# -- parallel runs -----------------------------------------------------------------------


def test_threads_and_progress_bar_give_the_same_report(features, report, capsys):
    X, y, groups = features
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.3))
    with joblib.parallel_backend("threading", n_jobs=2):
        threaded = evaluate_sessions(model, X, y, groups, verbose=True)
    np.testing.assert_array_equal(threaded.y_pred, report.y_pred)
    assert "sessions" in capsys.readouterr().err


@pytest.mark.slow
def test_dask_cluster_gives_the_same_report(speech):
    distributed = pytest.importorskip("distributed")
    X, y, groups = speech
    sequential = evaluate_sessions(feature_pipeline(), X, y, groups)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with distributed.get_task_stream(client) as tasks:
            with joblib.parallel_backend("dask"):
                on_dask = evaluate_sessions(feature_pipeline(), X, y, groups)
        assert len(client.scheduler_info()["workers"]) == 2
        assert len(tasks.data) >= 4  # the folds ran on the cluster
    np.testing.assert_array_equal(on_dask.y_pred, sequential.y_pred)
    for name in ("wa", "ua", "macro_f1"):
        np.testing.assert_allclose(on_dask.scores[name], sequential.scores[name])
    np.testing.assert_array_equal(on_dask.confusion_matrix, sequential.confusion_matrix)


# -- real speech -------------------------------------------------------------------------


@pytest.mark.real_data
def test_ravdess_sessions_from_paths(ravdess_root):
    from skser.datasets import load_ravdess

    data = load_ravdess(ravdess_root)
    keep = np.isin(data.groups, ["ravdess:01", "ravdess:02", "ravdess:03", "ravdess:04"])
    with_loader = make_pipeline(AudioLoader(), *[step for _, step in feature_pipeline().steps])
    report = evaluate_sessions(
        with_loader,
        data.filenames[keep],
        data.target[keep],
        data.groups[keep],
        speakers=data.speakers[keep],
    )
    assert isinstance(report, SessionReport)
    assert [fold.test_group for fold in report.folds] == [
        "ravdess:01", "ravdess:02", "ravdess:03", "ravdess:04"
    ]
    assert report.confusion_matrix.sum() == keep.sum()
    assert report.pooled["ua"] > 0.3  # four classes: chance is 0.25


@pytest.mark.real_data
def test_ravdess_with_emodb_as_extra_training_data_is_no_leak(ravdess_root, emodb_root):
    """Real corpora with their loaders' ids: RAVDESS actor 03 is not EmoDB speaker 03."""
    from skser.datasets import load_emodb, load_ravdess

    ravdess, emodb = load_ravdess(ravdess_root), load_emodb(emodb_root)
    keep = np.isin(ravdess.groups, ["ravdess:01", "ravdess:02", "ravdess:03"])
    extra = np.isin(emodb.speakers, ["emodb:03", "emodb:08"])
    raw = {str(s).split(":")[1] for s in ravdess.speakers[keep]}
    assert raw & {str(s).split(":")[1] for s in emodb.speakers[extra]}  # "03" in both
    loader = AudioLoader(max_duration=3.0)
    X, X_extra = loader.transform(ravdess.filenames[keep]), loader.transform(emodb.filenames[extra])
    pipe = make_pipeline(AudioLoader(), *[step for _, step in feature_pipeline().steps])
    report = evaluate_sessions(
        pipe, X, ravdess.target[keep], ravdess.groups[keep], speakers=ravdess.speakers[keep],
        extra_train=(X_extra, emodb.target[extra], emodb.speakers[extra]),
    )
    assert report.n_folds == 3
    assert all(fold.n_train == 28 + int(extra.sum()) for fold in report.folds)  # one actor
    cross = evaluate_cross_corpus(
        pipe, (X_extra, emodb.target[extra], emodb.speakers[extra]),
        (X, ravdess.target[keep], ravdess.speakers[keep]),
    )
    assert cross.confusion_matrix.sum() == keep.sum()
    # The guard is live on the same data: an EmoDB clip filed under a RAVDESS id leaks.
    n = int(keep.sum())
    with pytest.raises(
        ValueError,
        match=rf"fold 3 \(test group 'ravdess:99'\): .* extra_train's X\[0\] \('emodb:03'\) "
        rf"has the samples of X\[{n}\] \('ravdess:99'\)",
    ):
        evaluate_sessions(
            pipe, [*X, X_extra[0]],
            np.append(ravdess.target[keep], emodb.target[extra][0]),
            np.append(ravdess.groups[keep], "ravdess:99"),
            extra_train=(X_extra, emodb.target[extra], emodb.speakers[extra]),
        )


def test_validation_goes_through_scikit_learns_routing(features):
    """fit_with_validation is scikit-learn's Pipeline(transform_input=["X_val"]) under
    metadata routing: the same fit done by hand gives the same validation rows."""
    import sklearn

    X, y, groups = features
    train, val = groups < 2, groups == 3
    helper = fit_with_validation(
        Pipeline([("scale", StandardScaler()), ("clf", _ValidationRecorder())]),
        X[train], y[train], X_val=X[val], y_val=y[val],
    )
    assert helper.transform_input is None  # put back: a plain fit still works
    helper.fit(X[train], y[train])
    helper = fit_with_validation(helper, X[train], y[train], X_val=X[val], y_val=y[val])
    with sklearn.config_context(enable_metadata_routing=True):
        clf = _ValidationRecorder().set_fit_request(X_val=True, y_val=True)
        by_hand = Pipeline([("scale", StandardScaler()), ("clf", clf)],
                           transform_input=["X_val"])
        by_hand.fit(X[train], y[train], X_val=X[val], y_val=y[val])
    np.testing.assert_allclose(helper["clf"].X_val_, by_hand["clf"].X_val_)
    np.testing.assert_allclose(by_hand["clf"].X_val_, by_hand["scale"].transform(X[val]))


def test_focal_loss_classifier_requests_the_validation_set():
    import sklearn

    from skser.classification import FocalLossClassifier

    with sklearn.config_context(enable_metadata_routing=True):
        requests = FocalLossClassifier().get_metadata_routing().fit.requests
    assert requests["X_val"] is True and requests["y_val"] is True


def test_cross_validate_routes_groups_to_the_session_splitter(features):
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_validate

    X, y, groups = features
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_validate(LogisticRegression(), X, y, cv=LeaveOneSessionOut(),
                                params={"groups": groups}, return_indices=True)
    plain = cross_validate(LogisticRegression(), X, y, cv=LeaveOneSessionOut(),
                           groups=groups, return_indices=True)
    np.testing.assert_allclose(routed["test_score"], plain["test_score"])
    for test in routed["indices"]["test"]:
        assert len(np.unique(groups[test])) == 1  # one session per fold


def test_a_refused_clip_is_named_by_its_index_in_x_and_its_group():
    # Was "fitting failed in fold 0 ...: clip 4 has 0", an index into the fold's rows.
    from skser.embedding import AcousticEmbedder
    from skser.preprocessing import Trimmer

    X, y, groups = make_emotional_speech(n_speakers=3, n_clips_per_class=2, random_state=0)
    speakers = np.array([f"spk-{g}" for g in groups])
    X[20] = 0.0
    X[13, 500] = np.nan
    estimator = make_pipeline(Trimmer(top_db=20), AcousticEmbedder(), LogisticRegression())
    with pytest.raises(ValueError, match=(
        rf"^fitting failed in fold 0 \(test group '{groups[0]}'\): 2 clip\(s\) cannot be "
        r"embedded by AcousticEmbedder, which needs at least 640 samples \(40 ms\) per clip: "
        rf"X\[13\] \(group '{groups[13]}', speaker 'spk-{groups[13]}'\): contains NaN or inf "
        rf"values \(1 of its \d+ samples\); X\[20\] \(group '{groups[20]}', speaker "
        rf"'spk-{groups[20]}'\) is silent \(0 samples once preprocessed\)\. Leave them out, "
        "trim less")):
        evaluate_sessions(estimator, X, y, groups, speakers=speakers)
    # Clips of extra_train are named as its own, with its speakers.
    X[13, 500] = 0.1
    X_extra, y_extra, _ = make_emotional_speech(n_speakers=1, n_clips_per_class=2,
                                                random_state=5)
    X_extra[5, 300:] = 0.0
    extra = (X_extra, y_extra, np.array(["other"] * len(y_extra)))
    with pytest.raises(ValueError, match=r"2 clip\(s\) cannot be embedded.*: X\[20\] .*silent.*; "
                       r"extra_train's X\[5\] \(speaker 'other'\) has \d+ samples once"):
        evaluate_sessions(estimator, X, y, groups, extra_train=extra)


def _refuse_every_batch(X):
    raise ValueError("this step refuses every batch")


def test_a_step_that_fails_on_every_clip_keeps_its_own_message():
    # Not "24 clip(s) cannot be embedded": the clips are not at fault.
    from skser.embedding import AcousticEmbedder

    X, y, groups = make_emotional_speech(n_speakers=3, n_clips_per_class=2, random_state=0)
    estimator = make_pipeline(FunctionTransformer(_refuse_every_batch), AcousticEmbedder(),
                              LogisticRegression())
    with pytest.raises(ValueError, match=r"^fitting failed in fold 0 \(test group '[^']+'\): "
                                         "this step refuses every batch$"):
        evaluate_sessions(estimator, X, y, groups)
