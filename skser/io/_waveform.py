"""The waveform convention: how skser passes audio between steps.

A **batch of clips** is a 2-D ``float32`` array of shape ``(n_clips, n_samples)`` holding
16 kHz mono audio, one clip per row, values in about ``[-1, 1]``.

- **Padding.** Clips of different lengths share one array: each row is padded at its end
  with exact zeros. Trailing exact zeros are padding.
- **Length.** A clip's length is the index of its last non-zero sample + 1
  (:func:`clip_lengths`). Digital silence at the very end of a recording is therefore
  indistinguishable from padding, which is harmless: it carries nothing.
- **Silent clips.** A row of zeros is a silent clip of length 0. Transformers keep it as it
  is (never NaN); embedders refuse it unless told to pad short clips.
- **Ragged input.** Every skser step also accepts a list of 1-D arrays (clips of any
  lengths) and returns the padded 2-D form (:func:`as_batch`).
- **Width.** A batch may have any number of columns: 3 s and 8 s batches go through the
  same fitted pipeline. Transformers keep the width of their input; only
  :class:`~skser.preprocessing.FixedDuration` sets it. ``n_features_in_`` records the width
  seen in ``fit`` and is not enforced.
- **Integer arrays** are PCM: ``int16`` is divided by 32768, ``int32`` by 2**31 (and so on
  for every signed integer type), as a WAV reader would. An ``int64`` clip whose peak
  fits int32 (a list of Python ints) is scaled with a warning: it is near silence.
  Unsigned, boolean, complex, datetime and object arrays are refused.
- **Bad input** raises ``ValueError`` naming the clip: NaN or inf (or float64 values
  beyond float32's range), a clip that is not 1-D,
  an empty clip in a list, a ``None`` or a path among the clips, an empty batch, 1-D or
  3-D arrays, and the shape of a transposed multichannel clip (thousands of rows of at
  most 8 samples: ``(n_samples, channels)`` instead of ``(n_clips, n_samples)``), which is
  refused before anything is padded.

Why 2-D and not a list? scikit-learn runs its estimator checks
(``parametrize_with_checks``) only for estimators whose input is a 2-D array, and Pipelines,
``cross_validate`` and joblib caching all slice and hash 2-D arrays natively.
"""

import os
import sys
from collections.abc import Iterator

import numpy as np

SAMPLE_RATE = 16000
"""The sample rate of every waveform batch in skser, in Hz."""

__all__ = ["SAMPLE_RATE", "as_batch", "clip_lengths", "iter_clips", "check_finite_clips"]


def is_sparse(X):
    """Whether ``X`` is a scipy sparse matrix, without importing scipy.

    Where ``scipy.sparse`` was never imported, nothing can be one: the deployment install
    has no scipy at all.
    """
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(X)


def _pcm_to_float(samples, first=0):
    """Scale signed integer PCM to float32 in [-1, 1) (``first``: the first clip's index)."""
    if samples.dtype.kind == "u" or samples.dtype.kind == "b":
        raise ValueError(
            f"waveforms of dtype {samples.dtype} are not supported: pass float audio in "
            "[-1, 1] or signed integer PCM (int16, int32)"
        )
    if samples.dtype.kind == "i":
        _check_wide_pcm(samples, first)
        full_scale = float(2 ** (8 * samples.dtype.itemsize - 1))
        return (samples / full_scale).astype(np.float32)
    return samples


