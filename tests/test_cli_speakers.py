"""The speaker-adaptation side of the ``skser`` command: --adapt, --speakers, enroll."""

import csv
import json

import joblib
import numpy as np
import pytest
import sklearn

from skser.cli import main
from skser.datasets import make_emotional_speech
from skser.preprocessing import load_speaker_stats

from .conftest import write_audio

SMALL = ["--speakers", "4", "--clips-per-class", "3"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli_speakers")


@pytest.fixture(scope="module")
def adapted_model(workdir):
    model = workdir / "adapted.joblib"
    assert main(["train", *SMALL, "--adapt", "speaker", "--cache", str(workdir / "cache"),
                 "--out", str(model)]) == 0
    return model


@pytest.fixture(scope="module")
def speaker_files(workdir):
    """Files of two unseen speakers, and a speakers CSV naming them relative to its folder."""
    X, y, speakers = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=7)
    files, ids = [], []
    table = workdir / "speakers.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "speaker"])
        for index, (clip, label, speaker) in enumerate(zip(X, y, speakers)):
            path = write_audio(workdir / f"clip{index}_{label}.wav", clip[clip != 0])
            new_id = f"new-{int(str(speaker).split(':')[-1])}"  # synthetic:01 -> new-1
            writer.writerow([path.name, new_id])
            files.append(str(path))
            ids.append(new_id)
    return files, np.asarray(ids), table


