import json

import joblib
import numpy as np
import onnx
import pytest

from skser.cli import main
from skser.datasets import make_emotional_speech

from .conftest import write_audio

SMALL = ["--speakers", "4", "--clips-per-class", "3"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def trained(workdir):
    model = workdir / "model.joblib"
    assert main(["train", *SMALL, "--cache", str(workdir / "cache"), "--out", str(model)]) == 0
    return model


@pytest.fixture(scope="module")
def wav_files(workdir):
    X, y, _ = make_emotional_speech(n_speakers=1, n_clips_per_class=1, random_state=5)
    return [str(write_audio(workdir / f"{label}.wav", clip[clip != 0]))
            for clip, label in zip(X, y)]


def test_train_saves_a_pipeline_that_reads_files(trained, wav_files):
    pipe = joblib.load(trained)
    assert pipe.predict(wav_files).shape == (4,)
    assert list(pipe.classes_) == ["ang", "hap", "neu", "sad"]


def test_predict_prints_a_line_per_file(trained, wav_files, capsys):
    assert main(["predict", str(trained), *wav_files]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    path, label, scores = lines[0].split("\t")
    assert path == wav_files[0] and label in {"ang", "hap", "neu", "sad"}
    assert abs(sum(float(s.split("=")[1]) for s in scores.split()) - 1) < 0.02


def test_predict_json_matches_the_pipeline(trained, wav_files, capsys):
    assert main(["predict", str(trained), *wav_files, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = joblib.load(trained).predict_proba(wav_files)
    got = np.array([[row["probabilities"][c] for c in ("ang", "hap", "neu", "sad")]
                    for row in rows])
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_export_then_predict_with_onnx(trained, wav_files, workdir, capsys):
    onnx_path = workdir / "model.onnx"
    assert main(["export", str(trained), "--out", str(onnx_path)]) == 0
    out = capsys.readouterr().out
    assert "top-1 agreement 100%" in out
    assert main(["predict", str(onnx_path), *wav_files, "--json"]) == 0
    onnx_rows = json.loads(capsys.readouterr().out)
    assert main(["predict", str(trained), *wav_files, "--json"]) == 0
    joblib_rows = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in onnx_rows] == [r["label"] for r in joblib_rows]


def test_export_int8_calibrates_on_files_and_checks_itself(trained, wav_files, workdir, capsys):
    from skser.export import read_metadata

    out = workdir / "q.onnx"
    assert main(["export", str(trained), "--out", str(out), "--quantize", "int8"]) == 2
    assert "needs calibration clips" in capsys.readouterr().err
    assert main(["export", str(trained), "--out", str(out), "--quantize", "int8",
                 "--calibration", str(workdir)]) == 0
    assert "top-1 agreement" in capsys.readouterr().out
    assert read_metadata(onnx.load(out))["quantization"] == "int8-static"


def test_analyze_a_voice_note(trained, wav_files, workdir, capsys):
    import soundfile as sf

    parts = []
    for path in wav_files:
        parts += [sf.read(path)[0], np.zeros(16000)]
    note = write_audio(workdir / "note.wav", np.concatenate(parts))
    plot = workdir / "timeline.png"
    assert main(["analyze", str(trained), str(note), "--json", "--plot", str(plot)]) == 0
    result = json.loads(capsys.readouterr().out.split("wrote the timeline")[0])
    assert result["label"] in {"ang", "hap", "neu", "sad"}
    assert plot.stat().st_size > 5000


def test_analyze_a_note_without_speech_exits_1(trained, workdir, capsys):
    silent = write_audio(workdir / "silent.wav", np.zeros(3 * 16000))
    with pytest.warns(UserWarning):
        assert main(["analyze", str(trained), str(silent)]) == 1


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_evaluate_writes_a_report_with_the_picture(suffix, workdir, capsys):
    report = workdir / f"report{suffix}"
    assert main(["evaluate", *SMALL, "--cache", str(workdir / "cache"),
                 "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "4 fold(s), 48 clips tested" in out and "UA " in out
    text = report.read_text()
    assert "data:image/png;base64," in text and "UA" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate", "--corpus", "ravdess"], "--root is needed"),
        (["evaluate", "--corpus", "emodb", "--root", "/no/such/folder"], "EmoDB folder not found"),
        (["predict", "/no/model.joblib", "x.wav"], "model file not found"),
    ],
)
def test_clear_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_an_unreadable_model_is_named(workdir, capsys):
    junk = workdir / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    assert main(["predict", str(junk), "x.wav"]) == 2
    assert "cannot read a model from" in capsys.readouterr().err


def test_an_empty_corpus_folder_is_named(tmp_path, capsys):
    assert main(["train", "--corpus", "ravdess", "--root", str(tmp_path), "--out", "m"]) == 2
    assert "no RAVDESS audio found" in capsys.readouterr().err


def test_unknown_corpus_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--corpus", "tess"])
    assert "invalid choice: 'tess'" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", *SMALL, "--cache", str(tmp_path / "cache"), "--out", str(out)]) == 0
    for name in ("report.md", "model.joblib", "model.onnx", "example.wav", "voice_note.wav",
                 "timeline.png"):
        assert (out / name).stat().st_size > 0, name
    printed = capsys.readouterr().out
    assert "max |probability difference| vs scikit-learn on 48 clips" in printed
    assert "(mean of" in printed  # the voice note's verdict line


@pytest.mark.real_data
@pytest.mark.slow
def test_evaluate_on_shared_emodb(emodb_root, tmp_path, capsys):
    assert main(["evaluate", "--corpus", "emodb", "--root", str(emodb_root),
                 "--cache", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert "339 clips, 10 groups" in out


# -- dimensional task --------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_avd(workdir):
    model = workdir / "avd.joblib"
    assert main(["train", "--task", "dimensional", *SMALL, "--cache", str(workdir / "cache"),
                 "--out", str(model)]) == 0
    return model


def test_predict_json_gives_arousal_valence_dominance(trained_avd, wav_files, capsys):
    capsys.readouterr()
    assert main(["predict", str(trained_avd), *wav_files, "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [list(r) for r in records] == [["path", "arousal", "valence", "dominance"]] * 4
    expected = joblib.load(trained_avd).predict(wav_files)
    np.testing.assert_allclose([[r["arousal"], r["valence"], r["dominance"]] for r in records],
                               expected, atol=1e-4)


def test_dimensional_export_then_predict_and_analyze(trained_avd, wav_files, workdir, capsys):
    exported = workdir / "avd.onnx"
    assert main(["export", str(trained_avd), "--out", str(exported)]) == 0
    assert "CCC with scikit-learn arousal 1.0000" in capsys.readouterr().out
    assert main(["predict", str(exported), *wav_files, "--json"]) == 0
    onnx_records = json.loads(capsys.readouterr().out)
    expected = joblib.load(trained_avd).predict(wav_files)
    np.testing.assert_allclose([r["valence"] for r in onnx_records], expected[:, 1], atol=1e-4)
    note = workdir / "avd_note.wav"
    X, _, _ = make_emotional_speech(n_speakers=1, n_clips_per_class=2, random_state=9)
    write_audio(note, np.concatenate([np.concatenate([c[c != 0], np.zeros(8000)]) for c in X]))
    plot = workdir / "avd_timeline.png"
    assert main(["analyze", str(exported), str(note), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert list(record)[:4] == ["path", "arousal", "valence", "dominance"]
    assert len(record["windows"]) >= 1
    assert main(["analyze", str(trained_avd), str(note), "--plot", str(plot)]) == 0
    assert "arousal" in capsys.readouterr().out and plot.stat().st_size > 0


def test_evaluate_dimensional_writes_ccc_per_dimension(workdir, capsys):
    report = workdir / "avd_report.md"
    assert main(["evaluate", "--task", "dimensional", *SMALL, "--cache", str(workdir / "cache"),
                 "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "arousal" in out and "CCC" in out and "±" in out
    text = report.read_text()
    assert "| arousal |" in text and "data:image/png;base64," in text and "proxies" in text
