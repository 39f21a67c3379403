"""Speaker adaptation: SpeakerNormalizer, enrollment statistics, the adapted protocol, ONNX."""

import json
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.model_selection import evaluate_sessions, fit_with_validation
from skser.preprocessing import (
    SpeakerAdaptationWarning,
    SpeakerNormalizer,
    SpeakerStats,
    enroll_speaker,
    load_speaker_stats,
    make_speaker_adapted,
    save_speaker_stats,
)

LABELS = np.array(["ang", "hap", "neu", "sad"])


def routing():
    return sklearn.config_context(enable_metadata_routing=True)


def speaker_features(n_speakers=6, n_per_class=10, n_features=5, seed=0):
    """Features whose class signal is small next to each speaker's own offset and scale."""
    rng = np.random.default_rng(seed)
    y = np.tile(LABELS, n_speakers * n_per_class)
    speakers = np.repeat([f"s{i}" for i in range(n_speakers)], 4 * n_per_class)
    index = np.repeat(np.arange(n_speakers), 4 * n_per_class)
    signal = (y[:, None] == np.array(["ang", "hap", "neu", "sad", "ang"])).astype(float)
    offset = rng.normal(scale=3.0, size=(n_speakers, n_features))[index]
    gain = rng.uniform(0.5, 3.0, size=(n_speakers, n_features))[index]
    X = (rng.normal(size=(len(y), n_features)) + 1.5 * signal) * gain + offset
    return X, y, speakers


# -- SpeakerStats ------------------------------------------------------------------------


def test_online_updates_equal_one_pass_statistics():
    rng = np.random.default_rng(1)
    E = rng.normal(loc=100.0, scale=0.01, size=(37, 4))  # a large mean tests the merge's care
    stats = SpeakerStats.from_embeddings(E[:3])
    for start, stop in [(3, 4), (4, 20), (20, 37)]:
        stats = stats.update(E[start:stop])
    assert stats.count == 37
    np.testing.assert_allclose(stats.mean, E.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.std, E.std(axis=0), rtol=1e-8)
    merged = SpeakerStats.from_embeddings(E[:10]).merge(SpeakerStats.from_embeddings(E[10:]))
    np.testing.assert_allclose(merged.m2, stats.m2, rtol=1e-8)


def test_stats_json_round_trip_and_checks(tmp_path):
    rng = np.random.default_rng(2)
    stats = {"alice": SpeakerStats.from_embeddings(rng.normal(size=(5, 3))),
             7: SpeakerStats.from_embeddings(rng.normal(size=(2, 3)))}
    path = save_speaker_stats(stats, tmp_path / "sub" / "stats.json", feature_space="E (3)")
    loaded = load_speaker_stats(path, feature_space="E (3)", n_features=3)
    assert sorted(loaded) == ["7", "alice"]
    np.testing.assert_array_equal(loaded["alice"].mean, stats["alice"].mean)
    assert loaded["7"].count == 2
    with pytest.raises(ValueError, match="another embedder"):
        load_speaker_stats(path, feature_space="F (3)")
    with pytest.raises(ValueError, match="3 features; this model's embeddings have 4"):
        load_speaker_stats(path, n_features=4)
    (tmp_path / "bad.json").write_text(json.dumps({"speakers": {}}))
    with pytest.raises(ValueError, match="not a skser speaker statistics file"):
        load_speaker_stats(tmp_path / "bad.json")
    with pytest.raises(FileNotFoundError, match="nope.json"):
        load_speaker_stats(tmp_path / "nope.json")
    with pytest.raises(ValueError, match="different embedders"):
        stats["alice"].merge(SpeakerStats.from_embeddings(np.zeros((2, 4))))
    with pytest.raises(ValueError, match="NaN or inf"):
        SpeakerStats(2, [np.nan, 0.0], [0.0, 0.0])



