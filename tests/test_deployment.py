"""The deployment path runs with numpy, onnxruntime, soundfile and soxr only.

Each check runs in a fresh interpreter where the training stack cannot be imported
(``sys.modules[name] = None`` makes ``import name`` fail), so an eager import anywhere on
the path fails the test. ``.ci/deploy-check`` does the same in a real venv without them.
"""

import json
import subprocess
import sys
from numbers import Integral, Real

import numpy as np
import pytest

from skser.datasets import make_emotional_speech
from skser.pipeline import make_ser_pipeline

from .conftest import write_audio

BLOCKED = ("sklearn", "scipy", "torch", "transformers", "joblib", "tqdm", "librosa",
           "audiomentations", "matplotlib", "pandas", "onnx", "skl2onnx")
PRELUDE = (
    "import sys\n"
    f"for name in {BLOCKED!r}:\n"
    "    sys.modules[name] = None\n"
)


def run_lean(code, *args):
    """Run ``code`` where the training stack is unimportable; return its stdout."""
    done = subprocess.run([sys.executable, "-c", PRELUDE + code, *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from skser.export import to_onnx

    folder = tmp_path_factory.mktemp("deploy")
    X, y, groups = make_emotional_speech(n_speakers=3, n_clips_per_class=3, random_state=0)
    pipe = make_ser_pipeline(max_iter=3).fit(X, y)
    to_onnx(pipe, path=folder / "model.onnx")
    clips = [write_audio(folder / f"clip{i}.wav", X[i][X[i] != 0]) for i in (0, 5)]
    pause = np.zeros(8000, dtype=np.float32)
    note = write_audio(folder / "note.wav",
                       np.concatenate([c for i in range(4) for c in (X[i][X[i] != 0], pause)]))
    return folder / "model.onnx", clips, note


def test_predict_and_analyze_need_no_training_stack(exported, capsys):
    from skser.cli import main

    model, clips, note = exported
    lean = json.loads(run_lean(
        "import io, json, contextlib\n"
        "from skser.cli import main\n"
        "model, a, b, note = sys.argv[1:]\n"
        "out = {}\n"
        "for key, argv in [('predict', ['predict', model, a, b, '--json']),\n"
        "                  ('energy', ['analyze', model, note, '--json'])]:\n"
        "    buffer = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buffer):\n"
        "        assert main(argv) == 0\n"
        "    out[key] = json.loads(buffer.getvalue())\n"
        "loaded = {m.split('.')[0] for m in sys.modules if sys.modules[m] is not None}\n"
        "out['loaded'] = sorted(loaded & set(" + repr(BLOCKED) + "))\n"
        "print(json.dumps(out))\n",
        model, *clips, note,
    ))
    assert lean["loaded"] == []
    assert main(["predict", str(model), *map(str, clips), "--json"]) == 0
    assert lean["predict"] == json.loads(capsys.readouterr().out)
    assert main(["analyze", str(model), str(note), "--json"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert lean["energy"]["label"] == full["label"]
    assert lean["energy"]["windows"] == full["windows"]


def test_silero_vad_needs_no_torch(exported):
    pytest.importorskip("silero_vad", reason="silero-vad (the vad extra) is not installed")
    model, _, note = exported
    out = run_lean(
        "from skser.export import OnnxPipeline\n"
        "from skser.voice_note import analyze_voice_note\n"
        "result = analyze_voice_note(OnnxPipeline(sys.argv[1]), sys.argv[2], vad='silero')\n"
        "print(result.n_windows, result.label)\n",
        model, note,
    )
    n_windows, label = out.split()
    assert int(n_windows) >= 1 and label in {"ang", "hap", "neu", "sad"}


def test_vendored_validation_speaks_like_scikit_learn():
    """Without scikit-learn, skser.utils' own subset refuses the same values with the same
    messages as scikit-learn's parameter validation."""
    from skser.utils import Interval, InvalidParameterError, StrOptions
    from skser.utils import validate_parameter_constraints as sklearn_validate

    constraints = {
        "window": [Interval(Real, 0, None, closed="neither")],
        "n": [Interval(Integral, 1, 10, closed="both"), None],
        "vad": [StrOptions({"energy"}), None],  # one option: sets print in hash order
        "flag": ["boolean"],
    }
    cases = [{"window": -1.0}, {"window": "8"}, {"n": 0}, {"n": 2.5}, {"vad": "webrtc"},
             {"flag": 1}]
    expected = []
    for params in cases:
        with pytest.raises(InvalidParameterError) as error:
            sklearn_validate(constraints, params, caller_name="f")
        expected.append(str(error.value))
    accepted = [{"window": 8.0, "n": None, "vad": "energy", "flag": True}, {"n": 10}]
    lean = json.loads(run_lean(
        "import json\n"
        "from numbers import Integral, Real\n"
        "from skser.utils import Interval, InvalidParameterError, StrOptions\n"
        "from skser.utils import validate_parameter_constraints as validate\n"
        "assert InvalidParameterError.__module__ == 'skser.exceptions'\n"
        "constraints = {\n"
        "    'window': [Interval(Real, 0, None, closed='neither')],\n"
        "    'n': [Interval(Integral, 1, 10, closed='both'), None],\n"
        "    'vad': [StrOptions({'energy'}), None],\n"
        "    'flag': ['boolean'],\n"
        "}\n"
        "messages = []\n"
        f"for params in {cases!r}:\n"
        "    try:\n"
        "        validate(constraints, params, caller_name='f')\n"
        "    except InvalidParameterError as exc:\n"
        "        assert isinstance(exc, ValueError)\n"
        "        messages.append(str(exc))\n"
        f"for params in {accepted!r}:\n"
        "    validate(constraints, params, caller_name='f')\n"
        "print(json.dumps(messages))\n"
    ))
    assert lean == expected


def test_a_pretrained_onnx_folder_loads_without_the_training_stack(exported, tmp_path):
    from skser.export import OnnxPipeline
    from skser.hub import ModelCard, save_pretrained

    model, clips, _ = exported
    card = ModelCard(task="categorical", labels=OnnxPipeline(model).classes_.tolist())
    folder = save_pretrained(model, tmp_path / "repo", card=card)
    out = run_lean(
        "from skser.export import OnnxPipeline\n"
        "runtime = OnnxPipeline.from_pretrained(sys.argv[1])\n"
        "loaded = {m.split('.')[0] for m in sys.modules if sys.modules[m] is not None}\n"
        "print(runtime.predict([sys.argv[2]])[0], sorted(loaded & set(" + repr(BLOCKED) + ")))\n",
        folder, clips[0],
    )
    assert out.split(maxsplit=1) == [OnnxPipeline(model).predict([clips[0]])[0], "[]\n"]


@pytest.mark.parametrize("param, value, message", [
    ("n_threads", -5, r"n_threads must be None or 0 .* or a positive whole number, got -5"),
    ("n_threads", 2.5, "n_threads must be .* got 2.5"),
    ("n_threads", "4", "n_threads must be .* got '4'"),
    ("n_threads", True, "n_threads must be .* got True"),
    ("n_threads", 2**40, "n_threads must be .* got 1099511627776"),
    ("batch_size", True, "batch_size must be a positive integer, got True"),
    ("length_tolerance", "x", "length_tolerance must be a number >= 0, got 'x'"),
    ("n_jobs", 0, "n_jobs=0 means no worker"),
    ("n_jobs", 2.5, "n_jobs must be None or a whole number, got 2.5"),
])
def test_the_runtime_names_a_bad_parameter_when_built(exported, param, value, message):
    from skser.export import OnnxPipeline

    # (Before: n_threads=-5, 2.5, '4' and True ran, 2**40 was a bare TypeError from
    # onnxruntime, and a bad n_jobs waited for the first audio file to be refused.)
    with pytest.raises(ValueError, match=message):
        OnnxPipeline(exported[0], **{param: value})


@pytest.mark.parametrize("n_threads", [None, 0, 1, np.int64(2)])
def test_the_runtime_takes_the_documented_n_threads(exported, n_threads):
    from skser.export import OnnxPipeline

    X, _, _ = make_emotional_speech(n_speakers=1, n_clips_per_class=1, random_state=0)
    assert OnnxPipeline(exported[0], n_threads=n_threads).predict(X[:2]).shape == (2,)
