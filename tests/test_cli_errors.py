"""The command never shows a traceback, and ``--json`` means JSON alone on stdout."""

import json
import os
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skser.classification import FocalLossClassifier
from skser.cli import main
from skser.cli._errors import run_command
from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder
from skser.io import AudioLoader

from .conftest import tone, write_audio


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-errors")
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    pipe = make_pipeline(AudioLoader(), AcousticEmbedder(),
                         FocalLossClassifier(max_iter=3, random_state=0)).fit(X, y)
    joblib.dump(pipe, folder / "model.joblib")
    wavs = [str(write_audio(folder / f"{i}.wav", clip[clip != 0])) for i, clip in
            enumerate(X[:2])]
    note = write_audio(folder / "note.wav", np.concatenate([X[0], np.zeros(8000), X[1]]))
    return folder, wavs, str(note)


def _one_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("skser: error: ") and "Traceback" not in err
    return lines[0]


def test_a_missing_optional_package_names_the_extra(files, monkeypatch, capsys):
    folder, wavs, _ = files
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if the onnx extra were absent
    code = main(["export", str(folder / "model.joblib"), "--out", str(folder / "m.onnx")])
    assert code == 2
    assert 'pip install "skser[onnx]"' in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "model, message",
    [("/no/such/hubert", "does not exist"), ("{folder}", "no config.json")],
    ids=["missing-folder", "not-a-model-folder"],
)
def test_model_loading_errors_are_one_line(model, message, files, capsys):
    folder, _, _ = files
    argv = ["train", "--speakers", "2", "--clips-per-class", "1", "--embedder",
            "distilhubert", "--model", model.format(folder=folder), "--cache",
            str(folder / "cache"), "--out", str(folder / "never.joblib")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in _one_line(captured.err)


def test_an_inconsistent_config_is_one_line(files, tmp_path, capsys):
    from .conftest import save_tiny_hubert

    folder = save_tiny_hubert(tmp_path / "hubert")
    config = json.loads((folder / "config.json").read_text())
    config["num_attention_heads"] = 5
    (folder / "config.json").write_text(json.dumps(config))
    capsys.readouterr()  # transformers' bar while saving
    argv = ["train", "--speakers", "2", "--clips-per-class", "1", "--embedder",
            "distilhubert", "--model", str(folder), "--cache", str(tmp_path / "cache"),
            "--out", str(tmp_path / "never.joblib")]
    assert main(argv) == 2
    assert "config.json" in _one_line(capsys.readouterr().err)


def test_an_unexpected_error_is_one_line_too(capsys, monkeypatch):
    def broken(args):
        raise RuntimeError("something deep\nin torch")

    monkeypatch.delenv("SKSER_DEBUG", raising=False)
    assert run_command(broken, None) == 2
    line = _one_line(capsys.readouterr().err)
    assert "RuntimeError: something deep in torch" in line and "SKSER_DEBUG=1" in line
    monkeypatch.setenv("SKSER_DEBUG", "1")
    with pytest.raises(RuntimeError):
        run_command(broken, None)


def test_the_installed_command_prints_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "skser", "predict", str(tmp_path / "missing.joblib"), "a.wav"],
        capture_output=True, text=True,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "model file not found" in _one_line(result.stderr)


