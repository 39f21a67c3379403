"""Use DistilHuBERT weights from a local folder (the way to work offline).

The real weights come from the Hugging Face Hub ("ntu-spml/distilhubert"): download them
once where there is network, e.g.

    huggingface-cli download ntu-spml/distilhubert --local-dir distilhubert

and run

    python examples/distilhubert_from_a_folder.py --model distilhubert

Without --model this script builds the exact DistilHuBERT architecture with RANDOM
weights, to show the API only: its accuracy is meaningless.
"""

import argparse
import tempfile

from sklearn.base import clone

from skser.datasets import make_emotional_speech
from skser.embedding import distilhubert_config
from skser.model_selection import evaluate_sessions
from skser.pipeline import make_ser_pipeline

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--model", help="a folder written by save_pretrained, or a hub id")
parser.add_argument("--speakers", type=int, default=4)
args = parser.parse_args()

model = args.model
scratch = tempfile.TemporaryDirectory()  # removed when the script ends
if model is None:
    import torch
    from transformers import HubertModel

    model = scratch.name
    torch.manual_seed(0)
    HubertModel(distilhubert_config()).save_pretrained(model)
    print("no --model: random-weight DistilHuBERT (23.5M parameters); accuracy is meaningless")

X, y, groups = make_emotional_speech(n_speakers=args.speakers, n_clips_per_class=3,
                                     random_state=0)
with tempfile.TemporaryDirectory() as cache:
    pipe = make_ser_pipeline(embedder="distilhubert", model=model, local_files_only=True,
                             memory=cache)
    report = evaluate_sessions(clone(pipe), X, y, groups)
print(report)