def _check_wide_pcm(samples, first):
    """Warn, naming the clip, of int64 samples that scaling by 2**63 makes near silence.

    No audio format stores 64-bit PCM: an int64 array is Python ints (``np.asarray`` of a
    list) or widened int16/int32 PCM, whose full scale only its author knows. A warning,
    not an error: scikit-learn's estimator checks pass small int64 arrays.
    """
    if samples.dtype.itemsize < 8 or samples.size == 0:
        return
    peaks = np.abs(samples.reshape(-1, samples.shape[-1])).max(axis=1)
    quiet = np.flatnonzero((peaks > 0) & (peaks <= 2**31))
    if quiet.size:
        from ..exceptions import SkserWarning
        from ..utils import warn_at_caller

        row = int(quiet[0])
        others = f" ({quiet.size - 1} more clips too)" if quiet.size > 1 else ""
        warn_at_caller(
            f"clip {first + row} is int64 PCM peaking at {int(peaks[row])}{others}: scaled "
            "by 2**63, int64's full scale, it is near silence. If it is int16 or int32 PCM "
            "in a wider type (a list of Python ints?), cast it with .astype(np.int16) (or "
            "np.int32), or pass float audio in [-1, 1]",
            SkserWarning,
        )


def _check_clip(index, clip):
    """Clip ``index`` of a list as a 1-D numeric array, or a ValueError naming it."""
    if clip is None:
        raise ValueError(f"clip {index} is None; every clip must be a 1-D array of samples")
    if isinstance(clip, str | bytes | os.PathLike):
        raise ValueError(
            f"clip {index} is a path ({clip!r}) among waveforms: pass either audio paths "
            "(read by AudioLoader) or waveforms, not both"
        )
    try:
        clip = np.asarray(clip)
    except ValueError as exc:  # a nested list of unequal lengths
        raise ValueError(f"clip {index} is not an array of samples ({exc})") from exc
    if clip.ndim != 1:
        raise ValueError(
            f"clip {index} has shape {clip.shape}; each clip must be a 1-D array of "
            "mono samples (average the channels of a multichannel clip first)"
        )
    if clip.size == 0:
        raise ValueError(f"clip {index} is empty (0 samples)")
    if clip.dtype.kind == "O":
        try:
            clip = clip.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"clip {index} holds something other than numbers ({exc})") from exc
    if clip.dtype.kind not in "iufb":
        raise ValueError(f"clip {index} has dtype {clip.dtype}; expected real numbers")
    if clip.dtype.kind in "ub":
        raise ValueError(
            f"clip {index} has dtype {clip.dtype}, which is not supported: pass float audio "
            "in [-1, 1] or signed integer PCM (int16, int32)"
        )
    return _pcm_to_float(clip, index)


def _check_range(X, dtype, first=0):
    """Refuse finite values that ``dtype`` cannot hold (they would become inf), naming the
    clip: row ``first`` of ``X`` (2-D) or the clip ``first`` (1-D)."""
    if X.dtype.kind != "f" or X.dtype.itemsize <= np.dtype(dtype).itemsize:
        return
    big = np.abs(X) > np.finfo(dtype).max  # (NaN is not, and is named later)
    if big.any():
        row = first + (int(np.flatnonzero(big.any(axis=1))[0]) if X.ndim == 2 else 0)
        peak = float(np.abs(X[row - first] if X.ndim == 2 else X).max())
        raise ValueError(
            f"clip {row} holds values beyond {np.dtype(dtype).name}'s range (peak {peak:.3g}); "
            "waveforms are expected in about [-1, 1]: scale the clip"
        )


def _ragged_to_batch(clips, dtype):
    rows = [_check_clip(index, clip) for index, clip in enumerate(clips)]
    if not rows:
        raise ValueError("the batch is empty: it holds 0 clips")
    for index, row in enumerate(rows):
        _check_range(row, dtype, index)
    width = max(row.shape[0] for row in rows)
    batch = np.zeros((len(rows), width), dtype=dtype)
    for index, row in enumerate(rows):
        batch[index, : row.shape[0]] = row
    return batch


def _is_ragged(clips):
    """Whether ``clips`` is a sequence of clips (not a 2-D array or a list of numbers)."""
    if isinstance(clips, np.ndarray):
        return clips.dtype == object and clips.ndim == 1
    if not isinstance(clips, list | tuple) or not clips:
        return False
    return any(
        clip is None
        or isinstance(clip, str | bytes | os.PathLike | np.ndarray | list | tuple)
        for clip in clips
    )