@pytest.mark.parametrize(
    "change, message",
    [
        ({"count": 2.5}, "whole number of clips \\(0 or more\\), got 2.5"),
        ({"count": "two"}, "whole number of clips \\(0 or more\\), got 'two'"),
        ({"count": True}, "whole number of clips"),
        ({"count": 0}, "a count of 0 clips"),
        ({"mean": [[0.1, 0.2, 0.3]]}, "mean must be a flat list"),
        ({"mean": ["x", 0.0, 0.0]}, "mean must be a list of numbers"),
        ({"m2": [-1.0, 0.0, 0.0]}, "m2 >= 0"),
        ({"mean": [1e300, 0.0, 0.0]}, "beyond 1e\\+30"),
        ({"version": 99}, "version 99; this skser reads versions 1 to 1"),
    ],
)
def test_a_garbled_stats_file_names_the_file_and_the_speaker(change, message, tmp_path):
    stats = {"alice": SpeakerStats.from_embeddings(np.random.default_rng(0).normal(size=(4, 3)))}
    path = save_speaker_stats(stats, tmp_path / "stats.json")
    document = json.loads(path.read_text())
    if "version" in change:
        document.update(change)
    else:
        document["speakers"]["alice"].update(change)
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=message) as caught:
        load_speaker_stats(path)
    if "version" not in change:
        assert str(path) in str(caught.value) and "'alice'" in str(caught.value)


# -- SpeakerNormalizer -------------------------------------------------------------------


def test_each_training_speaker_is_standardised_by_its_own_statistics():
    X, _, speakers = speaker_features()
    with routing():
        Z = SpeakerNormalizer().set_fit_request(speakers=True).fit_transform(X, speakers=speakers)
    for speaker in np.unique(speakers):
        rows = Z[speakers == speaker]
        np.testing.assert_allclose(rows.mean(axis=0), 0, atol=1e-10)
        np.testing.assert_allclose(rows.std(axis=0), 1, atol=1e-10)


def test_output_is_invariant_to_each_speakers_offset_and_gain():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    speakers = np.repeat(["a", "b"], 20)
    moved = X.copy()
    moved[speakers == "b"] = 4.0 * moved[speakers == "b"] - 7.0
    normalizer = SpeakerNormalizer().fit(X, speakers=speakers)
    np.testing.assert_allclose(normalizer.transform(X, speakers=speakers),
                               normalizer.transform(moved, speakers=speakers), atol=1e-10)


def test_unseen_speaker_uses_own_clips_enrolled_or_global():
    X, _, speakers = speaker_features()
    normalizer = SpeakerNormalizer(min_clips=3).fit(X, speakers=speakers)
    rng = np.random.default_rng(4)
    new = rng.normal(loc=50.0, scale=2.0, size=(6, X.shape[1]))
    own = normalizer.transform(new, speakers=["new"] * 6)
    np.testing.assert_allclose(own, (new - new.mean(0)) / new.std(0), atol=1e-10)
    enrolled = SpeakerStats.from_embeddings(new[:3])
    by_stats = normalizer.transform(new, speakers=["new"] * 6, speaker_stats={"new": enrolled})
    np.testing.assert_allclose(by_stats, (new - enrolled.mean) / enrolled.std, atol=1e-10)
    single = normalizer.transform(new, speaker_stats=enrolled)  # one speaker, every clip
    np.testing.assert_allclose(single, by_stats)
    training = normalizer.transform(X[:2], speakers=speakers[:2])  # too few: training stats
    fitted = normalizer.speaker_stats_[speakers[0]]
    np.testing.assert_allclose(training, (X[:2] - fitted.mean) / fitted.std, atol=1e-10)
    with pytest.warns(SpeakerAdaptationWarning):
        _, _, sources = normalizer.statistics_for(new[:2], speakers=["x", "x"])
    assert sources == {"x": "global"}
    with pytest.warns(SpeakerAdaptationWarning, match=r"'x' \(2 clip\(s\)\).*min_clips=3"):
        few = normalizer.transform(new[:2], speakers=["x", "x"])
    np.testing.assert_allclose(few, (new[:2] - normalizer.mean_) / normalizer.scale_)


