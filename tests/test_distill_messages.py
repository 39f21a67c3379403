"""distill's messages count the user's clips, not the views it stacks from them."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from skser.distillation import Wav2SmallClassifier, distill


class LoudClipBreaksTeacher(ClassifierMixin, BaseEstimator):
    """A fitted two-class teacher whose probabilities are NaN for its loudest input."""

    classes_ = np.array(["calm", "loud"])

    def predict_proba(self, X):
        X = np.asarray(X)
        loud = np.abs(X).max(axis=1) > 0.5
        proba = np.tile([0.5, 0.5], (len(X), 1))
        proba[loud] = np.nan
        return proba

    def predict(self, X):
        return self.classes_[np.nan_to_num(self.predict_proba(X)).argmax(1)]

    def __sklearn_is_fitted__(self):
        return True


def test_a_bad_teacher_output_names_the_clip_and_its_view():
    rng = np.random.default_rng(0)
    X = (0.1 * rng.standard_normal((5, 4000))).astype(np.float32)
    X[3] *= 9  # clip 3 is the loud one, in every view
    student = Wav2SmallClassifier(max_iter=1, n_channels=4, n_layers=2, random_state=0)
    with pytest.raises(ValueError, match=r"NaN or inf for clip 3 of X_unlabeled \(view 0\)"):
        distill(LoudClipBreaksTeacher(), X, student=student, n_views=2, augment=False,
                random_state=0)
