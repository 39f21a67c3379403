"""Every path parameter expands ``~`` (HOME is pointed at a temporary folder)."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skser.datasets import load_emodb, make_emotional_speech
from skser.embedding import AcousticEmbedder
from skser.export import OnnxPipeline, to_onnx
from skser.io import AudioLoader, load_audio
from skser.pipeline import make_ser_pipeline
from skser.utils import expand_path
from skser.voice_note import analyze_voice_note

from .conftest import tone, write_audio


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    return home


@pytest.fixture(scope="module")
def fitted():
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    from skser.classification import FocalLossClassifier

    pipe = make_pipeline(AcousticEmbedder(), FocalLossClassifier(max_iter=3, random_state=0))
    return pipe.fit(X, y), X


def _no_literal_tilde():
    from pathlib import Path

    assert not Path("~").exists(), "a folder literally named ~ was created"


def test_expand_path_uses_home(home):
    assert expand_path("~/a/b.wav") == home / "a" / "b.wav"


def test_make_ser_pipeline_memory_goes_to_home(home):
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=1, random_state=0)
    pipe = make_ser_pipeline(memory="~/.cache/skser", max_iter=2)
    pipe.fit(X, y)
    assert any((home / ".cache" / "skser" / "skser-embeddings").rglob("*.npy"))
    _no_literal_tilde()


def test_audio_paths_expand(home):
    write_audio(home / "a.wav", tone(0.5))
    assert load_audio("~/a.wav").shape == (8000,)
    assert AudioLoader().transform(["~/a.wav"]).shape == (1, 8000)


def test_onnx_paths_expand(home, fitted):
    pipe, X = fitted
    to_onnx(pipe, path="~/model.onnx")
    assert (home / "model.onnx").is_file()
    assert OnnxPipeline("~/model.onnx").predict(X[:2]).shape == (2,)
    _no_literal_tilde()


def test_voice_note_paths_expand(home, fitted):
    pipe, _ = fitted
    write_audio(home / "note.wav", np.tile(tone(1.0, amplitude=0.3), 3))
    assert analyze_voice_note(pipe, "~/note.wav", vad=None).source.startswith(str(home))


def test_dataset_roots_expand(home):
    with pytest.raises(FileNotFoundError, match=str(home / "emodb")):
        load_emodb("~/emodb")


def test_cli_paths_expand(home, fitted, capsys):
    import joblib

    from skser.cli import main

    pipe, _ = fitted
    joblib.dump(pipe, home / "model.joblib")
    write_audio(home / "a.wav", tone(1.0))
    assert main(["export", "~/model.joblib", "--out", "~/model.onnx"]) == 0
    assert (home / "model.onnx").is_file()
    assert main(["predict", "~/model.onnx", "~/a.wav", "--json"]) == 0
    assert main(["analyze", "~/model.joblib", "~/a.wav", "--vad", "none", "--plot",
                 "~/timeline.png"]) == 0
    assert (home / "timeline.png").is_file()
    _no_literal_tilde()
