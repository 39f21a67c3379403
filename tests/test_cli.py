import json
from pathlib import Path

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
    assert "pass --calibration DIR" in capsys.readouterr().err
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
    captured = capsys.readouterr()
    result = json.loads(captured.out)  # stdout holds the JSON alone
    assert "wrote the timeline" in captured.err
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
    assert "UA" in text and "synthetic (48 clips, 4 groups)" in text
    if suffix == ".html":  # one self-contained page
        assert "data:image/png;base64," in text and text.count("<table>") == 4
    else:  # GitHub renders no data: URIs: the picture is a file beside the report
        assert "data:" not in text and "](report-confusion.png)" in text
        assert (workdir / "report-confusion.png").stat().st_size > 1000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate", "--corpus", "ravdess"], "--root is needed"),
        (["evaluate", "--corpus", "emodb", "--root", "/no/such/folder"], "EmoDB folder not found"),
        (["predict", "/no/model.joblib", "x.wav"], "model file not found"),
        (["train", "--speeds", "1", "--out", "unused.joblib"], "speed 1 is the clip as given"),
        (["train", "--speakers", "1", "--clips-per-class", "2", "--out", "unused.joblib"],
         "needs at least one more to train on"),
        (["predict", ".", "x.wav"], "is a folder, not a model file"),
        (["evaluate", "--speakers", "2", "--clips-per-class", "2"], "needs at least 3 groups"),
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


def test_heads_sets_how_many_heads_are_averaged(workdir):
    model = workdir / "one-head.joblib"
    argv = ["train", *SMALL, "--cache", str(workdir / "cache"), "--heads", "1", "--out"]
    assert main([*argv, str(model)]) == 0
    head = joblib.load(model)[-1]
    assert head.n_ensemble == 1 and len(head.ensemble_history_) == 1


