"""The command line starts light, its modules import one way, and it shows progress.

Each start-up check runs in a fresh interpreter and reads ``sys.modules`` there: an eager
import anywhere on the path (the parser, a command module, skser's runtime) fails it.
"""

import json
import pkgutil
import subprocess
import sys

import pytest

import skser.cli
from skser.cli import main
from skser.datasets import make_emotional_speech
from skser.pipeline import make_ser_pipeline

from .conftest import write_audio

# The training stack: none of it may load for --help or an .onnx predict.
HEAVY = ("torch", "transformers", "sklearn", "librosa")
COMMANDS = sorted(command.__name__ for command in skser.cli.COMMANDS)
MODULES = sorted(f"skser.cli.{info.name}" for info in pkgutil.iter_modules(skser.cli.__path__))
SMALL = ["--speakers", "3", "--clips-per-class", "2", "--heads", "1", "--speeds", "none"]


def _fresh(code, *args):
    """Run ``code`` in a fresh interpreter; return the JSON its last stdout line holds."""
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


# The module alone: skser.cli is a bare package, so its __init__ imports nothing first.
ALONE = """
import importlib, importlib.util, json, sys, types
spec = importlib.util.find_spec("skser.cli")
package = types.ModuleType("skser.cli")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["skser.cli"] = package
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if sys.modules[m] is not None)))
"""


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone_and_light(module):
    loaded = set(_fresh(ALONE, module))
    assert module in loaded
    assert sorted(loaded & set(HEAVY)) == []
    if module not in COMMANDS:  # a leaf imports no command
        assert sorted(loaded & set(COMMANDS)) == []


RUN = """
import contextlib, io, json, sys
from skser.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        status = main(sys.argv[1:])
    except SystemExit as exit:
        status = exit.code
print(json.dumps([status, sorted(m.split(".")[0] for m in sys.modules)]))
"""


def test_help_imports_no_training_stack():
    status, loaded = _fresh(RUN, "--help")
    assert status == 0
    assert sorted(set(loaded) & set(HEAVY)) == []


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    from skser.export import to_onnx

    folder = tmp_path_factory.mktemp("startup")
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    pipe = make_ser_pipeline(max_iter=2, speeds=(), n_ensemble=1).fit(X, y)
    to_onnx(pipe, path=folder / "model.onnx")
    return folder / "model.onnx", write_audio(folder / "clip.wav", X[0][X[0] != 0])


def test_onnx_predict_imports_no_training_stack(onnx_model):
    model, clip = onnx_model
    status, loaded = _fresh(RUN, "predict", model, clip)
    assert status == 0
    assert sorted(set(loaded) & set(HEAVY)) == []


@pytest.mark.parametrize("quiet", [False, True])
def test_evaluate_shows_progress_on_stderr_unless_quiet(quiet, tmp_path, capsys):
    argv = ["evaluate", *SMALL, "--cache", str(tmp_path / "cache")]
    assert main([*argv, "--quiet"] if quiet else argv) == 0
    captured = capsys.readouterr()
    assert "fold(s)" in captured.out and "%|" not in captured.out
    # tqdm's bars: "sessions, ...: 33%|###      | 1/3 [...]", "epochs: ..."
    assert ("%|" in captured.err) is not quiet
    assert ("sessions" in captured.err and "epochs" in captured.err) is not quiet


@pytest.mark.parametrize("quiet", [False, True])
def test_analyze_json_of_a_long_note_keeps_progress_off_stdout(quiet, onnx_model, tmp_path,
                                                                 capsys):
    import numpy as np

    from skser.cli._analyze import LONG_NOTE

    model, _ = onnx_model
    X, _, _ = make_emotional_speech(n_speakers=1, n_clips_per_class=2, random_state=3)
    pause = np.zeros(16000, dtype=np.float32)
    parts = [part for clip in X for part in (clip[clip != 0], pause)]
    repeats = int(LONG_NOTE * 16000 / sum(map(len, parts))) + 1
    note = write_audio(tmp_path / "note.wav", np.concatenate(parts * repeats))
    argv = ["analyze", str(model), str(note), "--json"]
    assert main([*argv, "--quiet"] if quiet else argv) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["windows"]) > 1  # stdout holds the JSON alone
    assert ("analyzing" in captured.err) is not quiet


def test_verbose_is_still_accepted_and_the_default():
    parser = skser.cli.build_parser()
    required = {"train": ["--out", "m.joblib"], "embed": ["--files", "x", "--out", "t"],
                "distill": ["t.joblib", "--unlabeled", "x", "--out", "s.joblib"]}
    for command in ("demo", "train", "evaluate", "embed", "distill"):
        argv = [command, *required.get(command, [])]
        assert parser.parse_args(argv).verbose is True
        assert parser.parse_args([*argv, "--verbose"]).verbose is True
        assert parser.parse_args([*argv, "--quiet"]).verbose is False
    with pytest.raises(SystemExit):
        parser.parse_args(["evaluate", "--verbose", "--quiet"])
