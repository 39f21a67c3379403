"""Windowing rules and aggregation maths of skser.voice_note, on synthetic region lists."""

import numpy as np
import pytest

from skser.exceptions import InvalidParameterError
from skser.voice_note import aggregate_probabilities, speech_windows, window_weights
from skser.voice_note._windows import _Segmenter


def windows_of(regions, **options):
    windows, speech = speech_windows(regions, **options)
    return windows.tolist(), speech.tolist()


# -- merge, drop, split, hop ------------------------------------------------------------


def test_short_gaps_are_merged_long_ones_split():
    windows, speech = windows_of([[0, 1], [1.25, 2], [4, 5]], merge_gap=0.5)
    assert windows == [[0, 2], [4, 5]]
    assert speech == [1.75, 1.0]  # the merged pause is not speech


def test_merge_gap_zero_keeps_every_region():
    windows, _ = windows_of([[0, 1], [1.25, 2]], merge_gap=0.0)
    assert windows == [[0, 1], [1.25, 2]]


def test_touching_regions_merge_even_with_merge_gap_zero():
    windows, speech = windows_of([[0, 1], [1, 2]], merge_gap=0.0)
    assert windows == [[0, 2]] and speech == [2.0]


def test_fragments_shorter_than_min_speech_are_dropped():
    windows, _ = windows_of([[0, 0.25], [2, 2.75], [5, 5.5]], min_speech=0.5)
    assert windows == [[2, 2.75], [5, 5.5]]  # 0.5 s is kept: the bound is inclusive


def test_fragments_are_merged_before_being_dropped():
    windows, _ = windows_of([[0, 0.25], [0.5, 0.75]], min_speech=0.5, merge_gap=0.5)
    assert windows == [[0, 0.75]]


def test_long_segment_is_split_into_windows_of_at_most_window():
    windows, speech = windows_of([[1, 20]], window=8.0)
    assert windows == [[1, 9], [9, 17], [17, 20]]
    assert speech == [8.0, 8.0, 3.0]


def test_tail_shorter_than_min_speech_is_anchored_to_the_end():
    windows, _ = windows_of([[0, 16.25]], window=8.0, min_speech=0.5)
    assert windows == [[0, 8], [8, 16], [8.25, 16.25]]
    assert all(end - start <= 8 for start, end in windows)


def test_segment_of_exactly_window_is_one_window():
    assert windows_of([[2, 10]], window=8.0)[0] == [[2, 10]]


def test_hop_makes_overlapping_windows():
    windows, _ = windows_of([[0, 10]], window=4.0, hop=2.0)
    assert windows == [[0, 4], [2, 6], [4, 8], [6, 10]]


def test_hop_with_a_tail_longer_than_min_speech():
    # After [6, 10) the tail [10, 11) is 1 s of new audio: a window from the next hop.
    windows, _ = windows_of([[0, 11]], window=4.0, hop=2.0, min_speech=0.5)
    assert windows == [[0, 4], [2, 6], [4, 8], [6, 10], [8, 11]]


def test_hop_with_a_short_tail_is_anchored():
    windows, _ = windows_of([[0, 10.25]], window=4.0, hop=2.0, min_speech=0.5)
    assert windows[-1] == [6.25, 10.25]
    assert len(windows) == 5


def test_speech_counts_only_the_gaps_inside_each_window():
    windows, speech = windows_of([[0, 3], [3.5, 6], [6.25, 9]], window=4.0, merge_gap=1.0)
    assert windows == [[0, 4], [4, 8], [8, 9]]
    assert speech == [3.5, 3.75, 1.0]


def test_no_regions_no_windows():
    windows, speech = speech_windows(np.zeros((0, 2)))
    assert windows.shape == (0, 2) and speech.shape == (0,)


@pytest.mark.parametrize(
    "regions, message",
    [
        ([[0, 1, 2]], r"shape \(n_regions, 2\)"),
        ([[2, 1]], "region 0 ends before it starts"),
        ([[3, 4], [0, 1]], "sorted"),
        ([[0, np.nan]], "NaN"),
    ],
)
def test_bad_regions_are_refused(regions, message):
    with pytest.raises(ValueError, match=message):
        speech_windows(regions)


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(window=4.0, hop=5.0), r"hop \(5.0 s\) must not exceed window"),
        (dict(window=1.0, min_speech=2.0), r"min_speech \(2.0 s\) must not exceed window"),
    ],
)
def test_inconsistent_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        speech_windows([[0, 10]], **options)


