import json
import re

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skser.cli import main
from skser.distillation import Wav2SmallClassifier
from skser.embedding import AcousticEmbedder
from skser.io import AudioLoader

from .conftest import tone, write_audio


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Tone files: 'unlabeled' and 'validation' folders, and a teacher saved as joblib."""
    root = tmp_path_factory.mktemp("distill-cli")
    rng = np.random.default_rng(0)
    clips, labels = [], []
    for folder, n in (("unlabeled", 6), ("validation", 2)):
        for index in range(n):
            for label, frequency in (("low", 300.0), ("high", 2000.0)):
                clip = tone(0.5, frequency * rng.uniform(0.8, 1.2), amplitude=0.3)
                write_audio(root / folder / f"{label}{index}.wav", clip)
                clips.append(clip)
                labels.append(label)
    teacher = make_pipeline(AcousticEmbedder(), LogisticRegression(max_iter=1000))
    teacher.fit(np.stack(clips), labels)
    joblib.dump(teacher, root / "teacher.joblib")
    return root


def test_distill_then_export_then_predict(folders, capsys):
    student_path = folders / "student.joblib"
    assert main(["distill", str(folders / "teacher.joblib"),
                 "--unlabeled", str(folders / "unlabeled"),
                 "--validation", str(folders / "validation"),
                 "--out", str(student_path), "--epochs", "2", "--views", "2"]) == 0
    out = capsys.readouterr().out
    assert "12 unlabeled files" in out and "top-1 agreement with the teacher" in out
    student = joblib.load(student_path)
    assert isinstance(student, Wav2SmallClassifier) and student.n_iter_ <= 2
    onnx_path = folders / "student.onnx"
    assert main(["export", str(student_path), "--out", str(onnx_path)]) == 0
    capsys.readouterr()
    wav = str(folders / "validation" / "low0.wav")
    assert main(["predict", str(onnx_path), wav, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    expected = student.predict_proba(AudioLoader().transform([wav]))[0]
    got = [row["probabilities"][c] for c in student.classes_]
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_distill_names_a_missing_folder(folders, capsys):
    assert main(["distill", str(folders / "teacher.joblib"), "--unlabeled",
                 str(folders / "nowhere"), "--out", str(folders / "s.joblib")]) == 2
    assert "--unlabeled: no such file or folder" in capsys.readouterr().err


@pytest.mark.parametrize("crop, message", [
    ("nan", "crop_duration"),
    ("-1", "crop_duration"),
    ("0.03", "--crop 0.03 s is shorter than the 0.040 s \\(640 samples\\) the teacher needs"),
])
def test_distill_checks_the_crop_before_reading_audio(folders, crop, message, capsys):
    # --unlabeled names no folder: a crop error means no audio was looked for first.
    assert main(["distill", str(folders / "teacher.joblib"), "--unlabeled",
                 str(folders / "nowhere"), "--crop", crop,
                 "--out", str(folders / "s.joblib")]) == 2
    err = capsys.readouterr().err
    assert "--unlabeled" not in err
    assert re.search(message, err)


@pytest.mark.parametrize("option, value, message", [
    ("--views", "0", "--views must be at least 1"),
    ("--temperature", "0", "--temperature must be a positive number"),
    ("--temperature", "nan", "--temperature must be a positive number"),
])
def test_distill_checks_views_and_temperature_before_reading_audio(folders, option, value,
                                                                   message, capsys):
    assert main(["distill", str(folders / "teacher.joblib"), "--unlabeled",
                 str(folders / "nowhere"), option, value,
                 "--out", str(folders / "s.joblib")]) == 2
    err = capsys.readouterr().err
    assert message in err and "--unlabeled" not in err


def test_distill_names_a_folder_teacher_and_a_file_the_teacher_cannot_label(folders, capsys):
    assert main(["distill", str(folders / "unlabeled"), "--unlabeled",
                 str(folders / "unlabeled"), "--out", str(folders / "s.joblib")]) == 2
    assert "is a folder, not a model file" in capsys.readouterr().err
    silent = write_audio(folders / "silent" / "quiet.wav", np.zeros(8000, np.float32))
    assert main(["distill", str(folders / "teacher.joblib"), "--unlabeled",
                 str(folders / "validation"), str(silent), "--epochs", "1",
                 "--out", str(folders / "s.joblib")]) == 2
    err = capsys.readouterr().err
    assert f"--unlabeled files the teacher cannot label: {silent}:" in err, err
    assert not (folders / "s.joblib").exists()
