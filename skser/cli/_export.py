"""``skser export``: a saved pipeline as one ONNX graph, checked against scikit-learn
before it is written."""

import os

import numpy as np

from ..utils import expand_path, task_of
from ._options import model_help
from ._shared import ONNX_SUFFIX, dimensions_of, failing_files, failures, load_model
from ._speakers import check_probabilities

__all__ = ["add_parser", "run"]

# Static int8 calibrates on at most this many clips.
MAX_CALIBRATION = 64


def add_parser(commands):
    """Add ``export`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser("export", help="write a saved pipeline as one ONNX graph")
    command.add_argument("model", help=model_help("a .joblib pipeline"))
    command.add_argument("--out", required=True, help="model.onnx to write")
    command.add_argument("--quantize", choices=("int8", "int8-dynamic", "int8-static"),
                         help="8-bit weights for the encoder and the head: int8 is "
                              "int8-static, which needs --calibration; int8-dynamic needs "
                              "none (default: float32)")
    command.add_argument("--calibration", nargs="*", metavar="DIR_OR_FILE",
                         help="audio files or folders to calibrate int8-static with "
                              f"(up to {MAX_CALIBRATION} clips are used)")
    command.set_defaults(run=run)
    return command


def run(args):
    """Convert, check on clips, then write ``--out`` (only once the check has passed)."""
    from ..datasets import make_emotional_speech
    from ..export import OnnxPipeline, to_onnx

    if args.model.lower().endswith(ONNX_SUFFIX):
        raise ValueError("export takes a fitted .joblib pipeline, not an .onnx model")
    if args.quantize in ("int8", "int8-static") and not args.calibration:
        # Said before the pipeline (and torch) is loaded.
        raise ValueError(
            f"--quantize {args.quantize} is static int8, calibrated on real clips: pass "
            "--calibration DIR (a few dozen clips like those the model will see), or use "
            "--quantize int8-dynamic, which needs none"
        )
    files = _calibration_files(args.calibration)  # named before the model is loaded
    pipe = load_model(args.model)
    files, calibration = _calibration_clips(files)
    out = expand_path(args.out)
    try:
        model = to_onnx(pipe, quantize=args.quantize, calibration=calibration)
    except ValueError as exc:
        from ..export import check_calibration

        failed = {} if calibration is None else failing_files(
            lambda clip: check_calibration(pipe, clip), calibration, files)
        if failed:
            raise ValueError("calibration files the model cannot use (silent or too short "
                             f"once trimmed): {failures(failed)}") from exc
        raise
    check = calibration if calibration is not None else make_emotional_speech(
        n_speakers=2, n_clips_per_class=2, random_state=0
    )[0]
    # The check runs on the model in memory: --out is written (or replaced) only once
    # it has passed, so a failed export never leaves a broken model behind.
    runtime = OnnxPipeline(model)
    if task_of(pipe).is_dimensional:
        summary = _dimensions_check(pipe, runtime, check)
    else:
        summary = _classes_check(pipe, runtime, check)
    _write_onnx(model, out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, quantization: "
          f"{args.quantize or 'none'})")
    print(summary)
    return 0


def _calibration_files(paths):
    """The audio files ``--calibration`` names; a missing path or an empty folder is an
    error naming it."""
    from ..datasets import find_audio

    files = []
    for path in map(expand_path, paths or []):
        if path.is_dir():
            found = find_audio(path)
            if not found:
                raise ValueError(f"--calibration {path}: no .wav or .flac files in it")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"--calibration: no such file or folder: {path}")
    return files


def _calibration_clips(files):
    """The calibration files (at most MAX_CALIBRATION, spread evenly) and their batch."""
    from ..io import load_audio_batch

    if not files:
        return None, None
    step = max(1, len(files) // MAX_CALIBRATION)
    files = [os.fspath(f) for f in files[::step][:MAX_CALIBRATION]]
    return files, load_audio_batch(files, max_duration=8.0)


def _classes_check(pipe, runtime, check):
    """The parity line of a classifier: probabilities and top-1 agreement."""
    expected, exported = check_probabilities(pipe, runtime, check)
    agreement = float((expected.argmax(1) == exported.argmax(1)).mean())
    return (f"check on {len(check)} clips: max |probability difference| "
            f"{np.abs(expected - exported).max():.2e}, top-1 agreement "
            f"{100 * agreement:.0f}%")


def _dimensions_check(pipe, runtime, check):
    """The parity line of a dimensional model: values and CCC with scikit-learn."""
    from ..metrics import concordance_correlation_coefficient

    expected = np.asarray(pipe.predict(check), dtype=float)
    exported = np.asarray(runtime.predict(check), dtype=float)
    agreement = concordance_correlation_coefficient(expected, exported, multioutput="raw_values")
    names = dimensions_of(pipe)
    difference = np.abs(expected - exported).max()
    return (f"check on {len(check)} clips: max |difference| {difference:.2e}, "
            "CCC with scikit-learn " + ", ".join(f"{n} {v:.4f}" for n, v in zip(names, agreement)))


def _write_onnx(model, out):
    """Save ``model`` to ``out`` through a temporary file beside it (atomic replace)."""
    import onnx

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        onnx.save(model, os.fspath(partial))
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