def test_without_speakers_it_standardises_globally_and_warns():
    X, _, _ = speaker_features()
    with pytest.warns(SpeakerAdaptationWarning, match="got no speakers.*metadata routing"):
        Z = SpeakerNormalizer().fit_transform(X)
    np.testing.assert_allclose(Z, StandardScaler().fit_transform(X), atol=1e-10)


@pytest.mark.parametrize(
    ("speakers", "match"),
    [(["a"] * 3, "one id per clip"), ([None, "a", "a", "a"], "no id for clips \\[0\\]")],
)
def test_bad_speakers_raise(speakers, match):
    with pytest.raises(ValueError, match=match):
        SpeakerNormalizer().fit(np.ones((4, 2)), speakers=speakers)


def test_enrolled_stats_of_another_width_raise():
    normalizer = SpeakerNormalizer().fit(np.eye(4), speakers=list("aabb"))
    with pytest.raises(ValueError, match="3 features; the embeddings have 4"):
        normalizer.transform(np.eye(4), speaker_stats=SpeakerStats.from_embeddings(np.eye(3)))


def test_speakers_reach_the_normalizer_through_pipeline_routing():
    X, y, speakers = speaker_features()
    pipe = make_speaker_adapted(make_pipeline(StandardScaler(), LogisticRegression()))
    with routing():
        pipe.fit(X, y, speakers=speakers)
        routed = pipe.predict_proba(X[:40], speakers=speakers[:40])
    normalizer = pipe.named_steps["speakernormalizer"]
    assert sorted(normalizer.speaker_stats_) == sorted(np.unique(speakers))
    Z = normalizer.transform(pipe[:1].transform(X[:40]), speakers=speakers[:40])
    np.testing.assert_allclose(routed, pipe[-1].predict_proba(Z))
    with pytest.warns(SpeakerAdaptationWarning):
        pipe.predict_proba(X[:40])  # routing off: no speakers reach it


class _RecordsValidation(ClassifierMixin, BaseEstimator):
    """Keeps the validation rows it was handed (to see how they were transformed)."""

    def fit(self, X, y, X_val=None, y_val=None):
        self.classes_, self.X_val_ = np.unique(y), X_val
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_validation_rows_are_standardised_by_the_validation_speaker():
    X, y, speakers = speaker_features()
    train, val = speakers != "s5", speakers == "s5"
    pipe = make_speaker_adapted(_RecordsValidation())
    with routing():
        fit_with_validation(pipe, X[train], y[train], X_val=X[val], y_val=y[val],
                            params={"speakers": speakers[train]},
                            val_params={"speakers": speakers[val]})
    X_val = pipe[-1].X_val_
    np.testing.assert_allclose(X_val, (X[val] - X[val].mean(0)) / X[val].std(0), atol=1e-10)


# -- the adapted protocol ----------------------------------------------------------------


def test_adapted_protocol_removes_speaker_offsets_and_says_so():
    pytest.importorskip("pandas")
    X, y, speakers = speaker_features()
    report = evaluate_sessions(LogisticRegression(max_iter=1000), X, y, speakers,
                               adapt="speaker")
    adapted = report.adapted
    assert (report.protocol, adapted.protocol) == ("plain", "speaker")
    assert adapted.mean["ua"] > report.mean["ua"] + 0.1
    assert [f.test_group for f in adapted.folds] == [f.test_group for f in report.folds]
    text = str(report)
    assert "protocol: plain (no speaker adaptation)" in text
    assert "protocol: speaker-adapted, transductive" in text
    assert f"UA plain {100 * report.mean['ua']:.1f} %, speaker-adapted" in text
    markdown = report.to_markdown()
    assert "Protocol: plain" in markdown and "Protocol: speaker-adapted" in markdown
    frame = report.to_frame()
    assert frame["protocol"].tolist() == ["plain"] * 6 + ["speaker"] * 6
    np.testing.assert_allclose(frame.loc[frame.protocol == "speaker", "ua"],
                               adapted.scores["ua"])
    assert repr(adapted).endswith("protocol='speaker')")


