"""Peak memory of analyze_voice_note on long voice notes: flat from 1 to 30 minutes.

Writes one FLAC voice note per length (synthetic speech from make_emotional_speech between
silences, light noise) to a temporary folder, then analyzes each in a fresh subprocess
and reports, per length:

- ``traced MB``: the tracemalloc peak during ``analyze_voice_note`` (numpy buffers and
  Python objects);
- ``RSS MB``: growth of the resident set's high-water mark during the call (Linux
  ``VmHWM``, reset just before through ``/proc/self/clear_refs``), measured in other
  fresh processes without tracemalloc (median of ``--repeats``: allocator noise between
  runs is a few MB);
- ``decoded MB``: what the note would take decoded whole as float32 at 16 kHz, for
  comparison.

Usage::

    python benchmarks/bench_voice_note_memory.py                      # 1, 5, 10, 30 min
    python benchmarks/bench_voice_note_memory.py --vad silero --rate 44100 --channels 2
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from _common import write_record

SR = 16000


def clip_features(X):
    """Log energy, zero-crossing rate and energy spread of each clip at its true length."""
    from skser.io import as_batch, clip_lengths, iter_clips

    X = as_batch(X)
    rows = []
    for clip in iter_clips(X, clip_lengths(X)):
        if clip.size < 400:
            rows.append([-20.0, 0.0, 0.0])
            continue
        frames = clip[: clip.size // 400 * 400].reshape(-1, 400)
        frame_energy = np.log(np.mean(frames**2, axis=1) + 1e-9)
        crossings = np.mean(np.signbit(clip[1:]) != np.signbit(clip[:-1]))
        rows.append([np.log(np.mean(clip**2) + 1e-9), crossings, frame_energy.std()])
    return np.asarray(rows)


def fit_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from skser.datasets import make_emotional_speech

    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    return make_pipeline(
        FunctionTransformer(clip_features), StandardScaler(), LogisticRegression()
    ).fit(X, y)


def write_note(path, minutes, *, rate, channels, seed=0):
    """Write ``minutes`` of speech clips and silences, one clip at a time."""
    from skser.datasets import make_emotional_speech
    from skser.io import iter_clips

    X, _, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=3, random_state=seed)
    pool = [c if rate == SR else soxr.resample(c, SR, rate) for c in iter_clips(X)]
    rng = np.random.default_rng(seed)
    total = int(minutes * 60 * rate)
    written = 0
    with sf.SoundFile(path, "w", rate, channels, subtype="PCM_16") as out:
        while written < total:
            silence = np.zeros(int(rng.uniform(0.3, 3.0) * rate))
            part = np.concatenate([silence, pool[rng.integers(len(pool))]])[: total - written]
            part = part + 0.001 * rng.standard_normal(part.size)
            out.write(np.repeat(part[:, None], channels, axis=1) if channels > 1 else part)
            written += part.size


def _status(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return None


def child(path, *, vad, batch_size, traced):
    """Analyze one note in this (fresh) process; print the measures as JSON."""
    from skser.voice_note import analyze_voice_note

    model = fit_model()
    vad = None if vad == "none" else vad
    analyze_voice_note(model, np.zeros(SR, np.float32) + 0.001, vad=vad)  # warm imports
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        rss_before = _status("VmRSS:")
    except OSError:
        rss_before = None
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    result = analyze_voice_note(model, path, vad=vad, batch_size=batch_size)
    seconds = time.perf_counter() - start
    measures = {
        "seconds": seconds,
        "duration": result.duration,
        "windows": result.n_windows,
        "regions": int(result.speech_regions.shape[0]),
    }
    if traced:
        measures["traced"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    elif rss_before is not None:
        measures["rss"] = _status("VmHWM:") - rss_before
    print(json.dumps(measures))


def run_child(path, args, *, traced):
    command = [
        sys.executable, __file__, "--child", str(path), "--vad", args.vad,
        "--batch-size", str(args.batch_size),
    ]
    if traced:
        command.append("--traced")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 5, 10, 30])
    parser.add_argument("--vad", choices=["energy", "silero", "none"], default="energy")
    parser.add_argument("--rate", type=int, default=SR, help="sample rate of the files")
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--workdir", type=Path, help="where to write the notes (temporary)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="untraced runs per length; RSS and time are medians"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, vad=args.vad, batch_size=args.batch_size, traced=args.traced)
        return 0

    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        print(
            f"analyze_voice_note memory: vad={args.vad}, batch_size={args.batch_size}, "
            f"window=8 s, FLAC files at {args.rate} Hz, {args.channels} channel(s), "
            f"RSS and time: median of {args.repeats} run(s)"
        )
        header = (
            f"{'minutes':>7} {'file MB':>8} {'decoded MB':>10} {'regions':>7} {'windows':>7} "
            f"{'time s':>7} {'traced MB':>9} {'RSS MB':>7}"
        )
        print(header)
        print("-" * len(header))
        rows = []
        for minutes in args.minutes:
            path = Path(folder) / f"note_{minutes:g}min.flac"
            write_note(path, minutes, rate=args.rate, channels=args.channels)
            traced = run_child(path, args, traced=True)
            plain = [run_child(path, args, traced=False) for _ in range(args.repeats)]
            rss = [run["rss"] for run in plain if "rss" in run]
            rss = float(np.median(rss)) if rss else None
            seconds = float(np.median([run["seconds"] for run in plain]))
            print(
                f"{minutes:7g} {os.path.getsize(path) / 2**20:8.1f} "
                f"{traced['duration'] * SR * 4 / 2**20:10.1f} {traced['regions']:7d} "
                f"{traced['windows']:7d} {seconds:7.2f} "
                f"{traced['traced'] / 2**20:9.1f} "
                f"{'n/a' if rss is None else format(rss / 2**20, '.1f'):>7}",
                flush=True,
            )
            rows.append({"minutes": minutes,
                         "file MB": round(os.path.getsize(path) / 2**20, 1),
                         "decoded MB": round(traced["duration"] * SR * 4 / 2**20, 1),
                         "regions": traced["regions"], "windows": traced["windows"],
                         "time s": round(seconds, 2),
                         "traced MB": round(traced["traced"] / 2**20, 1),
                         "RSS MB": None if rss is None else round(rss / 2**20, 1)})
            path.unlink()
    write_record(__file__, {f"analyze_voice_note, vad={args.vad}, batch_size="
                            f"{args.batch_size}, window=8 s": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
