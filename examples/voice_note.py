"""One verdict for a long voice note: VAD, 8 s windows, averaged probabilities, a timeline.

    python examples/voice_note.py [--vad silero] [--out timeline.png]
"""

import argparse
import os
import tempfile

import matplotlib
import numpy as np
import soundfile as sf

matplotlib.use("Agg")

from skser.datasets import make_emotional_speech  # noqa: E402
from skser.io import clip_lengths  # noqa: E402
from skser.pipeline import make_ser_pipeline  # noqa: E402
from skser.voice_note import analyze_voice_note  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--vad", choices=("energy", "silero"), default="energy")
parser.add_argument("--out", default="timeline.png")
args = parser.parse_args()

X, y, groups = make_emotional_speech(n_speakers=5, n_clips_per_class=6, random_state=0)
unseen = groups == "synthetic:04"
model = make_ser_pipeline().fit(X[~unseen], y[~unseen])

# A 40-ish second note from the unseen speaker: clips joined with pauses.
rng = np.random.default_rng(0)
parts = []
for row in rng.permutation(np.flatnonzero(unseen))[:10]:
    pause = np.zeros(int(rng.uniform(0.5, 2) * 16000))
    parts += [X[row, : clip_lengths(X[row : row + 1])[0]], pause]
note = np.concatenate(parts) + 0.002 * rng.standard_normal(sum(map(len, parts)))
path = os.path.join(tempfile.mkdtemp(), "note.wav")
sf.write(path, note, 16000)

result = analyze_voice_note(model, path, vad=args.vad, window=8.0, aggregation="mean")
print(result.format_table())
result.plot_timeline().figure.savefig(args.out, dpi=100, bbox_inches="tight")
print(f"timeline saved to {args.out}")