def test_adapted_protocol_with_validation_and_extra_training_data():
    X, y, speakers = speaker_features(n_speakers=5)
    X_extra, y_extra, extra_speakers = speaker_features(n_speakers=2, seed=9)
    from skser.classification import FocalLossClassifier

    pipe = make_pipeline(StandardScaler(), FocalLossClassifier(max_iter=3, random_state=0))
    with pytest.raises(ValueError, match="pass extra_train=\\(X_extra, y_extra, speakers"):
        evaluate_sessions(pipe, X, y, speakers, extra_train=(X_extra, y_extra),
                          adapt="speaker")
    with pytest.raises(ValueError, match="adapt must be None or 'speaker'"):
        evaluate_sessions(pipe, X, y, speakers, adapt="session")
    report = evaluate_sessions(
        pipe, X, y, speakers, adapt="speaker", return_estimator=True,
        extra_train=(X_extra, y_extra, np.char.add("extra:", extra_speakers)),
    )
    fold = report.adapted.folds[0]
    assert fold.used_validation and fold.n_train == report.folds[0].n_train
    normalizer = fold.estimator.named_steps["speakernormalizer"]
    assert {"extra:s0", "extra:s1", "s2"} <= set(normalizer.speaker_stats_)
    assert fold.test_group not in normalizer.speaker_stats_


# -- enrollment and ONNX -----------------------------------------------------------------


@pytest.fixture(scope="module")
def adapted_waveform_pipeline():
    from skser.datasets import make_emotional_speech
    from skser.embedding import AcousticEmbedder

    X, y, speakers = make_emotional_speech(n_speakers=3, n_clips_per_class=3, random_state=0)
    pipe = make_speaker_adapted(
        make_pipeline(AcousticEmbedder(), LogisticRegression(max_iter=500)), min_clips=3
    )
    with routing():
        pipe.fit(X, y, speakers=speakers.astype(str))
    X_new, _, new = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=1)
    return pipe, X_new, np.char.add("new-", new.astype(str))


