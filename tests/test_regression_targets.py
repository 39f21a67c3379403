"""Dimensional targets a regressor cannot learn from are refused by name."""

import numpy as np
import pytest

from skser.regression import CCCLossRegressor

X = np.random.default_rng(0).standard_normal((20, 5)).astype(np.float32)
RAMP = np.arange(20.0)


@pytest.mark.parametrize(("X_fit", "y", "message"), [
    (X, np.column_stack([np.ones(20), RAMP, RAMP]), r"'arousal' \(always 1\) have the same"),
    (X, np.full(20, 0.5), r"'y0' \(always 0.5\)"),
    (X, np.array([["low", "mid", "high"]] * 20), r"text \('high', 'low', 'mid'\).*Focal"),
    (X, np.array(["ang", "sad"] * 10), r"text \('ang', 'sad'\)"),
    (X[:1], np.ones((1, 3)), r"at least 2 training clips .* got 1 sample"),
])
def test_targets_that_cannot_be_learnt_are_named(X_fit, y, message):
    with pytest.raises(ValueError, match=message):
        CCCLossRegressor(max_iter=2).fit(X_fit, y)


def test_numbers_written_as_text_still_fit():
    y = np.column_stack([RAMP, RAMP[::-1], RAMP % 3]).astype(str)
    model = CCCLossRegressor(max_iter=2, n_ensemble=1, random_state=0).fit(X, y)
    assert model.predict(X).shape == (20, 3)
