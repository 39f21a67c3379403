"""Embedder speed and memory on real speech (shared RAVDESS).

Prints, side by side in one run:

- per-clip time of the full-size DistilHuBERT architecture (random weights: timing does
  not depend on the weights) with 2 threads, the paper's way (every clip padded to 8 s
  and encoded at 8 s) vs skser's (true lengths, the default one clip per pass); target ratio
  0.55 or less for these 3-5 s clips;
- per-clip time of the weight-free AcousticEmbedder on one core, on 8 s clips of speech
  (target 20 ms or less) and on the RAVDESS clips: at one speed, without and with the
  spectral dynamics (``dynamics=True``), and as the default categorical pipeline embeds
  (the dynamics and the speed views 0.9 and 1.1: three embeddings per clip), without and
  with the dynamics;
- peak memory (RSS) of a fresh process embedding a few hundred clips with DistilHuBERT
  (target 1.5 GB or less).

Usage: python benchmarks/bench_embedders.py [--data ../shared/data] [--clips 48]
"""

import argparse
import resource
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA, continuous_speech, median_seconds, write_record


def _ravdess_clips(data, n_clips):
    from skser.datasets import load_ravdess
    from skser.io import load_audio

    files = load_ravdess(data / "ravdess", labels="all").filenames
    picked = files[np.linspace(0, len(files) - 1, n_clips).astype(int)]
    return [load_audio(path) for path in picked]


def _full_size_model(folder):
    import torch
    from transformers import HubertModel

    from skser.embedding import distilhubert_config

    torch.manual_seed(0)
    HubertModel(distilhubert_config()).save_pretrained(folder)
    return folder


def bench_distilhubert(clips, folder, repeats):
    import torch

    from skser.embedding import DistilHuBERTEmbedder
    from skser.io import as_batch
    from skser.preprocessing import FixedDuration

    torch.set_num_threads(2)
    X = as_batch(clips)
    embedder = DistilHuBERTEmbedder(model=folder).fit(X)
    padded = FixedDuration(duration=8.0).transform(X)
    full = torch.full((1,), padded.shape[1], dtype=torch.long)

    def paper_way():  # zeros encoded as signal, one 8 s clip at a time
        with torch.inference_mode():
            for row in padded:
                embedder.module_(torch.from_numpy(row[None]), full)

    def true_length():
        embedder.transform(padded)

    seconds = np.array([len(c) for c in clips]) / 16000
    padded_time = median_seconds(paper_way, repeats, per=len(clips))
    true_time = median_seconds(true_length, repeats, per=len(clips))
    print(f"DistilHuBERT, {len(clips)} RAVDESS clips of {seconds.mean():.2f} s on average "
          f"({seconds.min():.2f}-{seconds.max():.2f} s), 2 threads, median of {repeats}:")
    print(f"  padded to 8 s      {1000 * padded_time:8.1f} ms/clip")
    print(f"  true length        {1000 * true_time:8.1f} ms/clip")
    print(f"  ratio true/padded  {true_time / padded_time:8.2f}   (target <= 0.55)")
    return {"clips": len(clips), "mean clip seconds": round(float(seconds.mean()), 2),
            "padded to 8 s (ms/clip)": round(1000 * padded_time, 1),
            "true length (ms/clip)": round(1000 * true_time, 1),
            "ratio true/padded (target <= 0.55)": round(true_time / padded_time, 2)}


def bench_acoustic(clips, repeats):
    import torch

    from skser.embedding import AcousticEmbedder
    from skser.io import as_batch
    from skser.pipeline import DEFAULT_SPEEDS

    torch.set_num_threads(1)
    eight = continuous_speech(clips, 8)
    X = as_batch(clips)
    rows = []
    for speeds, dynamics, title in [
        ((), False, "one speed"),
        ((), True, "one speed, with dynamics"),
        (DEFAULT_SPEEDS, False, "speeds 0.9, 1.1, without dynamics"),
        (DEFAULT_SPEEDS, True, "the default: speeds 0.9, 1.1, with dynamics"),
    ]:
        transform = AcousticEmbedder(batch_size=8, speeds=speeds,
                                     dynamics=dynamics).fit(eight).transform
        per_8s = median_seconds(partial(transform, eight), repeats, per=len(eight))
        per_clip = median_seconds(partial(transform, X), repeats, per=len(X))
        print(f"AcousticEmbedder (weight-free), {title}, 1 thread, median of {repeats}:")
        print(f"  8 s speech clips   {1000 * per_8s:8.1f} ms/clip   (target <= 20 ms; "
              f"{len(eight)} clips)")
        print(f"  RAVDESS clips      {1000 * per_clip:8.1f} ms/clip")
        rows.append({"embedder": title, "8 s speech clip (ms, target <= 20)":
                     round(1000 * per_8s, 1), "RAVDESS clip (ms)": round(1000 * per_clip, 1)})
    return rows


_MEMORY_CHILD = """
import resource, sys, numpy as np, torch
sys.path.insert(0, {root!r})
torch.set_num_threads(2)
from skser.embedding import DistilHuBERTEmbedder
from skser.datasets import load_ravdess
from skser.io import AudioLoader
files = load_ravdess({ravdess!r}, labels="all").filenames[: {n}]
X = AudioLoader().transform(files)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
embeddings = DistilHuBERTEmbedder(model={model!r}).fit(X).transform(X)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(embeddings.shape[0], before / 1024, peak / 1024, X.nbytes / 2**20)
"""


def bench_memory(data, folder, n_clips):
    code = _MEMORY_CHILD.format(
        root=str(Path(__file__).resolve().parents[1]), ravdess=str(data / "ravdess"),
        n=n_clips, model=str(folder),
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    count, before, peak, batch = result.stdout.split()[-4:]
    print(f"Peak memory embedding {count} clips with DistilHuBERT (fresh process, RSS):")
    print(f"  before embedding   {float(before):8.0f} MB   (audio batch {float(batch):.0f} MB)")
    print(f"  peak               {float(peak):8.0f} MB   (target <= 1536 MB)")
    return {"clips": int(count), "before embedding (MB)": round(float(before)),
            "peak (MB, target <= 1536)": round(float(peak))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--clips", type=int, default=48, help="clips for the timings")
    parser.add_argument("--memory-clips", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not (args.data / "ravdess").is_dir():
        sys.exit(f"shared RAVDESS not found under {args.data}: pass --data")
    clips = _ravdess_clips(args.data, args.clips)
    with tempfile.TemporaryDirectory() as folder:
        acoustic = bench_acoustic(clips, args.repeats)  # first: a fresh process, one thread
        _full_size_model(folder)
        hubert = bench_distilhubert(clips, folder, args.repeats)
        memory = bench_memory(args.data, folder, args.memory_clips)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process, timings only: peak RSS {peak:.0f} MB)")
    write_record(__file__, {
        "AcousticEmbedder (weight-free), 1 thread": acoustic,
        "DistilHuBERT (random weights), 2 threads": hubert,
        "DistilHuBERT peak memory (fresh process, RSS)": memory,
    }, threads="1 (weight-free), 2 (DistilHuBERT)",
        notes="DistilHuBERT has random weights: its timing does not depend on them.")


if __name__ == "__main__":
    main()