# A batch this tall and this narrow is a multichannel clip given as (n_samples, channels):
# 1000 rows are 62 ms of 16 kHz audio, and no clip of 8 samples or fewer holds speech.
_MAX_CHANNELS = 8
_MIN_TRANSPOSED_ROWS = 1000


def _check_orientation(X):
    """Refuse the shape of a transposed multichannel clip before anything is padded."""
    n_clips, width = X.shape
    if width <= _MAX_CHANNELS and n_clips >= _MIN_TRANSPOSED_ROWS:
        raise ValueError(
            f"got {n_clips} clips of {width} sample(s) each (shape {X.shape}): did you pass "
            f"(n_samples, channels)? A waveform batch is (n_clips, n_samples): for one "
            "multichannel clip pass [clip.mean(axis=1)], for a batch transpose it."
        )


def check_finite_clips(X):
    """Raise a ``ValueError`` naming the first clip that holds NaN or inf.

    Parameters
    ----------
    X : np.ndarray [shape=(n_clips, n_samples)]
        A waveform batch.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((3, 4), dtype=np.float32)
    >>> X[2, 1] = np.nan
    >>> check_finite_clips(X)
    Traceback (most recent call last):
    ...
    ValueError: clip 2 contains NaN or inf values (1 of its 4 samples)
    """
    finite = np.isfinite(X)
    if finite.all():
        return
    bad_rows = np.flatnonzero(~finite.all(axis=1))
    first = int(bad_rows[0])
    n_bad = int((~finite[first]).sum())
    others = f"; {bad_rows.size - 1} more clips too" if bad_rows.size > 1 else ""
    raise ValueError(
        f"clip {first} contains NaN or inf values ({n_bad} of its {X.shape[1]} samples)"
        f"{others}"
    )


