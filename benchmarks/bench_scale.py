"""Corpus scale: embed_corpus's peak memory and speed from 300 to 5,000 files, and on Dask.

The shared RAVDESS clips are repeated under new names (symbolic links in a temporary
folder) to make corpora of 300, 1,200 and 5,000 files. Each size is embedded by
``embed_corpus`` with the weight-free embedder behind the default pipeline's waveform
steps (8 s at most per file, chunks of 64) in a fresh process, which reports its peak
resident memory and its clips per second (timed after a warm-up run of 128 files).
Targets: peak memory flat (5,000 files within 1.3x of 300) and time linear (clips/s
constant). Then 1 and 2 local Dask workers (one
thread each) embed 600 of those files, timed after a warm-up run that starts the
workers. Last, what a 100,000-clip corpus costs at the measured rate.

Usage: python benchmarks/bench_scale.py [--data ../shared/data] [--sizes 300 1200 5000]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import DEFAULT_DATA, REPO_ROOT, run_child, write_record

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from skser.cli._features import front as _front
from skser.embedding import embed_corpus

paths = sorted(str(p) for p in Path({folder!r}).iterdir())
workers = {workers!r}
front = _front("weight-free", "unused", False)
client = None
if workers:
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    client = Client(cluster)
# A warm-up run: worker start-up, imports and first calls are not timed.
embed_corpus(front, paths[:128], out={out!r} + "-warm-up", batch_size=64, client=client,
             max_duration=8.0)
start = time.perf_counter()
result = embed_corpus(front, paths, out={out!r}, batch_size=64, client=client,
                      max_duration=8.0)
seconds = time.perf_counter() - start
size = sum(p.stat().st_size for p in Path({out!r}).iterdir())
print(json.dumps(dict(rows=result.n_rows, seconds=seconds, bytes=size,
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def _corpus(source_files, n, folder):
    """``n`` files in ``folder``: the shared clips repeated under new names (links)."""
    folder.mkdir(parents=True)
    for index in range(n):
        source = source_files[index % len(source_files)]
        (folder / f"clip-{index:06d}{source.suffix}").symlink_to(source)
    return folder


def _run(folder, out, workers=0):
    return run_child(CHILD.format(repo=str(REPO_ROOT), folder=str(folder), out=str(out),
                                  workers=workers))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1200, 5000])
    parser.add_argument("--dask-files", type=int, default=600)
    args = parser.parse_args()
    root = args.data / "ravdess" / "audio"
    if not root.is_dir():
        sys.exit(f"shared RAVDESS not found under {args.data}: pass --data")
    sources = sorted(root.rglob("*.flac"))
    print(f"{len(sources)} RAVDESS files repeated under new names; weight-free embedder, "
          "default waveform steps, chunks of 64 files, one thread (OMP_NUM_THREADS=1)\n")

    with tempfile.TemporaryDirectory() as temporary:
        temporary = Path(temporary)
        rows = {}
        print(f"{'files':>6} {'seconds':>8} {'clips/s':>8} {'peak RSS MB':>12} {'table MB':>9}")
        for n in args.sizes:
            folder = _corpus(sources, n, temporary / f"corpus-{n}")
            rows[n] = _run(folder, temporary / f"features-{n}.parquet")
            row = rows[n]
            print(f"{n:6d} {row['seconds']:8.1f} {n / row['seconds']:8.1f} "
                  f"{row['peak_mb']:12.0f} {row['bytes'] / 1e6:9.1f}")
        low, high = min(rows), max(rows)
        memory_ratio = rows[high]["peak_mb"] / rows[low]["peak_mb"]
        rates = [n / row["seconds"] for n, row in rows.items()]
        print(f"peak memory {high} vs {low} files: {memory_ratio:.2f}x (target <= 1.3x); "
              f"clips/s from {min(rates):.1f} to {max(rates):.1f} "
              f"(time linear when constant); a padded 8 s waveform batch of {high} clips "
              f"alone would be {high * 8 * 16000 * 4 / 1e6:.0f} MB")

        folder = temporary / f"corpus-{args.dask_files}"
        if not folder.exists():
            _corpus(sources, args.dask_files, folder)
        print(f"\nLocal Dask cluster, {args.dask_files} files, one thread per worker "
              "(timed after a warm-up run):")
        dask = {}
        for workers in (1, 2):
            start = time.perf_counter()
            dask[workers] = _run(folder, temporary / f"dask-{workers}.parquet", workers)
            print(f"  {workers} worker(s): {args.dask_files / dask[workers]['seconds']:6.1f} "
                  f"clips/s ({dask[workers]['seconds']:.1f} s; with cluster start-up "
                  f"{time.perf_counter() - start:.0f} s)")
        print(f"  2 vs 1 workers: {dask[1]['seconds'] / dask[2]['seconds']:.2f}x")

        rate = high / rows[high]["seconds"]
        per_row = rows[high]["bytes"] / high
        n = 100_000
        print(f"\n100,000 clips at {rate:.1f} clips/s (one core, weight-free): "
              f"{n / rate / 3600:.1f} h; on 2 local workers "
              f"{n / (args.dask_files / dask[2]['seconds']) / 3600:.1f} h; table "
              f"{n * per_row / 1e6:.0f} MB; peak memory as for {high} files, "
              f"{rows[high]['peak_mb']:.0f} MB")
    write_record(__file__, {
        "embed_corpus, one thread": [
            {"files": files, "seconds": round(row["seconds"], 1),
             "clips/s": round(files / row["seconds"], 1), "peak RSS MB": round(row["peak_mb"]),
             "table MB": round(row["bytes"] / 1e6, 1)} for files, row in rows.items()],
        "summary": {
            f"peak memory {high} vs {low} files (target <= 1.3x)": round(memory_ratio, 2),
            f"local Dask, {args.dask_files} files: 1 worker clips/s":
                round(args.dask_files / dask[1]["seconds"], 1),
            "2 workers clips/s": round(args.dask_files / dask[2]["seconds"], 1),
            "2 vs 1 workers": round(dask[1]["seconds"] / dask[2]["seconds"], 2),
            "100,000 clips, one core (h)": round(n / rate / 3600, 1),
            "100,000 clips, table (MB)": round(n * per_row / 1e6)},
    }, threads=1)


if __name__ == "__main__":
    main()
