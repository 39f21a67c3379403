"""
Evaluation by session, with a confusion matrix
==============================================

Emotion models are judged on speakers they have never heard. Each fold of
:func:`~skser.model_selection.evaluate_sessions` tests on one speaker, early-stops on the
next and trains on the rest, after checking that no speaker and no clip's audio is
shared between them. The report gives weighted and unweighted accuracy, macro-F1 and
per-class F1 over folds, and the confusion matrix summed over folds.
"""

# %%
# Four speakers, four folds
# -------------------------
import tempfile

from skser.datasets import make_emotional_speech
from skser.model_selection import evaluate_sessions
from skser.pipeline import make_ser_pipeline

X, y, speakers = make_emotional_speech(n_speakers=4, n_clips_per_class=4, random_state=0)

# %%
# The embedding cache (``memory=``) embeds each clip once, however many folds use it.
with tempfile.TemporaryDirectory() as cache:
    pipe = make_ser_pipeline(memory=cache, speeds=(), n_ensemble=1, random_state=0)
    report = evaluate_sessions(pipe, X, y, speakers, validation="next")
print(report)

# %%
# The confusion matrix
# --------------------
# Rows are the true classes, columns the predicted ones, summed over the four folds.
ax = report.plot_confusion_matrix()

# %%
# The same folds in scikit-learn
# ------------------------------
# :class:`~skser.model_selection.LeaveOneSessionOut` is a scikit-learn splitter and
# :data:`~skser.metrics.SER_SCORING` a dictionary of scorers, so
# :func:`~sklearn.model_selection.cross_validate` gives the same folds, without the
# validation speaker for early stopping.
from skser.model_selection import LeaveOneSessionOut  # noqa: E402

print([len(test) for _, test in LeaveOneSessionOut().split(X, y, groups=speakers)])