@pytest.mark.parametrize("heads", ["0", "-2", "two"])
def test_heads_must_be_a_positive_whole_number(heads, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--heads", heads, "--out", "x.joblib"])
    assert f"expected a whole number of at least 1, got '{heads}'" in capsys.readouterr().err


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
    assert "| arousal |" in text and "proxies" in text
    assert "data:image" not in text  # GitHub renders no data: URIs: the picture is a file
    assert "](avd_report-scatter.png)" in text
    assert (workdir / "avd_report-scatter.png").read_bytes().startswith(b"\x89PNG")


# -- the leakage guard with --extra-train-corpus -----------------------------------------


def _speech_trees(root):
    """A RAVDESS tree (actors 01-03) and an EmoDB tree (speakers 03, 08) of synthetic clips.

    Both corpora have a speaker "03" of their own: the loaders' ids tell them apart.
    """
    X, y, _ = make_emotional_speech(n_speakers=5, n_clips_per_class=2, duration=(0.5, 0.8),
                                    random_state=3)
    clips = [clip[clip != 0] for clip in X]
    ravdess_code = {"neu": "01", "hap": "03", "sad": "04", "ang": "05"}
    emodb_code = {"ang": "W", "hap": "F", "neu": "N", "sad": "T"}
    files = {}
    for index, (clip, label) in enumerate(zip(clips, y)):
        speaker, take = divmod(index, 8)
        take = take % 2 + 1
        if speaker < 3:
            name = f"03-01-{ravdess_code[label]}-01-0{take}-01-{speaker + 1:02d}"
            path = root / "ravdess" / f"Actor_{speaker + 1:02d}" / f"{name}.wav"
        else:
            name = f"{['03', '08'][speaker - 3]}a0{take}{emodb_code[label]}a"
            path = root / "emodb" / "wav" / f"{name}.wav"
        files[path] = clip
        write_audio(path, clip)
    return root / "ravdess", root / "emodb", files


@pytest.fixture(scope="module")
def speech_trees(tmp_path_factory):
    return _speech_trees(tmp_path_factory.mktemp("trees"))


def test_extra_train_corpus_of_the_same_speakers_is_refused(speech_trees, capsys):
    ravdess, _, _ = speech_trees
    argv = ["evaluate", "--corpus", "ravdess", "--root", str(ravdess),
            "--extra-train-corpus", "ravdess", "--extra-root", str(ravdess)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "leakage in fold 0 (test group 'ravdess:01'): speakers ['ravdess:01']" in err
    assert "extra training data (extra_train)" in err


def test_extra_train_corpus_holding_a_test_clip_is_refused(speech_trees, tmp_path, capsys):
    ravdess, emodb, files = speech_trees
    # EmoDB speaker 08's files, and one clip of RAVDESS actor 03 filed as an EmoDB clip.
    copied = tmp_path / "emodb"
    for path, clip in files.items():
        if path.is_relative_to(emodb) and path.name.startswith("08"):
            write_audio(copied / "wav" / path.name, clip)
    actor_03 = sorted(path for path in files if path.parent.name == "Actor_03")[0]
    write_audio(copied / "wav" / "08b09Wa.wav", files[actor_03])
    for command in ("evaluate", "train"):
        out = [] if command == "evaluate" else ["--out", str(tmp_path / "m.joblib")]
        argv = [command, "--corpus", "ravdess", "--root", str(ravdess),
                "--extra-train-corpus", "emodb", "--extra-root", str(copied), *out]
        assert main(argv) == 2
        err = capsys.readouterr().err
        held_out = "test set" if command == "evaluate" else "validation set"
        assert f"the same audio is in both the {held_out} and the extra training data" in err
        assert "('emodb:08') has the samples of" in err and "('ravdess:03')" in err
    assert not (tmp_path / "m.joblib").exists()


def test_ravdess_with_emodb_extra_trains(speech_trees, tmp_path, capsys):
    ravdess, emodb, _ = speech_trees
    model = tmp_path / "m.joblib"
    argv = ["train", "--corpus", "ravdess", "--root", str(ravdess),
            "--extra-train-corpus", "emodb", "--extra-root", str(emodb),
            "--cache", str(tmp_path / "cache"), "--out", str(model)]
    assert main(argv) == 0, capsys.readouterr().err
    # (--noisy-copies auto: the weight-free classes model trains on two copies of each.)
    assert ("fitted on 32 clips and 2 noisy copies of each; early stopping validated on group "
            "'ravdess:03' (8 clips and their copies)") in (
        capsys.readouterr().out
    )
    pipe = joblib.load(model)
    assert pipe.classes_.tolist() == ["ang", "hap", "neu", "sad"]


def test_a_corpus_of_one_emotion_is_refused_before_its_audio_is_read(speech_trees, tmp_path,
                                                                    capsys):
    ravdess, _, files = speech_trees
    angry = tmp_path / "ravdess"
    for path, clip in files.items():
        if path.is_relative_to(ravdess) and path.name.split("-")[2] == "05":
            write_audio(angry / path.parent.name / path.name, clip)
    # Reading this file would fail first, naming it: the label check comes before any audio.
    (angry / "Actor_01" / "03-01-05-01-02-02-01.wav").write_bytes(b"not a wav")
    for command in ("train", "evaluate"):
        out = [] if command == "evaluate" else ["--out", str(tmp_path / "m.joblib")]
        assert main([command, "--corpus", "ravdess", "--root", str(angry), *out]) == 2
        err = capsys.readouterr().err
        assert "has 1 emotion(s) with --labels emotion4 (ang); a classifier needs at least 2" in err
        assert "not a wav" not in err and "03-01-05-01-02-02-01" not in err
    assert not (tmp_path / "m.joblib").exists()


def test_two_synthetic_corpora_are_other_voices(tmp_path, capsys):
    argv = ["train", *SMALL, "--extra-train-corpus", "synthetic",
            "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "m.joblib")]
    assert main(argv) == 0, capsys.readouterr().err
    assert "fitted on 84 clips" in capsys.readouterr().out


def test_export_refuses_silent_calibration_and_keeps_the_old_model(trained, workdir, capsys):
    out = workdir / "kept.onnx"
    assert main(["export", str(trained), "--out", str(out)]) == 0
    before = out.read_bytes()
    calibration = workdir / "silent-calibration"
    calibration.mkdir()
    silent = write_audio(calibration / "silence.wav", np.zeros(2 * 16000))
    capsys.readouterr()
    assert main(["export", str(trained), "--out", str(out), "--quantize", "int8",
                 "--calibration", str(calibration)]) == 2
    err = capsys.readouterr().err
    assert "calibration files the model cannot use" in err and str(silent) in err
    assert out.read_bytes() == before
    assert not out.with_name(out.name + ".partial").exists()


def test_predict_names_a_silent_file_and_still_labels_the_others(trained, wav_files, workdir,
                                                                 capsys):
    silent = write_audio(workdir / "quiet.wav", np.zeros(16000))
    assert main(["predict", str(trained), wav_files[0], str(silent), wav_files[1],
                 "--json"]) == 1
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert [row["file"] for row in rows] == wav_files[:2]
    # Each file is tried alone, so the message speaks of the clip, not of "clip 0".
    assert f"{silent}: the clip is shorter than" in captured.err and "it has 0" in captured.err


@pytest.mark.parametrize(
    "option, name, message",
    [
        ("--out", "a-folder", "is a folder"),
        ("--report", "report.txt", "--report must end in .md or .html"),
        ("--out", "a-file/model.joblib", "is a file, not a folder"),
    ],
)
def test_outputs_are_checked_before_the_work(option, name, message, workdir, capsys,
                                             monkeypatch):
    from skser.cli import _evaluate, _train

    (workdir / "a-folder").mkdir(exist_ok=True)
    (workdir / "a-file").write_text("x")

    def no_work(*args, **kwargs):
        raise AssertionError("the command ran before its output was checked")

    command = "train" if option == "--out" else "evaluate"
    monkeypatch.setattr(_train if command == "train" else _evaluate, "load_corpora", no_work)
    assert main([command, *SMALL, option, str(workdir / name)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", *SMALL, "--out", ""], "--out is empty"),
        (["evaluate", *SMALL, "--report", " "], "--report is empty"),
        (["train", *SMALL, "--out", "{w}/refused.onnx"], "writes a joblib pickle, not a .onnx"),
        (["export", "{model}", "--out", "{w}/refused.joblib"], "--out must end in .onnx"),
    ],
)
def test_empty_and_wrongly_typed_outputs_are_refused_before_the_work(argv, message, trained,
                                                                     workdir, capsys):
    argv = [a.format(w=workdir, model=trained) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not any(workdir.glob("refused.*"))


def test_an_output_that_is_an_input_is_refused_and_the_input_kept(trained, wav_files, workdir,
                                                                  capsys):
    copy = workdir / "keep.joblib"
    copy.write_bytes(Path(trained).read_bytes())
    note = workdir / "note.png"
    note.write_bytes(Path(wav_files[0]).read_bytes())
    before = copy.read_bytes(), note.read_bytes()
    link = workdir / "keep-link.onnx"
    link.unlink(missing_ok=True)
    link.symlink_to(copy)
    cases = [
        (["analyze", str(copy), str(note), "--plot", str(note)], "--plot", "FILE"),
        (["export", str(copy), "--out", str(link)], "--out", "MODEL"),
    ]
    for argv, option, what in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"{option} " in err and f"is also {what}" in err, err
    assert (copy.read_bytes(), note.read_bytes()) == before


def test_predict_names_unreadable_files_and_still_labels_the_others(trained, wav_files,
                                                                   workdir, capsys):
    text = workdir / "notes.wav"
    text.write_text("not audio")
    missing = workdir / "missing.wav"
    assert main(["predict", str(trained), wav_files[0], str(text), str(missing),
                 "--json"]) == 1
    captured = capsys.readouterr()
    assert [row["file"] for row in json.loads(captured.out)] == [wav_files[0]]
    assert f"{text}:" in captured.err and "cannot decode" in captured.err
    assert f"{missing}:" in captured.err
    assert main(["predict", str(trained), str(text)]) == 2
    assert "no file can be read" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "two"])
def test_n_jobs_must_name_workers(value, capsys):
    with pytest.raises(SystemExit):
        main(["train", *SMALL, "--n-jobs", value, "--out", "unused.joblib"])
    assert "--n-jobs: expected a number of workers" in capsys.readouterr().err


def test_an_unfitted_model_is_refused_as_unfitted(workdir, wav_files, capsys):
    from skser.pipeline import make_ser_pipeline

    path = workdir / "unfitted.joblib"
    joblib.dump(make_ser_pipeline(task="dimensional"), path)
    assert main(["predict", str(path), wav_files[0]]) == 2
    assert "holds an unfitted Pipeline" in capsys.readouterr().err


@pytest.mark.parametrize("window", ["0.05", "nan"])
def test_analyze_names_a_window_shorter_than_the_speech_it_keeps(window, trained, wav_files,
                                                                 capsys):
    assert main(["analyze", str(trained), wav_files[0], "--window", window]) == 2
    assert "--window must be at least 0.5 s" in capsys.readouterr().err


def test_predict_text_rows_stay_one_line_per_file_whatever_the_name(trained, wav_files,
                                                                    workdir, capsys):
    odd = workdir / "a\tname\nwith breaks é.wav"
    odd.write_bytes(Path(wav_files[0]).read_bytes())
    assert main(["predict", str(trained), str(odd), wav_files[1]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(str(workdir / "a\\tname\\nwith breaks é.wav"))
    assert all(len(line.split("\t")) == 3 for line in lines)
    assert main(["predict", str(trained), str(odd), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["file"] == str(odd)  # JSON keeps the name