def test_enrollment_from_a_few_clips_then_online(adapted_waveform_pipeline):
    pipe, X, _ = adapted_waveform_pipeline
    embeddings = pipe[:-2].transform(X)
    stats = enroll_speaker(pipe, X[:3])
    stats = enroll_speaker(pipe, X[3:8], stats=stats)
    assert stats.count == 8
    np.testing.assert_allclose(stats.mean, embeddings[:8].mean(axis=0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(stats.std, embeddings[:8].std(axis=0), rtol=1e-5, atol=1e-9)
    with pytest.raises(ValueError, match="has no SpeakerNormalizer"):
        enroll_speaker(make_pipeline(LogisticRegression()), X)


def test_onnx_export_takes_speaker_statistics(adapted_waveform_pipeline):
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    from skser.export import OnnxPipeline, to_onnx

    pipe, X, speakers = adapted_waveform_pipeline
    model = to_onnx(pipe)
    assert [i.name for i in model.graph.input] == ["waveforms", "speaker_mean", "speaker_scale"]
    assert [o.name for o in model.graph.output] == ["label", "probabilities", "embeddings"]
    runtime = OnnxPipeline(model)
    assert runtime.speaker_adaptation_["min_clips"] == 3
    with routing():
        transductive = pipe.predict_proba(X, speakers=speakers)
        stats = enroll_speaker(pipe, X[:4])
        enrolled = pipe.predict_proba(X, speakers=speakers, speaker_stats={speakers[0]: stats})
    np.testing.assert_allclose(runtime.predict_proba(X, speakers=speakers), transductive,
                               atol=1e-4)
    onnx_stats = enroll_speaker(runtime, X[:4])
    np.testing.assert_allclose(onnx_stats.mean, stats.mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        runtime.predict_proba(X, speakers=speakers, speaker_stats={speakers[0]: onnx_stats}),
        enrolled, atol=1e-4,
    )
    assert not np.allclose(transductive, enrolled, atol=1e-3)  # the stats change the answer
    # A device feeds an enrolled speaker's statistics to the one graph, in one call.
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    with routing():
        expected = pipe.predict_proba(X[:3], speaker_stats=stats)
    (probabilities,) = session.run(["probabilities"], {
        "waveforms": X[:3],
        "speaker_mean": stats.mean[None].astype(np.float32),
        "speaker_scale": stats.std[None].astype(np.float32),
    })
    np.testing.assert_allclose(probabilities, expected, atol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpeakerAdaptationWarning)
        plain = pipe.predict_proba(X)
    with pytest.warns(SpeakerAdaptationWarning, match="OnnxPipeline got no speakers"):
        np.testing.assert_allclose(runtime.predict_proba(X), plain, atol=1e-4)


def test_onnx_model_without_normalizer_refuses_speakers(adapted_waveform_pipeline):
    pytest.importorskip("onnxruntime")
    from skser.export import OnnxPipeline, to_onnx

    pipe, X, speakers = adapted_waveform_pipeline
    plain = make_pipeline(pipe[0], pipe[-1])
    runtime = OnnxPipeline(to_onnx(plain))
    with pytest.raises(ValueError, match="has no SpeakerNormalizer"):
        runtime.predict(X, speakers=speakers)
    with pytest.raises(ValueError, match="no embeddings output"):
        runtime.embed(X)


def test_int8_export_keeps_the_speaker_inputs(adapted_waveform_pipeline):
    pytest.importorskip("onnxruntime")
    from skser.classification import FocalLossClassifier
    from skser.export import OnnxPipeline, to_onnx

    fitted, X, speakers = adapted_waveform_pipeline
    pipe = make_speaker_adapted(
        make_pipeline(fitted[0], FocalLossClassifier(max_iter=5, random_state=0)), min_clips=3
    )
    with routing():
        pipe.fit(X, np.tile(LABELS, len(X) // 4), speakers=speakers)
    runtime = OnnxPipeline(to_onnx(pipe, quantize="int8", calibration=X))
    assert runtime.metadata_["quantization"] == "int8-static"
    with routing():
        expected = pipe.predict_proba(X, speakers=speakers)
    got = runtime.predict_proba(X, speakers=speakers)
    assert np.mean(got.argmax(axis=1) == expected.argmax(axis=1)) >= 0.9
    assert np.abs(got - expected).max() < 0.1


def test_statistics_of_too_few_clips_are_never_used():
    """One clip has no spread: it would zero every row, or divide raw features by 1."""
    X, _, speakers = speaker_features()
    with pytest.raises(ValueError, match="min_clips"):
        SpeakerNormalizer(min_clips=1).fit(X, speakers=speakers)
    normalizer = SpeakerNormalizer(min_clips=3)
    lone = np.vstack([X, X[:1] + 1.0])
    with pytest.warns(SpeakerAdaptationWarning, match=r"'lone' \(1 clip\(s\)\)"):
        Z = normalizer.fit_transform(lone, speakers=[*speakers, "lone"])
    assert "lone" not in normalizer.speaker_stats_
    np.testing.assert_allclose(Z[-1], (lone[-1] - normalizer.mean_) / normalizer.scale_)
    assert np.abs(Z[-1]).max() > 0  # not the all-zero row of its own statistics
    two = SpeakerStats.from_embeddings(X[:2])
    with pytest.raises(ValueError, match=r"speaker_stats\['b'\] holds the statistics of 2 "
                                         r"clip\(s\).*min_clips=3"):
        normalizer.transform(X[:4], speakers=["b"] * 4, speaker_stats={"b": two})
    with pytest.raises(ValueError, match="holds the statistics of 2 clip"):
        normalizer.transform(X[:4], speaker_stats=two)