@pytest.mark.parametrize("options", [dict(window=0), dict(hop=-1.0), dict(merge_gap=-0.1)])
def test_out_of_range_options_are_refused(options):
    with pytest.raises(InvalidParameterError):
        speech_windows([[0, 10]], **options)


# -- the streaming segmenter ----------------------------------------------------------


def _random_regions(rng, n):
    regions, position = [], 0
    for _ in range(n):
        start = position + int(rng.integers(0, 3000))
        end = start + int(rng.integers(1, 25000))
        regions.append((start, end))
        position = end
    return regions


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("hop", [8000, 3000])
def test_segmenter_gives_the_same_windows_fed_incrementally(seed, hop):
    """Regions reported open (growing), then closed, give the batch result."""
    rng = np.random.default_rng(seed)
    regions = _random_regions(rng, 40)
    options = dict(window=8000, hop=hop, min_speech=1500, merge_gap=1000)
    batch = _Segmenter(**options)
    expected = batch.feed(regions) + batch.finish()

    stream = _Segmenter(**options)
    found = []
    for start, end in regions:
        for confirmed in sorted(rng.integers(start + 1, end + 1, size=3).tolist()):
            found += stream.feed([], (start, confirmed), position=start)
            assert len(found) <= len(expected)
        found += stream.feed([(start, end)], None, position=end)
        needed = stream.needed_from()
        # Every window still to come starts at or after what the segmenter keeps.
        assert needed is None or all(w[0] >= needed for w in expected[len(found) :])
    found += stream.finish()
    assert found == expected
    assert batch.segments == stream.segments


def test_segmenter_closes_a_segment_once_the_vad_has_moved_on():
    segmenter = _Segmenter(window=8000, hop=8000, min_speech=1000, merge_gap=1000)
    assert segmenter.feed([(0, 3000)], None, position=3500) == []
    assert segmenter.needed_from() == 0
    assert segmenter.feed([], None, position=4000) == [(0, 3000, 3000)]
    assert segmenter.needed_from() is None


# -- aggregation ------------------------------------------------------------------------

P = np.array([[0.7, 0.2, 0.1], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]])


def test_mean_is_the_plain_mean():
    np.testing.assert_allclose(aggregate_probabilities(P), P.mean(axis=0))


def test_duration_weights_by_speech_seconds():
    durations = np.array([8.0, 1.0, 3.0])
    expected = (durations[:, None] * P).sum(axis=0) / durations.sum()
    np.testing.assert_allclose(
        aggregate_probabilities(P, method="duration", durations=durations), expected
    )


def test_confidence_weights_are_one_minus_normalized_entropy():
    weights = window_weights(P, method="confidence")
    entropy = -np.sum(P[0] * np.log(P[0]))
    raw = np.array([1 - entropy / np.log(3), 0.0, 1.0])
    np.testing.assert_allclose(weights, raw / raw.sum(), atol=1e-12)
    np.testing.assert_allclose(
        aggregate_probabilities(P, method="confidence"), raw @ P / raw.sum()
    )


def test_confidence_ignores_an_undecided_window():
    decided = aggregate_probabilities(P[[0, 2]], method="confidence")
    with_uniform = aggregate_probabilities(P, method="confidence")
    np.testing.assert_allclose(decided, with_uniform)


@pytest.mark.parametrize("method", ["mean", "duration", "confidence"])
def test_aggregate_sums_to_one(method):
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(4), size=7)
    proba = aggregate_probabilities(probabilities, method=method, durations=rng.uniform(1, 8, 7))
    assert proba.shape == (4,)
    assert proba.sum() == pytest.approx(1.0)


def test_all_zero_weights_fall_back_to_the_mean():
    uniform = np.full((2, 4), 0.25)
    np.testing.assert_allclose(aggregate_probabilities(uniform, method="confidence"), 0.25)
    np.testing.assert_allclose(
        aggregate_probabilities(P, method="duration", durations=[0, 0, 0]), P.mean(axis=0)
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(method="duration"), "needs the speech duration"),
        (dict(method="duration", durations=[1.0]), "1 durations for 3 windows"),
        (dict(method="duration", durations=[1.0, -1.0, 1.0]), "non-negative"),
    ],
)
def test_aggregation_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        aggregate_probabilities(P, **kwargs)


def test_aggregation_refuses_bad_probabilities_and_methods():
    with pytest.raises(ValueError, match="non-empty 2-D"):
        aggregate_probabilities(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="NaN"):
        aggregate_probabilities([[np.nan, 1.0]])
    with pytest.raises(InvalidParameterError, match="method"):
        aggregate_probabilities(P, method="median")
