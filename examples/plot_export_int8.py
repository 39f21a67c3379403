"""
Export to ONNX, int8, and the torch-free runtime
================================================

A fitted pipeline becomes one ONNX graph, waveforms in and probabilities out.
:class:`~skser.export.OnnxPipeline` runs it with onnxruntime alone, which is all a
server or a phone needs. Static int8 quantization, calibrated on real clips, makes it
smaller and, on CPUs with int8 instructions, faster; this example measures how far its
probabilities move.
"""

# %%
# Fit, then export twice
# ----------------------
import os
import shutil
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from skser.datasets import make_emotional_speech
from skser.export import OnnxPipeline, read_metadata, to_onnx
from skser.pipeline import make_ser_pipeline

X, y, speakers = make_emotional_speech(n_speakers=4, n_clips_per_class=4, random_state=0)
calibration = speakers == "synthetic:03"  # a held-out speaker calibrates int8
pipe = make_ser_pipeline(speeds=(), n_ensemble=1, random_state=0)
pipe.fit(X[~calibration], y[~calibration])

folder = tempfile.mkdtemp()
fp32_path = os.path.join(folder, "ser.onnx")
int8_path = os.path.join(folder, "ser-int8.onnx")
fp32_model = to_onnx(pipe, path=fp32_path)  # also returns the onnx.ModelProto
int8_model = to_onnx(pipe, quantize="int8", calibration=X[calibration], path=int8_path)

# %%
# Run them without torch
# ----------------------
# ``OnnxPipeline`` takes waveforms or file paths, batches clips of similar length and
# checks that every row of probabilities is finite and sums to one.
expected = pipe.predict_proba(X)
results = {}
for name, path in [("fp32", fp32_path), ("int8", int8_path)]:
    runtime = OnnxPipeline(path)
    proba = runtime.predict_proba(X)
    results[name] = proba
    print(f"{name}: {os.path.getsize(path) / 1e6:.2f} MB, "
          f"quantization={read_metadata(runtime.session_)['quantization']}, "
          f"max |p - sklearn| = {np.abs(proba - expected).max():.1e}, "
          f"top-1 agreement {np.mean(proba.argmax(1) == expected.argmax(1)):.0%}")

# %%
# How far the probabilities move
# ------------------------------
# float32 ONNX reproduces scikit-learn to rounding; int8 moves each probability a little.
fig, axes = plt.subplots(1, 2, figsize=(8, 4), sharey=True)
for ax, name in zip(axes, results):
    ax.scatter(expected.ravel(), results[name].ravel(), s=8, alpha=0.6)
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8)
    ax.set_title(f"ONNX {name}", fontsize=10)
    ax.set_xlabel("scikit-learn probability")
axes[0].set_ylabel("ONNX probability")
fig.tight_layout()

# %%
# On a server
# -----------
# The deployment install is ``pip install -r deploy-requirements.txt`` and
# ``pip install --no-deps skser`` (see :ref:`deployment`); then
# ``skser predict ser-int8.onnx a.wav --json`` or ``OnnxPipeline("ser-int8.onnx")``.
shutil.rmtree(folder)