def test_predict_json_is_json_alone(files, capsys):
    folder, wavs, _ = files
    assert main(["predict", str(folder / "model.joblib"), *wavs, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["file"] for row in rows] == wavs


def test_analyze_json_with_a_plot_is_json_alone(files, capsys):
    folder, _, note = files
    plot = folder / "timeline.png"
    argv = ["analyze", str(folder / "model.joblib"), note, "--vad", "none", "--json",
            "--plot", str(plot)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["label"] in {"ang", "hap", "neu", "sad"}
    assert f"wrote the timeline to {plot}" in captured.err
    assert plot.is_file()


def test_warnings_name_the_callers_line():
    from skser.voice_note import analyze_voice_note

    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=1, random_state=0)
    features = AcousticEmbedder().fit_transform(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipe = make_pipeline(AcousticEmbedder(), FocalLossClassifier(max_iter=2))
        pipe.fit(X, y.reshape(-1, 1))
        FocalLossClassifier(max_iter=2).fit(features, y.reshape(-1, 1))
        analyze_voice_note(pipe, np.zeros(3 * 16000, np.float32))
    names = {w.category.__name__: w for w in caught}
    assert {"DataConversionWarning", "NoSpeechWarning"} <= set(names)
    for warning in caught:
        if warning.category.__name__ in ("DataConversionWarning", "NoSpeechWarning"):
            assert warning.filename == __file__, (warning.category, warning.filename)


@pytest.fixture(scope="module")
def manifest_with_a_silent_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("silent-manifest")
    X, y, groups = make_emotional_speech(n_speakers=3, n_clips_per_class=1, random_state=0)
    rows = ["path,label,speaker"]
    for index, (clip, label, speaker) in enumerate(zip(X, y, groups)):
        write_audio(folder / f"{index}.wav", clip[clip != 0])
        rows.append(f"{index}.wav,{label},{speaker}")
    write_audio(folder / "silent.wav", np.zeros(16000, np.float32))
    rows.append(f"silent.wav,{y[0]},{groups[-1]}")  # in the group fitting holds out
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    return folder


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_silent_file_of_the_data_is_named_before_fitting(manifest_with_a_silent_file,
                                                            command, capsys):
    folder = manifest_with_a_silent_file
    argv = [command, "--data", str(folder / "data.csv"), "--heads", "1", "--quiet"]
    if command == "train":
        argv += ["--out", str(folder / "never.joblib")]
    assert main(argv) == 2
    line = _one_line(capsys.readouterr().err)
    # (Before: "clip 8 has 0", an index into one fold's training clips.)
    assert f"{folder / 'silent.wav'} (0 samples: silent)" in line
    assert "AcousticEmbedder" in line and not (folder / "never.joblib").exists()


@pytest.mark.parametrize("argv, message", [
    (["train", "--seed", "-1", "--out", "m.joblib"],
     "argument --seed: expected a whole number from 0 to 4294967294, got '-1'"),
    (["evaluate", "--seed", "4294967295"], "from 0 to 4294967294, got '4294967295'"),
    (["embed", "--files", ".", "--out", "e", "--batch-size", "0"],
     "argument --batch-size: expected a whole number of at least 1, got '0'"),
    # (Before: make_emotional_speech's 'n_speakers' / 'n_clips_per_class', after parsing.)
    (["train", "--speakers", "0", "--out", "m.joblib"],
     "argument --speakers: expected a whole number of at least 1, got '0'"),
    (["evaluate", "--clips-per-class", "-1"],
     "argument --clips-per-class: expected a whole number of at least 1, got '-1'"),
    # (Before: a MemoryError once the corpus had been embedded.)
    (["train", "--heads", "99999999999", "--out", "m.joblib"],
     "argument --heads: expected at most 100 heads (each is trained in turn), got "
     "'99999999999'"),
    # (Before: the student's 'max_iter' once the teacher was loaded.)
    (["distill", "t.joblib", "--unlabeled", "x", "--out", "s.joblib", "--epochs", "0"],
     "argument --epochs: expected a whole number of at least 1, got '0'"),
    # (Before: "--dask-workers must be at least 1" once the files had been listed.)
    (["embed", "--files", ".", "--out", "e", "--dask-workers", "0"],
     "argument --dask-workers: expected a whole number of at least 1, got '0'"),
])
def test_bad_numbers_are_refused_when_parsed(argv, message, capsys):
    # (Before: the head's random_state error after the corpus was read, or embed's
    # "batch_size" after it had announced "0 per chunk".)
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
@pytest.mark.parametrize("command", ["analyze", "predict"])
def test_a_named_pipe_is_named_not_waited_on(files, tmp_path, command):
    folder, wavs, _ = files
    os.mkfifo(tmp_path / "note.wav")
    os.mkfifo(tmp_path / "model.joblib")
    for model, audio, message in [
        (folder / "model.joblib", tmp_path / "note.wav",
         f"expected an audio file, got a named pipe (FIFO): {tmp_path / 'note.wav'}"),
        (tmp_path / "model.joblib", wavs[0],
         f"{tmp_path / 'model.joblib'} is not a regular file (a named pipe, a device?)"),
    ]:
        # (Before: analyze blocked for ever probing the pipe's length; a model that was a
        # pipe was "not found".)
        done = subprocess.run([sys.executable, "-m", "skser", command, str(model), str(audio)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and message in _one_line(done.stderr)


def test_clips_past_the_first_chunk_are_named_by_their_own_files():
    from sklearn.utils import Bunch

    from skser.cli._shared import check_clip_lengths
    from skser.pipeline import make_ser_pipeline

    X = np.tile(tone(0.3, amplitude=0.5), (300, 1))
    X[280] = 0.0
    X[290, 100] = np.nan  # beyond the first 256 clips the check runs at a time
    files = [f"clip-{index}.wav" for index in range(len(X))]
    corpus = Bunch(X=X, filenames=files, source="data.csv")
    with pytest.raises(ValueError, match=r"data.csv: 2 clip\(s\) are silent") as caught:
        check_clip_lengths(make_ser_pipeline(), corpus)
    message = str(caught.value)
    assert "clip-280.wav (0 samples: silent)" in message
    assert "clip-290.wav: " in message and "NaN" in message
    assert "clip 34" not in message  # (before: the step's error, by index within its chunk)


@pytest.mark.parametrize("argv, message", [
    (["predict", "{missing}", "a.wav", "--json", "--min-confidence", "nan"],
     "--min-confidence nan: min_confidence must be a probability in [0, 1]"),
    (["analyze", "{missing}", "a.wav", "--min-confidence", "-1"],
     "--min-confidence -1.0: min_confidence must be a probability in [0, 1]"),
    (["analyze", "{missing}", "a.wav", "--window", "inf"],
     "classifies) and at most 86400 s (a day); got inf"),
    (["analyze", "{missing}", "a.wav", "--window", "1e308"],
     "classifies) and at most 86400 s (a day); got 1e+308"),
    (["distill", "{missing}", "--unlabeled", "x", "--out", "s.joblib", "--crop", "inf"],
     "--crop must be at most 86400 s (the student's crop_duration; longer overflows in "
     "samples), got inf"),
    (["distill", "{missing}", "--unlabeled", "x", "--out", "s.joblib", "--crop", "1e308"],
     "--crop must be at most 86400 s (the student's crop_duration; longer overflows in "
     "samples), got 1e+308"),
])
def test_bad_numbers_are_named_before_the_model_is_loaded(argv, message, tmp_path, capsys):
    # (Before: "model file not found" first, then the library's parameter name; an
    # infinite --window or --crop: "cannot convert float infinity to integer".)
    argv = [arg.format(missing=tmp_path / "missing.joblib") for arg in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in _one_line(captured.err) and captured.out == ""


@pytest.mark.parametrize("save, message", [
    ("m.onnx", "--save {tmp}/m.onnx: this command writes a joblib pickle, not a .onnx file"),
    ("stats.json", "--save {tmp}/stats.json: this command writes a joblib pickle"),
    (".", "--save {tmp} is a folder: give the file to write"),
])
def test_evaluate_save_is_checked_before_the_evaluation(save, message, tmp_path, capsys):
    # (Before: the whole evaluation ran, then a pickle was saved as m.onnx, or
    # "[Errno 21] Is a directory".)
    argv = ["evaluate", "--speakers", "3", "--clips-per-class", "1", "--heads", "1",
            "--quiet", "--save", str(tmp_path / save)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message.format(tmp=tmp_path) in _one_line(captured.err)
    assert captured.out == "" and not (tmp_path / save).is_file()


def test_evaluate_save_with_features_is_refused_not_ignored(tmp_path, capsys):
    # (Before: the table was evaluated and --save silently wrote nothing.)
    argv = ["evaluate", "--features", str(tmp_path / "table"), "--save",
            str(tmp_path / "m.joblib")]
    assert main(argv) == 2
    assert "skser train --features TABLE --out MODEL" in _one_line(capsys.readouterr().err)


def test_running_out_of_memory_is_not_called_a_bug(capsys, monkeypatch):
    def huge(args):
        raise MemoryError("Unable to allocate 1.46 TiB for an array")

    monkeypatch.delenv("SKSER_DEBUG", raising=False)
    assert run_command(huge, None) == 2
    line = _one_line(capsys.readouterr().err)
    assert "out of memory (Unable to allocate 1.46 TiB" in line
    assert "bug" not in line and "MemoryError" not in line


@pytest.mark.parametrize("argv, option", [
    (["train", "--data", "{data}", "--out", "{data}"], "--data"),
    (["train", "--data", "{data}", "--label-map", "{labels}", "--out", "{labels}"],
     "--label-map"),
    (["evaluate", "--extra-train-data", "{data}", "--save", "{data}"], "--extra-train-data"),
    (["distill", "t.joblib", "--unlabeled", "x", "--validation", "{data}", "--out", "{data}"],
     "--validation"),
])
def test_an_output_that_is_an_input_of_the_data_options_is_refused(argv, option, tmp_path,
                                                                    capsys):
    # (Before: --data, --label-map, --extra-train-data and --validation were not among the
    # inputs checked: the manifest was read, then replaced by the model.)
    data, labels = tmp_path / "data.csv", tmp_path / "labels.csv"
    data.write_text("path,label,speaker\n")
    labels.write_text("label,class\n")
    argv = [arg.format(data=data, labels=labels) for arg in argv]
    assert main(argv) == 2
    line = _one_line(capsys.readouterr().err)
    assert f"is also {option}: writing it would replace what this command reads" in line
    assert data.read_text() == "path,label,speaker\n"


@pytest.mark.parametrize("command", ["predict", "analyze", "distill"])
def test_a_scikit_learn_model_fitted_on_a_table_is_refused_by_name(files, command, tmp_path,
                                                                   capsys):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    folder, wavs, _ = files
    table = np.random.default_rng(0).random((8, 3))
    model = tmp_path / "table.joblib"
    joblib.dump(make_pipeline(StandardScaler(), LogisticRegression()).fit(table, [0, 1] * 4),
                model)
    argv = {"predict": ["predict", str(model), *wavs, "--json"],
            "analyze": ["analyze", str(model), wavs[0], "--json"],
            "distill": ["distill", str(model), "--unlabeled", *wavs, "--out",
                        str(tmp_path / "s.joblib")]}[command]
    # (Before: "X has 49644 features, but StandardScaler is expecting 3 features", each
    # file named as failing; distill read and augmented the audio first.)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (f"{model} holds a Pipeline fitted on a table of 3 features, not a model that "
            "takes audio") in _one_line(captured.err)


@pytest.mark.parametrize("calibration, message", [
    ("nowhere", "--calibration: no such file or folder: {tmp}/nowhere"),
    ("empty", "--calibration {tmp}/empty: no .wav or .flac files in it"),
])
def test_export_names_a_calibration_path_without_audio_before_loading(calibration, message,
                                                                      tmp_path, capsys):
    # (Before: the model was loaded first, then "audio file not found: nowhere", or an
    # empty folder counted as no --calibration at all.)
    (tmp_path / "empty").mkdir()
    argv = ["export", str(tmp_path / "missing.joblib"), "--out", str(tmp_path / "m.onnx"),
            "--quantize", "int8", "--calibration", str(tmp_path / calibration)]
    assert main(argv) == 2
    assert message.format(tmp=tmp_path) in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("argv, option", [
    (["train", "--data", "{empty}", "--out", "{tmp}/m.joblib"], "--data"),
    (["embed", "--data", "{empty}", "--out", "{tmp}/table"], "--data"),
    (["distill", "{model}", "--unlabeled", "{empty}", "--out", "{tmp}/s.joblib"],
     "--unlabeled"),
])
def test_an_empty_manifest_is_named_as_empty(files, argv, option, tmp_path, capsys):
    # (Before: "manifest empty.csv: no path column 'path'; the columns found are []".)
    empty = tmp_path / "empty.csv"
    empty.touch()
    argv = [arg.format(empty=empty, tmp=tmp_path, model=files[0] / "model.joblib")
            for arg in argv]
    assert main(argv) == 2
    assert f"{option} {empty} is an empty file: a manifest has a header row" in _one_line(
        capsys.readouterr().err)


def test_a_missing_extra_training_corpus_is_named_before_the_main_one_is_read(
        manifest_with_a_silent_file, tmp_path, capsys):
    folder = manifest_with_a_silent_file
    argv = ["train", "--data", str(folder / "data.csv"), "--extra-train-data",
            str(tmp_path / "nowhere.csv"), "--out", str(tmp_path / "m.joblib")]
    # (Before: the main corpus was read, then "--data: no such folder or manifest".)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert (f"--extra-train-data: no such folder or manifest: {tmp_path / 'nowhere.csv'}"
            in _one_line(captured.err)) and captured.out == ""


def test_two_outputs_on_one_path_are_refused(tmp_path, capsys):
    # (Before: the report was written, then the model pickled over it.)
    path = tmp_path / "result.md"
    argv = ["evaluate", "--speakers", "3", "--clips-per-class", "1", "--heads", "1",
            "--quiet", "--save", str(path), "--report", str(path)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert f"--report {path} is also --save: one would be written over the other" in (
        _one_line(captured.err))
    assert captured.out == "" and not path.exists()


def test_analyze_plot_in_a_missing_folder_is_written(files, tmp_path, capsys):
    folder, _, note = files
    plot = tmp_path / "new" / "timeline.png"
    argv = ["analyze", str(folder / "model.joblib"), note, "--vad", "none", "--json",
            "--plot", str(plot)]
    # (Before: "No such file or directory" once the note had been analyzed, status 2.)
    assert main(argv) == 0
    json.loads(capsys.readouterr().out)
    assert plot.is_file()


@pytest.mark.parametrize("command", ["train", "embed"])
def test_a_model_folder_without_an_encoder_is_named_before_the_data_is_read(command, tmp_path,
                                                                            capsys):
    (tmp_path / "hubert").mkdir()
    argv = {"train": ["train", "--speakers", "3", "--clips-per-class", "1", "--out",
                      str(tmp_path / "m.joblib")],
            "embed": ["embed", "--files", str(tmp_path), "--out", str(tmp_path / "table")]}
    argv = [*argv[command], "--embedder", "distilhubert", "--model", str(tmp_path / "hubert"),
            "--local-files-only", "--cache", str(tmp_path / "cache")]
    # (Before: the corpus was read, then the folder was found wanting when the first clip
    # was embedded; embed first listed the files and found none.)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"--model: the model folder {tmp_path / 'hubert'} has no config.json" in _one_line(
        captured.err)
