"""Speaker statistics that cannot standardise: copies of one clip have no spread."""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression

from skser.exceptions import SpeakerAdaptationWarning
from skser.preprocessing import SpeakerNormalizer, SpeakerStats, make_speaker_adapted

rng = np.random.default_rng(0)
E = rng.standard_normal((12, 4))
SPEAKERS = np.array(["a"] * 6 + ["b"] * 6)


def test_a_training_speaker_of_copies_is_standardised_globally():
    copies = E.copy()
    copies[6:] = E[6]  # speaker b: six copies of one clip
    with pytest.warns(SpeakerAdaptationWarning, match=r"'b' \(6 clip\(s\)\).*copies"):
        normalizer = SpeakerNormalizer(min_clips=3).fit(copies, speakers=SPEAKERS)
        out = normalizer.transform(copies, speakers=SPEAKERS)
    assert "b" not in normalizer.speaker_stats_
    np.testing.assert_allclose(out[6:], (copies[6:] - normalizer.mean_) / normalizer.scale_)
    assert np.isfinite(out).all()


def test_enrolled_statistics_of_copies_are_refused_by_name():
    stats = SpeakerStats.from_embeddings(np.repeat(E[:1], 5, axis=0))
    normalizer = SpeakerNormalizer(min_clips=3).fit(E, speakers=SPEAKERS)
    with pytest.raises(ValueError, match=r"speaker_stats\['c'\].*no spread.*copies"):
        normalizer.transform(E[:2], speakers=["c", "c"], speaker_stats={"c": stats})


def test_distinct_clips_still_standardise_by_their_speaker():
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_speaker_adapted(LogisticRegression(), min_clips=3)
        pipe.fit(E, np.arange(12) % 2, speakers=SPEAKERS)
    normalizer = pipe[0]
    assert sorted(normalizer.speaker_stats_) == ["a", "b"]