def as_batch(clips, *, dtype=np.float32):
    """Turn clips into a padded waveform batch.

    Read more in the :ref:`User Guide <waveform_convention>`.

    Parameters
    ----------
    clips : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
        A 2-D array is checked and cast; a list of 1-D arrays (of any lengths) is padded
        at the end with zeros to the longest clip. Integer arrays are read as PCM.
    dtype : np.dtype, default=np.float32
        The floating dtype of the result.

    Returns
    -------
    X : np.ndarray [shape=(n_clips, max_length), dtype=float32]
        The batch. A float32 2-D input comes back as is, without a copy.

    Raises
    ------
    ValueError
        For a 1-D or 3-D array, an empty batch, an empty, ``None`` or multichannel clip in
        a list, a transposed ``(n_samples, channels)`` array, NaN or inf (naming the clip),
        or a non-numeric dtype.
    TypeError
        For a sparse matrix, or an object array holding something other than numbers.

    Examples
    --------
    >>> import numpy as np
    >>> X = as_batch([np.ones(3), np.ones(5)])
    >>> X.shape, X.dtype
    ((2, 5), dtype('float32'))
    >>> X[0]
    array([1., 1., 1., 0., 0.], dtype=float32)
    >>> as_batch(np.array([[16384, -32768]], dtype=np.int16))
    array([[ 0.5, -1. ]], dtype=float32)
    """
    if is_sparse(clips):
        raise TypeError(
            "sparse matrices are not waveforms: pass a dense 2-D array (n_clips, n_samples)"
        )
    if isinstance(clips, list | tuple) and not clips:
        raise ValueError("the batch is empty: it holds 0 clips (got an empty list)")
    if isinstance(clips, dict) or (hasattr(clips, "__iter__") and not hasattr(clips, "__len__")
                                   and not hasattr(clips, "__array__")):
        raise TypeError(
            f"expected a waveform batch, got a {type(clips).__name__}: pass a list of 1-D "
            "clips or a 2-D array (a generator or a dict has no order of clips to keep)"
        )
    if not isinstance(clips, np.ndarray) and getattr(clips, "ndim", None) == 1 \
            and str(getattr(clips, "dtype", "")) == "object":
        clips = list(clips)  # a pandas Series of clips
    if _is_ragged(clips):
        X = _ragged_to_batch(clips, dtype)
    else:
        if isinstance(clips, str | bytes | os.PathLike):
            raise ValueError(
                f"expected a waveform batch, got a path {clips!r}: read files with "
                "skser.io.AudioLoader or load_audio"
            )
        X = np.asarray(clips)
        if X.ndim == 1 and X.size == 0:
            raise ValueError("the batch is empty: it holds 0 clips")
        if X.ndim != 2:
            hint = {
                0: "got None" if clips is None else "got a scalar",
                1: "got a 1-D array. Reshape your data: pass one clip as [clip] or "
                "clip[np.newaxis, :]",
            }.get(X.ndim, f"got a {X.ndim}-D array; average the channels of multichannel audio")
            raise ValueError(
                f"expected a waveform batch, a 2-D array (n_clips, n_samples) or a list of "
                f"1-D clips; {hint} (shape {X.shape})"
            )
        if X.dtype.kind == "c":
            raise ValueError("Complex data not supported: waveforms are real-valued")
        if X.dtype.kind in "mMV":  # (datetimes cast to float without a word)
            raise ValueError(f"waveforms must be numbers, got dtype {X.dtype}")
        if X.dtype.kind not in "iufb":
            try:
                X = X.astype(np.float64)
            except TypeError as exc:
                raise TypeError(f"waveforms must be numbers ({exc})") from exc
            except ValueError as exc:
                raise ValueError(f"waveforms must be numbers ({exc})") from exc
        _check_orientation(X)
        X = _pcm_to_float(X)
        _check_range(X, dtype)
        if X.shape[0] == 0:
            raise ValueError(f"the batch is empty: it holds 0 clips (shape {X.shape})")
        if X.shape[1] == 0:
            raise ValueError(
                f"every clip is empty: 0 feature(s) (shape={X.shape}) while a minimum of 1 "
                "is required (one sample per clip)"
            )
    X = np.asarray(X, dtype=dtype)
    check_finite_clips(X)
    return X


def clip_lengths(X):
    """Return the true length of each clip of a padded batch.

    Read more in the :ref:`User Guide <waveform_convention>`.

    The length of a clip is the index of its last non-zero sample + 1; a row of zeros
    has length 0.

    Parameters
    ----------
    X : np.ndarray [shape=(n_clips, n_samples)]
        A waveform batch.

    Returns
    -------
    lengths : np.ndarray [shape=(n_clips,), dtype=int64]

    Examples
    --------
    >>> import numpy as np
    >>> clip_lengths(np.array([[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    array([3, 0])
    """
    X = np.asarray(X)
    nonzero = X != 0
    last_from_end = np.argmax(nonzero[:, ::-1], axis=1)
    lengths = X.shape[1] - last_from_end
    return np.where(nonzero.any(axis=1), lengths, 0).astype(np.int64)


def iter_clips(X, lengths=None) -> Iterator[np.ndarray]:
    """Yield each clip of a batch as a 1-D view without its padding.

    Parameters
    ----------
    X : np.ndarray [shape=(n_clips, n_samples)]
        A waveform batch.
    lengths : np.ndarray [shape=(n_clips,)], optional
        Lengths already computed by :func:`clip_lengths`.

    Yields
    ------
    clip : np.ndarray [shape=(length,)]

    Examples
    --------
    >>> import numpy as np
    >>> [clip.tolist() for clip in iter_clips(np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0]]))]
    [[1.0, 2.0], [3.0]]
    """
    if lengths is None:
        lengths = clip_lengths(X)
    for row, length in zip(X, lengths):
        yield row[:length]
