"""Helpers shared by the benchmark scripts."""

import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
# The benchmarks measure the skser of their own checkout, installed or not.
sys.path.insert(0, str(REPO_ROOT))


def run_seconds(function, repeats, per=1):
    """Wall time of each of ``repeats`` runs of ``function()`` after one warm-up, / ``per``."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) / per)
    return times


def median_seconds(function, repeats, per=1):
    """Median wall time of ``function()`` over ``repeats`` runs after a warm-up, / ``per``."""
    return float(np.median(run_seconds(function, repeats, per)))


def continuous_speech(clips, n, seconds=8.0):
    """``n`` clips of exactly ``seconds`` of speech, cut from the clips joined end to end."""
    from skser.io import as_batch, clip_lengths
    from skser.preprocessing import Trimmer

    trimmed = Trimmer().transform(clips)
    speech = np.concatenate([row[: length] for row, length in zip(trimmed, clip_lengths(trimmed))])
    width = int(seconds * 16000)
    if speech.size < n * width:
        raise ValueError(f"{speech.size / 16000:.0f} s of speech is too little for {n} clips")
    batch = as_batch([speech[i * width : (i + 1) * width] for i in range(n)])
    return batch[clip_lengths(batch) > width - 160]
