"""
Dimensional emotion: arousal, valence and dominance
===================================================

Besides categories, skser predicts three continuous dimensions with
:class:`~skser.regression.CCCLossRegressor`, a head trained on one minus the
concordance correlation coefficient (CCC) of each dimension. The synthetic corpus draws
arousal, valence and dominance for each clip and lets them shape the voice: arousal the
level, pitch and rate; valence the spectral tilt and the pitch contour; dominance the
voice quality.
"""

# %%
# Targets of three columns
# ------------------------
import tempfile

from skser.datasets import make_emotional_speech
from skser.model_selection import evaluate_sessions
from skser.pipeline import make_ser_pipeline

X, y, speakers = make_emotional_speech(n_speakers=4, n_clips_per_class=4, random_state=0,
                                       targets="avd")
print(X.shape, y.shape)  # y: arousal, valence, dominance in [0, 1]

# %%
# Leave one speaker out
# ---------------------
# The report gives the CCC, Pearson's r and the mean absolute error of each dimension,
# mean ± std over folds.
with tempfile.TemporaryDirectory() as cache:
    pipe = make_ser_pipeline(task="dimensional", memory=cache, n_ensemble=1, random_state=0)
    report = evaluate_sessions(pipe, X, y, speakers, validation="next")
print(report)

# %%
# True against predicted
# ----------------------
# One panel per dimension, every clip predicted by the fold that did not train on its
# speaker.
axes = report.plot_scatter()
