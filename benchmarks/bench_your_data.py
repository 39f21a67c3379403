"""A user's own corpus: reading and embedding a 5,000-row manifest as fast as a file list.

The shared RAVDESS and EmoDB clips are written again as 5,000 distinct files (each copy
gets its own faint dither, so no two files hold the same audio) in a layout of the
script's own: a folder per class, named in French, with a CSV manifest of relative
paths, labels and speakers. Two runs, each in a fresh process, embed them with
``embed_corpus`` and the weight-free embedder behind the default waveform steps (8 s at
most per file, chunks of 64, one thread):

- **file list**: the paths alone, as ``skser embed`` embeds a built-in corpus;
- **manifest**: ``load_manifest`` (every file probed, labels mapped, speakers checked),
  then the same ``embed_corpus`` call with the label and speaker columns.

Each kind runs ``--rounds`` times, alternated, and the fastest run of each is kept.
Targets: the manifest run within 10% of the file list's clips per second (the checks
cost little), and peak memory flat (the manifest run within 1.1x of the file list's).

Usage: python benchmarks/bench_your_data.py [--data ../shared/data] [--rows 5000]
"""

import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from _common import DEFAULT_DATA, REPO_ROOT, run_child, write_record

FRENCH = {"ang": "colère", "hap": "joie", "neu": "neutre", "sad": "tristesse"}

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from skser.datasets import load_manifest
from skser.embedding import embed_corpus
from skser.pipeline import make_ser_pipeline

front = make_ser_pipeline()[1:-1]  # the default waveform steps and embedder
paths = [line.rstrip("\n") for line in open({paths!r})]
embed_corpus(front, paths[:128], out={out!r} + "-warm-up", batch_size=64, max_duration=8.0)
start = time.perf_counter()
columns = None
if {manifest!r}:
    data = load_manifest({manifest!r}, label_column="émotion", speaker_column="locuteur",
                         label_map={label_map!r})
    paths, columns = list(data.filenames), dict(label=data.target, speaker=data.speakers)
read = time.perf_counter() - start
result = embed_corpus(front, paths, out={out!r}, batch_size=64, max_duration=8.0,
                      columns=columns)
seconds = time.perf_counter() - start
print(json.dumps(dict(rows=result.n_rows, seconds=seconds, read_seconds=read,
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def _sources(data):
    """The shared clips of the four classes, with their class and qualified speaker."""
    sources = []
    for corpus in ("ravdess", "emodb"):
        with open(data / corpus / "manifest.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["emotion4"] in FRENCH:
                    sources.append((data / corpus / row["path"], row["emotion4"],
                                    f"{corpus}-{row['speaker']}"))
    return sources


def _corpus(sources, n, root):
    """``n`` distinct files in French class folders, and the manifest that lists them."""
    rng = np.random.default_rng(0)
    rows = []
    for index in range(n):
        path, label, speaker = sources[index % len(sources)]
        samples, rate = sf.read(path, dtype="float32")
        samples = samples + rng.uniform(-1e-4, 1e-4, samples.shape).astype(np.float32)
        target = root / FRENCH[label] / f"enregistrement-{index:05d}.flac"
        target.parent.mkdir(parents=True, exist_ok=True)
        sf.write(target, samples, rate)
        # A copy of a clip stays with its speaker (as a user's corpus would).
        rows.append({"path": os.path.relpath(target, root), "émotion": FRENCH[label],
                     "locuteur": speaker})
    manifest = root / "corpus.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "émotion", "locuteur"])
        writer.writeheader()
        writer.writerows(rows)
    paths = root / "paths.txt"
    paths.write_text("".join(f"{root / r['path']}\n" for r in rows))
    return manifest, paths


def _run(paths, out, manifest=""):
    label_map = {french: code for code, french in FRENCH.items()}
    return run_child(CHILD.format(repo=str(REPO_ROOT), paths=str(paths), out=str(out),
                                  manifest=str(manifest), label_map=label_map))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternated runs of each kind; the fastest of each is kept")
    args = parser.parse_args()
    if not (args.data / "ravdess").is_dir() or not (args.data / "emodb").is_dir():
        sys.exit(f"shared RAVDESS and EmoDB not found under {args.data}: pass --data")
    sources = _sources(args.data)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        manifest, paths = _corpus(sources, args.rows, root / "mine")
        print(f"{args.rows} distinct files from {len(sources)} shared clips (RAVDESS and "
              "EmoDB, four classes), French class folders and a CSV manifest; weight-free "
              "embedder, default waveform steps, chunks of 64, one thread\n")
        # Alternated rounds, the fastest of each kind kept: a busy machine slows one run,
        # not every run of one kind.
        runs = {}
        for index in range(args.rounds):
            for name, source in (("file list", ""), ("manifest", manifest)):
                run = _run(paths, root / f"{name.replace(' ', '-')}-{index}.parquet", source)
                if name not in runs or run["seconds"] < runs[name]["seconds"]:
                    runs[name] = run
    print(f"{'run':>10} {'rows':>6} {'seconds':>8} {'reading s':>10} {'clips/s':>8} "
          f"{'peak RSS MB':>12}")
    for name, run in runs.items():
        print(f"{name:>10} {run['rows']:6d} {run['seconds']:8.1f} {run['read_seconds']:10.1f} "
              f"{run['rows'] / run['seconds']:8.1f} {run['peak_mb']:12.0f}")
    speed = (runs["manifest"]["rows"] / runs["manifest"]["seconds"]) / (
        runs["file list"]["rows"] / runs["file list"]["seconds"])
    memory = runs["manifest"]["peak_mb"] / runs["file list"]["peak_mb"]
    print(f"manifest vs file list: clips/s {speed:.2f}x (target >= 0.90), peak memory "
          f"{memory:.2f}x (target <= 1.10)")
    write_record(__file__, {
        "runs": [{"run": name, "rows": run["rows"], "seconds": round(run["seconds"], 1),
                  "reading s": round(run["read_seconds"], 1),
                  "clips/s": round(run["rows"] / run["seconds"], 1),
                  "peak RSS MB": round(run["peak_mb"])} for name, run in runs.items()],
        "summary": {"clips/s, manifest vs file list (target >= 0.90)": round(speed, 2),
                    "peak memory, manifest vs file list (target <= 1.10)": round(memory, 2)},
    }, threads=1)


if __name__ == "__main__":
    main()
