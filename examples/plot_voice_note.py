"""
A long voice note: one verdict and a timeline
=============================================

A model trained on clips of a few seconds cannot judge a minute-long voice note in one
piece. :func:`~skser.voice_note.analyze_voice_note` finds the speech with a voice
activity detector, cuts it into windows of at most 8 s, classifies each window and
averages their probabilities into the note's verdict. The timeline shows each window's
probabilities where that window lies in the note.
"""

# %%
# A model, and a note of a speaker it has never heard
# ---------------------------------------------------
import os
import shutil
import tempfile

import numpy as np
import soundfile as sf

from skser.datasets import make_emotional_speech
from skser.io import SAMPLE_RATE, clip_lengths
from skser.pipeline import make_ser_pipeline
from skser.voice_note import analyze_voice_note

X, y, speakers = make_emotional_speech(n_speakers=4, n_clips_per_class=4, random_state=0)
unseen = speakers == "synthetic:03"
model = make_ser_pipeline(speeds=(), n_ensemble=1, random_state=0).fit(X[~unseen], y[~unseen])

# %%
# The note: the unseen speaker's angry clips, then the sad ones, joined by pauses and a
# light hiss, as a phone would record them, written to a WAV file.
rng = np.random.default_rng(0)
parts = []
for emotion in ("ang", "sad"):
    for row in np.flatnonzero(unseen & (y == emotion)):
        parts += [X[row, : clip_lengths(X[row : row + 1])[0]],
                  np.zeros(int(rng.uniform(0.5, 1.5) * SAMPLE_RATE), dtype=np.float32)]
note = np.concatenate(parts)
note = note + 0.002 * rng.standard_normal(note.size).astype(np.float32)
folder = tempfile.mkdtemp()
path = os.path.join(folder, "note.wav")
sf.write(path, note, SAMPLE_RATE)
print(f"{note.size / SAMPLE_RATE:.1f} s of audio")

# %%
# Analyze it
# ----------
# Files are read in blocks, so an hour-long note never sits in memory. ``vad="silero"``
# uses Silero's detector where the ``vad`` extra is installed.
result = analyze_voice_note(model, path, vad="energy", window=4.0)
print(result.format_table())
print("verdict:", result.label)

# %%
# The timeline
# ------------
# Each window's probabilities are drawn over the stretch of audio that window owns; the
# band above gives each window's winning class. The mood turns halfway through the note,
# which the averaged verdict alone would hide.
ax = result.plot_timeline()

shutil.rmtree(folder)
