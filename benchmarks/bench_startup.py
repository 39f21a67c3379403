"""Start-up of the ``skser`` command: what a user waits for before any audio is read.

Prints, side by side in one run, the median wall time of ``--repeats`` fresh processes
(after one warm-up each) of:

- the bare imports an ``.onnx`` prediction cannot do without:
  ``python -c "import onnxruntime, numpy, soundfile"`` (the reference);
- ``skser --help`` (target: 3x the reference or less);
- ``skser predict model.onnx clip.wav`` on one clip (target: 4x or less): the default
  weight-free pipeline, trained on the synthetic corpus and exported with
  :func:`skser.export.to_onnx` by this script.

``--importtime`` also prints the slowest imports of each skser command
(``python -X importtime``, cumulative microseconds), where a heavy package that loads
for nothing shows at the top.

Usage: python benchmarks/bench_startup.py [--repeats 11] [--importtime]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO_ROOT, median_seconds, write_record

# What `skser` runs, from this checkout (as the console script: `from skser.cli import main`).
SKSER = [sys.executable, "-m", "skser"]
BARE = [sys.executable, "-c", "import onnxruntime, numpy, soundfile"]
TARGETS = {"skser --help": 3.0, "skser predict (one clip, .onnx)": 4.0}


def _environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                       env.get("PYTHONPATH")]))
    return env


def _run(command, env):
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def _model_and_clip(folder):
    """The default weight-free pipeline as .onnx, and one clip of the corpus as .wav."""
    import soundfile as sf

    from skser.datasets import make_emotional_speech
    from skser.export import to_onnx
    from skser.io import SAMPLE_RATE, clip_lengths
    from skser.pipeline import make_ser_pipeline

    X, y, _ = make_emotional_speech(n_speakers=4, n_clips_per_class=3, random_state=0)
    model = folder / "model.onnx"
    to_onnx(make_ser_pipeline(random_state=0).fit(X, y), path=model)
    clip = folder / "clip.wav"
    sf.write(clip, X[0, : clip_lengths(X[:1])[0]], SAMPLE_RATE, subtype="PCM_16")
    return model, clip


def slowest_imports(command, env, n=12):
    """The ``n`` imports of ``command`` with the largest cumulative time, as text lines."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=True)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.split("|")
            rows.append((int(cumulative), name.rstrip()))
    loaded = {name.strip().split(".")[0] for _, name in rows}
    heavy = sorted(loaded & {"torch", "transformers", "sklearn", "librosa", "scipy", "pandas"})
    lines = [f"{cumulative:>10d} us |{name}" for cumulative, name in sorted(rows)[-n:]]
    return lines, heavy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--importtime", action="store_true",
                        help="also print the slowest imports of each skser command")
    args = parser.parse_args()
    env = _environment()
    with tempfile.TemporaryDirectory() as folder:
        model, clip = _model_and_clip(Path(folder))
        commands = {
            "bare import (onnxruntime, numpy, soundfile)": BARE,
            "skser --help": [*SKSER, "--help"],
            "skser predict (one clip, .onnx)": [*SKSER, "predict", str(model), str(clip)],
        }
        seconds = {name: median_seconds(lambda c=command: _run(c, env), args.repeats)
                   for name, command in commands.items()}
        reference = seconds["bare import (onnxruntime, numpy, soundfile)"]
        print(f"median wall time of {args.repeats} fresh processes ({sys.executable})\n")
        rows = []
        for name, value in seconds.items():
            ratio = value / reference
            target = TARGETS.get(name)
            verdict = "" if target is None else \
                f"  target <= {target:.0f}x: {'met' if ratio <= target else 'MISSED'}"
            print(f"  {name:46s} {value:6.3f} s  {ratio:5.2f}x{verdict}")
            rows.append({"command": name, "seconds": round(value, 3),
                         "ratio to the bare import": round(ratio, 2)})
        if args.importtime:
            for name, command in list(commands.items())[1:]:
                lines, heavy = slowest_imports(command, env)
                print(f"\n{name}: slowest imports (cumulative); training stack loaded: "
                      f"{', '.join(heavy) or 'none'}")
                print("\n".join(lines))
    write_record(__file__, {"start-up, median of fresh processes": rows},
                 notes="Each process starts afresh (the file cache warm); skser predict runs "
                       "ONNX Runtime with its default thread count.")


if __name__ == "__main__":
    main()