def predict_with_speakers_csv(model, files, table, capsys):
    """``skser predict MODEL FILES --speakers CSV --json``: its rows."""
    assert main(["predict", str(model), *files, "--speakers", str(table), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def routed(pipe, method, files, **metadata):
    """``pipe.method(files, **metadata)`` with metadata routing on."""
    with sklearn.config_context(enable_metadata_routing=True):
        return getattr(pipe, method)(files, **metadata)


def test_train_adapt_saves_a_speaker_adapted_pipeline(adapted_model):
    pipe = joblib.load(adapted_model)
    normalizer = pipe.named_steps["speakernormalizer"]
    _, _, speakers = make_emotional_speech(n_speakers=4, n_clips_per_class=3, random_state=0)
    assert sorted(normalizer.speaker_stats_) == sorted(set(speakers))[:3]  # the 4th validated


def test_predict_with_speakers_csv_matches_the_routed_pipeline(adapted_model, speaker_files,
                                                               capsys):
    files, ids, table = speaker_files
    rows = predict_with_speakers_csv(adapted_model, files, table, capsys)
    pipe = joblib.load(adapted_model)
    expected = routed(pipe, "predict_proba", files, speakers=ids)
    got = np.array([[row["probabilities"][c] for c in pipe.classes_] for row in rows])
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_predict_speakers_errors(adapted_model, speaker_files, workdir, capsys):
    files, _, table = speaker_files
    other = write_audio(workdir / "unlisted.wav", np.full(8000, 0.1, dtype=np.float32))
    assert main(["predict", str(adapted_model), str(other), "--speakers", str(table)]) == 2
    assert "names no speaker for 1 file(s): " + str(other) in capsys.readouterr().err
    plain = workdir / "plain.joblib"
    assert main(["train", *SMALL, "--cache", str(workdir / "cache"), "--out", str(plain)]) == 0
    capsys.readouterr()
    assert main(["predict", str(plain), *files, "--speakers", str(table)]) == 2
    assert "not speaker-adapted" in capsys.readouterr().err


def test_enroll_then_update_then_use(adapted_model, speaker_files, workdir, capsys):
    files, ids, table = speaker_files
    stats_path = workdir / "stats.json"
    first = [f for f, s in zip(files, ids) if s == "new-0"]
    with pytest.warns(UserWarning, match=r"'new-0' has 3 clip\(s\) enrolled"):
        assert main(["enroll", str(adapted_model), *first[:3], "--speaker", "new-0",
                     "--out", str(stats_path)]) == 0
    # Three clips are fewer than the model's min_clips (5): predict refuses them.
    assert main(["predict", str(adapted_model), first[0], "--speaker-stats",
                 str(stats_path)]) == 2
    assert "holds the statistics of 3 clip(s)" in capsys.readouterr().err
    assert main(["enroll", str(adapted_model), *first[3:], "--speaker", "new-0",
                 "--out", str(stats_path)]) == 0
    assert "speaker 'new-0': 3 -> 8 clips" in capsys.readouterr().out
    pipe = joblib.load(adapted_model)
    stats = load_speaker_stats(stats_path)["new-0"]
    embeddings = pipe[:-2].transform(first)
    np.testing.assert_allclose(stats.mean, embeddings.mean(axis=0), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(stats.std, embeddings.std(axis=0), rtol=1e-4, atol=1e-8)
    # Enrolled statistics win over the CSV speakers' own clips.
    assert main(["predict", str(adapted_model), *files, "--speakers", str(table),
                 "--speaker-stats", str(stats_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    with sklearn.config_context(enable_metadata_routing=True):
        expected = pipe.predict_proba(files, speakers=ids, speaker_stats={"new-0": stats})
    got = np.array([[row["probabilities"][c] for c in pipe.classes_] for row in rows])
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert main(["analyze", str(adapted_model), first[0], "--vad", "none",
                 "--speaker-stats", str(stats_path), "--json"]) == 0
    captured = capsys.readouterr()
    note = json.loads(captured.out)
    assert "enrolled statistics of speaker 'new-0' (8 clips)" in captured.err
    with sklearn.config_context(enable_metadata_routing=True):
        window = pipe.predict_proba([first[0]], speaker_stats=stats)[0]
    np.testing.assert_allclose([note["proba"][c] for c in pipe.classes_], window, atol=1e-3)


def test_enroll_needs_a_speaker_and_an_adapted_model(adapted_model, speaker_files, workdir,
                                                     capsys):
    files, _, _ = speaker_files
    assert main(["enroll", str(adapted_model), files[0], "--out",
                 str(workdir / "x.json")]) == 2
    assert "--speaker ID or --speakers CSV" in capsys.readouterr().err


def test_evaluate_adapt_reports_both_protocols(workdir, capsys):
    assert main(["evaluate", *SMALL, "--adapt", "speaker", "--cache",
                 str(workdir / "cache")]) == 0
    out = capsys.readouterr().out
    assert "protocol: plain (no speaker adaptation)" in out
    assert "protocol: speaker-adapted, transductive" in out
    assert "Side by side, mean over the same folds: UA plain" in out


def test_onnx_export_of_an_adapted_model_predicts_with_speakers(adapted_model, speaker_files,
                                                                workdir, capsys):
    pytest.importorskip("onnxruntime")
    files, ids, table = speaker_files
    onnx_path = workdir / "adapted.onnx"
    assert main(["export", str(adapted_model), "--out", str(onnx_path)]) == 0
    capsys.readouterr()
    rows = predict_with_speakers_csv(onnx_path, files, table, capsys)
    pipe = joblib.load(adapted_model)
    expected = routed(pipe, "predict_proba", files, speakers=ids)
    got = np.array([[row["probabilities"][c] for c in pipe.classes_] for row in rows])
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_speakers_csv_from_a_spreadsheet_and_conflicting_rows(adapted_model, speaker_files,
                                                              workdir, capsys):
    from skser.cli._speakers import read_speakers_csv

    files, ids, table = speaker_files
    bom = workdir / "excel.csv"
    bom.write_text("\ufeffpath,speaker\r\n" + "".join(
        f"{f},{i}\r\n" for f, i in zip(files, ids)), encoding="utf-8")
    assert read_speakers_csv(bom, files).tolist() == ids.tolist()
    twice = workdir / "twice.csv"
    twice.write_text(f"path,speaker\n{files[0]},alice\n{files[0]},bob\n")
    with pytest.raises(ValueError, match="two speakers: 'alice'.* and 'bob'"):
        read_speakers_csv(twice, files[:1])
    binary = workdir / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ValueError, match="binary.csv is not a readable CSV file"):
        read_speakers_csv(binary, files[:1])


def test_enroll_refuses_a_file_given_twice_and_a_speaker_without_stats(
        adapted_model, speaker_files, workdir, capsys):
    files, _, _ = speaker_files
    out = workdir / "twice.json"
    assert main(["enroll", str(adapted_model), files[0], files[0], "--speaker", "x",
                 "--out", str(out)]) == 2
    assert "is given twice" in capsys.readouterr().err and not out.exists()
    assert main(["analyze", str(adapted_model), files[0], "--speaker", "x"]) == 2
    assert "--speaker picks a speaker of --speaker-stats" in capsys.readouterr().err


def test_enroll_names_a_silent_file(adapted_model, speaker_files, workdir, capsys):
    files, _, _ = speaker_files
    silent = write_audio(workdir / "enroll-silent.wav", np.zeros(16000, dtype=np.float32))
    out = workdir / "silent.json"
    assert main(["enroll", str(adapted_model), files[0], str(silent), "--speaker", "x",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "files of speaker 'x' that cannot be enrolled" in err and str(silent) in err
    assert not out.exists()


def test_dimensional_predict_uses_speakers_and_names_a_bad_file(speaker_files, workdir,
                                                                 capsys):
    files, ids, table = speaker_files
    model = workdir / "adapted_avd.joblib"
    assert main(["train", *SMALL, "--task", "dimensional", "--adapt", "speaker", "--heads",
                 "1", "--cache", str(workdir / "cache"), "--out", str(model)]) == 0
    capsys.readouterr()
    rows = predict_with_speakers_csv(model, files, table, capsys)
    pipe = joblib.load(model)
    expected = routed(pipe, "predict", files, speakers=ids)
    got = np.array([[row[n] for n in ("arousal", "valence", "dominance")] for row in rows])
    np.testing.assert_allclose(got, expected, atol=1e-3)
    with pytest.warns(UserWarning, match="got no speakers"):
        plain = pipe.predict(files)
    assert np.abs(expected - plain).max() > 1e-3  # the speakers changed the values
    silent = write_audio(workdir / "silent_avd.wav", np.zeros(16000, dtype=np.float32))
    assert main(["predict", str(model), files[0], str(silent), "--json"]) == 1
    captured = capsys.readouterr()
    assert [row["path"] for row in json.loads(captured.out)] == [files[0]]
    assert f"{silent}:" in captured.err
