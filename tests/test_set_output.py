"""``set_output(transform="pandas")`` on skser pipelines, as scikit-learn users call it."""

import numpy as np
import pytest

from skser.datasets import make_emotional_speech
from skser.io import AudioLoader
from skser.pipeline import make_ser_pipeline
from skser.preprocessing import FixedDuration, PeakNormalizer, PreEmphasis, Trimmer

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def corpus():
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    return X, y


@pytest.mark.parametrize("task", ["categorical", "dimensional"])
def test_pandas_output_gives_named_features_and_the_same_predictions(corpus, task):
    X, y = corpus
    if task == "dimensional":
        y = np.column_stack([np.arange(len(y)) % 3, np.arange(len(y)) % 2,
                             np.arange(len(y)) % 5]).astype(float)
    plain = make_ser_pipeline(task=task).fit(X, y)
    framed = make_ser_pipeline(task=task).set_output(transform="pandas").fit(X, y)
    method = "predict" if task == "dimensional" else "predict_proba"
    np.testing.assert_array_equal(getattr(plain, method)(X), getattr(framed, method)(X))

    features = framed[:-1].transform(X[:3])
    assert isinstance(features, pd.DataFrame)
    assert features.columns.is_unique
    assert list(features.columns) == list(framed[-2].get_feature_names_out())
    np.testing.assert_array_equal(features.to_numpy(), plain[:-1].transform(X[:3]))


@pytest.mark.parametrize("step", [AudioLoader(), Trimmer(), PreEmphasis(), PeakNormalizer(),
                                  FixedDuration(duration=0.5)])
def test_waveform_steps_accept_the_setting_and_keep_arrays(corpus, step):
    X, _ = corpus
    assert step.set_output(transform="pandas") is step
    out = step.fit_transform(X[:2])
    assert isinstance(out, np.ndarray) and out.ndim == 2


def test_an_unknown_container_is_named():
    with pytest.raises(ValueError, match="'arrow'"):
        Trimmer().set_output(transform="arrow")
