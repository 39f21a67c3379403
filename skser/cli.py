"""The ``skser`` command."""

import argparse
import sys

import numpy as np

__all__ = ["main"]


def _demo(args):
    from sklearn.pipeline import make_pipeline

    from .datasets import make_emotional_speech
    from .io import SAMPLE_RATE, clip_lengths
    from .preprocessing import FixedDuration, PeakNormalizer, PreEmphasis, Trimmer

    X, y, groups = make_emotional_speech(
        n_speakers=args.speakers, n_clips_per_class=args.clips, random_state=args.seed
    )
    preprocess = make_pipeline(Trimmer(), PreEmphasis(), PeakNormalizer(), FixedDuration())
    X_ready = preprocess.fit_transform(X)
    before = clip_lengths(X) / SAMPLE_RATE
    after = clip_lengths(X_ready) / SAMPLE_RATE
    labels, counts = np.unique(y, return_counts=True)
    print(f"synthetic corpus: {len(X)} clips, {len(np.unique(groups))} speakers")
    print("classes: " + ", ".join(f"{label} {count}" for label, count in zip(labels, counts)))
    print(f"preprocessing: {' -> '.join(type(step).__name__ for _, step in preprocess.steps)}")
    print(f"batch in: {X.shape}, batch out: {X_ready.shape} ({X_ready.dtype})")
    print(f"speech per clip: {before.mean():.2f} s before trimming, {after.mean():.2f} s after")
    print(f"peak after normalisation: {np.abs(X_ready).max(axis=1).mean():.3f}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skser", description="Speech emotion recognition with scikit-learn estimators."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="run the default job on a synthetic corpus (no download needed)"
    )
    demo.add_argument("--speakers", type=int, default=8, help="synthetic speakers")
    demo.add_argument("--clips", type=int, default=10, help="clips per class and speaker")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None):
    """Run the ``skser`` command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
