"""
Distillation: a tiny waveform student of a fitted pipeline
==========================================================

:func:`~skser.distillation.distill` trains a Wav2Small student, a network of about ten
thousand parameters that reads the raw waveform, to reproduce a fitted teacher's
probabilities. It needs no labels: the teacher labels the clips. The student then
exports to an ONNX file of tens of kilobytes.
"""

# %%
# A teacher
# ---------
import os
import shutil
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from skser.datasets import make_emotional_speech
from skser.distillation import Wav2SmallClassifier, distill
from skser.export import OnnxPipeline, to_onnx
from skser.pipeline import make_ser_pipeline

X, y, speakers = make_emotional_speech(n_speakers=5, n_clips_per_class=4, random_state=0)
test = speakers == "synthetic:04"
val = speakers == "synthetic:03"
train = ~(test | val)
teacher = make_ser_pipeline(speeds=(), n_ensemble=1, random_state=0).fit(X[train], y[train])

# %%
# The student
# -----------
# The teacher labels two random crops of each training clip (``n_views``); the student
# learns the softened probabilities and early-stops on its agreement with the teacher on
# another speaker. A real run uses thousands of unlabeled clips and more epochs.
student = distill(teacher, X[train], X_val=X[val], n_views=2, random_state=0,
                  student=Wav2SmallClassifier(max_iter=8, random_state=0))
print(f"{student.n_parameters_:,} parameters; agreement with the teacher on the "
      f"validation speaker per epoch: {np.round(student.validation_scores_, 2).tolist()}")

# %%
# Export it
# ---------
folder = tempfile.mkdtemp()
path = os.path.join(folder, "student-int8.onnx")
to_onnx(student, quantize="int8", calibration=X[train][:16], path=path)
runtime = OnnxPipeline(path)
print(f"int8 student: {os.path.getsize(path) / 1e3:.0f} kB")

# %%
# Teacher and student on the unseen speaker
# -----------------------------------------
# The student learns from the teacher alone, so it is judged by how often it agrees
# with it; on this tiny corpus and short training it agrees only in part.
teacher_labels = teacher.predict(X[test])
labels = {"teacher": teacher_labels, "student (torch)": student.predict(X[test]),
          "student (ONNX int8)": runtime.predict(X[test])}
accuracy = {name: np.mean(pred == y[test]) for name, pred in labels.items()}
agreement = {name: np.mean(pred == teacher_labels) for name, pred in labels.items()}

fig, ax = plt.subplots(figsize=(6, 3))
positions = np.arange(len(labels))
ax.bar(positions - 0.2, list(accuracy.values()), width=0.4, label="accuracy")
ax.bar(positions + 0.2, list(agreement.values()), width=0.4, label="agreement with teacher")
ax.set_xticks(positions, list(labels))
ax.set_ylim(0, 1)
ax.legend(fontsize=8)
fig.tight_layout()

shutil.rmtree(folder)
