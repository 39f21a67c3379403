"""
The paper's pipeline, end to end
================================

From waveforms to emotions in the steps of the DistilHuBERT mobile study: trim the
silence, pre-emphasise, normalise the peak, fix the duration, embed, and classify with a
focal-loss head that early-stops on a held-out speaker. This example fits it on three
synthetic speakers and asks it about a fourth it has never heard.

The weight-free :class:`~skser.embedding.AcousticEmbedder` stands in for DistilHuBERT so
that nothing is downloaded; ``make_ser_pipeline(embedder="distilhubert")`` swaps it.
"""

# %%
# A small corpus
# --------------
# :func:`~skser.datasets.make_emotional_speech` draws speech-like clips whose prosody
# follows the emotion (angry: loud, high and fast; sad: quiet, low and slow). Every
# skser step takes a batch as a 2-D float32 array ``(n_clips, n_samples)``, zero-padded
# at the end (see :ref:`waveform_convention`).
import matplotlib.pyplot as plt
import numpy as np

from skser.datasets import make_emotional_speech
from skser.io import SAMPLE_RATE, clip_lengths
from skser.model_selection import fit_with_validation
from skser.pipeline import make_ser_pipeline

X, y, speakers = make_emotional_speech(n_speakers=5, n_clips_per_class=4, random_state=0)
print(X.shape, X.dtype, np.unique(speakers))

# %%
# The pipeline
# ------------
# One call builds the paper's steps. For a fast example the embedder embeds each clip
# once (``speeds=()``) and the head trains one network (``n_ensemble=1``); the defaults
# add two speed views and average five heads.
pipe = make_ser_pipeline(speeds=(), n_ensemble=1, random_state=0)
pipe  # noqa: B018 (the gallery shows its diagram)

# %%
# What the front end does to a clip
# ---------------------------------
# The steps before the embedder are stateless: trimming keeps the speech, pre-emphasis
# lifts the high frequencies, and the peak normaliser removes the recording level.
clip = X[:1]
front = pipe[1:-2]  # after the AudioLoader, before the embedder and the head
processed = front.fit_transform(clip)
fig, axes = plt.subplots(2, 1, figsize=(7, 4), sharex=True)
for ax, wave, title in [(axes[0], clip[0], "as recorded"),
                        (axes[1], processed[0], "after the front end")]:
    n = clip_lengths(wave[None])[0]
    ax.plot(np.arange(n) / SAMPLE_RATE, wave[:n], lw=0.5)
    ax.set_title(title, fontsize=10)
axes[1].set_xlabel("seconds")
fig.tight_layout()

# %%
# Fit on three speakers, early-stop on a fourth
# ---------------------------------------------
# The head watches the unweighted accuracy of a validation speaker and keeps its best
# epoch. :func:`~skser.model_selection.fit_with_validation` hands the validation clips
# through the pipeline's earlier steps, as scikit-learn's metadata routing does.
test = speakers == "synthetic:04"
val = speakers == "synthetic:03"
train = ~(test | val)
fit_with_validation(pipe, X[train], y[train], X_val=X[val], y_val=y[val])

# %%
# Ask about the unseen speaker
# ----------------------------
proba = pipe.predict_proba(X[test])
print("accuracy on the unseen speaker:", np.mean(pipe.predict(X[test]) == y[test]))

fig, ax = plt.subplots(figsize=(7, 3))
ax.imshow(proba.T, aspect="auto", cmap="viridis", vmin=0, vmax=1)
ax.set_yticks(range(len(pipe.classes_)), pipe.classes_)
ax.set_xticks(range(len(y[test])), y[test], rotation=90, fontsize=8)
ax.set_xlabel("clips of the unseen speaker (true label)")
ax.set_title("predicted probabilities", fontsize=10)
fig.tight_layout()
