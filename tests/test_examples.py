"""The example scripts run and print what they promise."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script, *args, cwd):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
        cwd=cwd, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_evaluate_by_session(tmp_path):
    out = _run("evaluate_by_session.py", "--speakers", "4", cwd=tmp_path)
    assert "UA" in out and "4 fold(s)" in out
    assert (tmp_path / "confusion_matrix.png").stat().st_size > 5000


@pytest.mark.slow
def test_export_and_serve(tmp_path):
    out = _run("export_and_serve.py", cwd=tmp_path)
    lines = [line for line in out.splitlines() if "top-1 agreement" in line]
    assert len(lines) == 2 and "quantization=none" in lines[0]
    assert "quantization=int8-static" in lines[1]


@pytest.mark.slow
def test_distilhubert_from_a_folder_explains_random_weights(tmp_path):
    out = _run("distilhubert_from_a_folder.py", "--speakers", "3", cwd=tmp_path)
    assert "RANDOM" in out.upper() and "3 fold(s)" in out


@pytest.mark.slow
def test_voice_note(tmp_path):
    out = _run("voice_note.py", cwd=tmp_path)
    assert "(mean of" in out
    assert (tmp_path / "timeline.png").stat().st_size > 5000
