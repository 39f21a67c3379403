import numpy as np
import pytest
import scipy.sparse as sp

from skser.io import as_batch, clip_lengths, iter_clips


def test_as_batch_pads_ragged_clips_with_zeros():
    X = as_batch([np.ones(3), 2 * np.ones(5), np.ones(1)])
    assert X.shape == (3, 5)
    assert X.dtype == np.float32
    np.testing.assert_array_equal(clip_lengths(X), [3, 5, 1])
    np.testing.assert_array_equal(X[0], [1, 1, 1, 0, 0])


def test_as_batch_keeps_float32_arrays_without_copy():
    X = np.ones((2, 4), dtype=np.float32)
    assert as_batch(X) is X


@pytest.mark.parametrize(
    "dtype, full_scale", [(np.int16, 2**15), (np.int32, 2**31), (np.int8, 2**7)]
)
def test_integer_arrays_are_read_as_pcm(dtype, full_scale):
    pcm = np.array([[full_scale // 2, -full_scale, 0, 1]], dtype=dtype)
    X = as_batch(pcm)
    assert X.dtype == np.float32
    np.testing.assert_allclose(X[0, :3], [0.5, -1.0, 0.0])


def test_clip_lengths_uses_last_nonzero_sample():
    X = np.array([[0.0, 1.0, 0.0, 2.0, 0.0, 0.0], [0.0] * 6, [1.0] * 6])
    np.testing.assert_array_equal(clip_lengths(X), [4, 0, 6])
    assert [clip.size for clip in iter_clips(X)] == [4, 0, 6]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_name_the_clip(bad):
    X = np.zeros((4, 10), dtype=np.float32)
    X[2, 5] = bad
    with pytest.raises(ValueError, match="clip 2 contains NaN or inf"):
        as_batch(X)


def test_non_finite_samples_in_a_ragged_list_name_the_clip():
    with pytest.raises(ValueError, match="clip 1 contains NaN or inf"):
        as_batch([np.ones(3), np.array([1.0, np.nan])])


@pytest.mark.parametrize(
    "clips, message",
    [
        (np.ones(5), "got a 1-D array"),
        (np.ones((2, 2, 5)), "got a 3-D array"),
        (np.ones((0, 5)), "the batch is empty"),
        (np.ones((3, 0)), "every clip is empty"),
        ([], "the batch is empty"),
        ([np.ones(3), np.ones(0)], "clip 1 is empty"),
        ([np.ones(3), np.ones((2, 3))], r"clip 1 has shape \(2, 3\)"),
        (np.ones((2, 3), dtype=np.uint8), "dtype uint8"),
        (np.ones((2, 3), dtype=bool), "dtype bool"),
        (np.ones((2, 3), dtype=complex), "Complex data"),
    ],
)
def test_bad_batches_get_clear_errors(clips, message):
    with pytest.raises(ValueError, match=message):
        as_batch(clips)


def test_sparse_input_is_refused():
    with pytest.raises(TypeError, match="sparse"):
        as_batch(sp.csr_matrix(np.ones((2, 3))))
