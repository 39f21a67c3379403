"""Fit the default pipeline, export it to ONNX (fp32 and int8) and serve it without torch.

    python examples/export_and_serve.py
"""

import os
import tempfile

import numpy as np

from skser.datasets import make_emotional_speech
from skser.export import OnnxPipeline, read_metadata, to_onnx
from skser.pipeline import make_ser_pipeline

X, y, groups = make_emotional_speech(n_speakers=4, n_clips_per_class=6, random_state=0)
train, calibration = groups != "synthetic:03", groups == "synthetic:03"
pipe = make_ser_pipeline().fit(X[train], y[train])

folder = tempfile.mkdtemp()
fp32 = os.path.join(folder, "ser.onnx")
int8 = os.path.join(folder, "ser-int8.onnx")
to_onnx(pipe, path=fp32)
# Static int8 calibrates activation ranges on real clips (here: a held-out speaker).
to_onnx(pipe, quantize="int8", calibration=X[calibration], path=int8)

expected = pipe.predict_proba(X)
for path in (fp32, int8):
    runtime = OnnxPipeline(path)  # onnxruntime only: this is what ships
    got = runtime.predict_proba(X)
    agree = np.mean(got.argmax(1) == expected.argmax(1))
    print(f"{os.path.basename(path):14s} {os.path.getsize(path) / 1e6:5.2f} MB  "
          f"quantization={read_metadata(runtime.session_)['quantization']:12s} "
          f"max |dp|={np.abs(got - expected).max():.1e}  top-1 agreement={agree:.0%}")
