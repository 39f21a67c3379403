"""Leave-one-speaker-out evaluation of the default pipeline, with its confusion matrix.

Runs on the synthetic corpus by default (no download); pass a corpus folder to use real
speech:

    python examples/evaluate_by_session.py
    python examples/evaluate_by_session.py --ravdess ../shared/data/ravdess
"""

import argparse
import tempfile

import matplotlib

matplotlib.use("Agg")

from skser.datasets import load_ravdess, make_emotional_speech  # noqa: E402
from skser.io import AudioLoader  # noqa: E402
from skser.model_selection import evaluate_sessions  # noqa: E402
from skser.pipeline import make_ser_pipeline  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--ravdess", help="a RAVDESS folder (official layout)")
parser.add_argument("--speakers", type=int, default=6, help="synthetic speakers")
parser.add_argument("--out", default="confusion_matrix.png")
args = parser.parse_args()

if args.ravdess:
    data = load_ravdess(args.ravdess)
    X, y, groups = AudioLoader(n_jobs=2).transform(data.filenames), data.target, data.groups
else:
    X, y, groups = make_emotional_speech(n_speakers=args.speakers, n_clips_per_class=6,
                                         random_state=0)

with tempfile.TemporaryDirectory() as cache:
    # The embedder caches each clip's features: every fold reuses them.
    pipe = make_ser_pipeline(memory=cache)
    report = evaluate_sessions(pipe, X, y, groups, validation="next", verbose=True)

print(report)
ax = report.plot_confusion_matrix()
ax.figure.savefig(args.out, dpi=100, bbox_inches="tight")
print(f"confusion matrix saved to {args.out}")
