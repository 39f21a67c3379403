"""Cost of 5-fold session cross-validation with the embedding cache (shared RAVDESS).

The frozen encoder runs once per clip across all folds: ``make_ser_pipeline(embedder=
"distilhubert", memory=<cache folder>)``. Uses the exact DistilHuBERT architecture with
random weights (timing does not depend on the weights) and the 336 RAVDESS emotion4
clips, loaded once; the 12 actors, sorted, are split into 5 sessions of consecutive actors
(3, 3, 2, 2, 2 actors). Prints, in one run, with 2 torch threads, wall and CPU (process)
times (the CPU ratio is the steadier one when other processes share the cores):

- one embedding pass: the pipeline's preprocessing + embedder (weights loaded once) over
  all clips, no cache (after a 4-clip warm-up);
- the full 5-fold session CV, ``evaluate_sessions(pipe, X, y, sessions, validation="next")``,
  with a fresh cache: total wall time, the ratio CV / one pass (target 1.2 or less), and
  the number of clips the encoder ran on (counted from the "skser.embedding" DEBUG log),
  and each fold's seconds (the first fold runs the encoder on every clip, the others read
  the cache);
- the CV's UA and WA, for the record only: with a random-weight encoder they are
  meaningless;
- with ``--without-cache``, the same CV with ``memory=None`` (the encoder runs on every
  clip in every fold: about 5 more embedding passes, ~6 minutes on 2 cores).

Usage: python benchmarks/bench_session_cv.py [--data ../shared/data] [--without-cache]
"""

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA, write_record

N_SESSIONS = 5


class _EncoderCounter(logging.Handler):
    """Sums the clips the embedder really encoded, from its DEBUG log records."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.encoded = self.cached = 0

    def emit(self, record):
        if "from the cache" in record.msg:
            _, encoded, cached = record.args
            self.encoded += encoded
            self.cached += cached


def _counting():
    counter = _EncoderCounter()
    logger = logging.getLogger("skser.embedding")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    return counter


def _sessions(actors):
    """Sorted actors split into ``N_SESSIONS`` near-equal consecutive groups."""
    ordered = np.unique(actors)
    mapping = {}
    for index, chunk in enumerate(np.array_split(ordered, N_SESSIONS)):
        for actor in chunk:
            mapping[actor] = f"S{index + 1}"
    return np.array([mapping[actor] for actor in actors]), mapping


def _full_size_model(folder):
    import torch
    from transformers import HubertModel
    from transformers.utils import logging as hf_logging

    from skser.embedding import distilhubert_config

    torch.manual_seed(0)
    hf_logging.disable_progress_bar()
    HubertModel(distilhubert_config()).save_pretrained(folder)
    return folder


def _cv(pipe, X, y, sessions, label):
    from skser.model_selection import evaluate_sessions

    counter = _counting()
    start, cpu = time.perf_counter(), time.process_time()
    report = evaluate_sessions(pipe, X, y, sessions, validation="next", n_jobs=1)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    logging.getLogger("skser.embedding").removeHandler(counter)
    per_fold = [fold.fit_time + fold.predict_time for fold in report.folds]
    print(f"{label}: {seconds:6.1f} s wall, {cpu:6.1f} s CPU")
    print("  per fold (fit + predict): " + ", ".join(f"{s:.1f}" for s in per_fold) + " s")
    print(f"  encoder ran on {counter.encoded} clips, {counter.cached} taken from the cache")
    return seconds, cpu, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--without-cache", action="store_true",
                        help="also run the CV with memory=None (~5 more embedding passes)")
    args = parser.parse_args()
    if not (args.data / "ravdess").is_dir():
        sys.exit(f"shared RAVDESS not found under {args.data}: pass --data")

    import torch
    from sklearn.base import clone

    from skser.datasets import load_ravdess
    from skser.io import AudioLoader
    from skser.pipeline import make_ser_pipeline

    torch.set_num_threads(args.threads)
    data = load_ravdess(args.data / "ravdess")
    X = AudioLoader(n_jobs=2).transform(data.filenames)
    y = np.asarray(data.target)
    sessions, mapping = _sessions(np.asarray(data.groups))
    groups = {}
    for actor, session in mapping.items():
        groups.setdefault(session, []).append(actor)
    print(f"{len(X)} RAVDESS clips (emotion4), {args.threads} torch threads; sessions: "
          + ", ".join(f"{s} = actors {'+'.join(a)}" for s, a in groups.items()))

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        model = _full_size_model(folder / "encoder")

        def pipeline(memory):
            return make_ser_pipeline(embedder="distilhubert", model=model, memory=memory)

        clone(pipeline(None))[:-1].fit_transform(X[:4])  # warm-up: first torch calls

        counter = _counting()
        start, cpu = time.perf_counter(), time.process_time()
        clone(pipeline(None))[:-1].fit_transform(X)
        one_pass, one_cpu = time.perf_counter() - start, time.process_time() - cpu
        logging.getLogger("skser.embedding").removeHandler(counter)
        print(f"one embedding pass (preprocessing + encoder, no cache): {one_pass:6.1f} s wall, "
              f"{one_cpu:6.1f} s CPU")
        print(f"  {1000 * one_pass / len(X):.0f} ms/clip, encoder ran on {counter.encoded} clips")

        cached, cached_cpu, report = _cv(pipeline(folder / "cache"), X, y, sessions,
                                         f"{N_SESSIONS}-fold session CV, fresh cache")
        print(f"  ratio CV / one pass: {cached / one_pass:.2f} wall   (target <= 1.2), "
              f"{cached_cpu / one_cpu:.2f} CPU")
        print(f"  UA {100 * report.mean['ua']:.1f} ± {100 * report.std['ua']:.1f} %, "
              f"WA {100 * report.mean['wa']:.1f} ± {100 * report.std['wa']:.1f} % "
              "(random encoder weights: meaningless, for the record only)")

        figures = {
            "clips": len(X),
            "one embedding pass (s wall)": round(one_pass, 1),
            "one embedding pass (s CPU)": round(one_cpu, 1),
            "ms per clip": round(1000 * one_pass / len(X)),
            f"{N_SESSIONS}-fold session CV, fresh cache (s wall)": round(cached, 1),
            "ratio CV / one pass, wall (target <= 1.2)": round(cached / one_pass, 2),
            "ratio CV / one pass, CPU": round(cached_cpu / one_cpu, 2),
            "UA % (random encoder weights: meaningless)": round(100 * report.mean["ua"], 1),
        }
        if args.without_cache:
            uncached, uncached_cpu, _ = _cv(pipeline(None), X, y, sessions,
                                            f"{N_SESSIONS}-fold session CV, memory=None")
            print(f"  ratio CV / one pass: {uncached / one_pass:.2f} wall, "
                  f"{uncached_cpu / one_cpu:.2f} CPU   (with the cache: {cached / one_pass:.2f} "
                  "wall)")
            figures["ratio CV / one pass without the cache, wall"] = round(uncached / one_pass, 2)
        else:
            print("(pass --without-cache to time the same CV with memory=None)")
    write_record(__file__, figures, threads=args.threads)


if __name__ == "__main__":
    main()
