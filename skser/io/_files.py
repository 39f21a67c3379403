"""Many audio files into one waveform batch: numpy, soundfile and soxr only.

:class:`skser.io.AudioLoader` (the scikit-learn step) and
:class:`skser.export.OnnxPipeline` (the deployment runtime, which has no scikit-learn)
both decode through :func:`load_audio_batch`.
"""

import functools
import os

import numpy as np

from ._load import load_audio
from ._waveform import SAMPLE_RATE, as_batch, is_sparse

__all__ = ["audio_paths", "load_audio_batch"]


def audio_paths(X):
    """The paths in ``X`` as a list, or None when ``X`` holds waveforms instead.

    Parameters
    ----------
    X : list of str or path-like, or a waveform batch

    Returns
    -------
    paths : list or None

    Raises
    ------
    ValueError
        For a single path (not in a list) and for a batch that mixes paths and samples.

    Examples
    --------
    >>> audio_paths(["a.wav", "b.flac"])
    ['a.wav', 'b.flac']
    >>> audio_paths(np.zeros((2, 8))) is None
    True
    """
    if isinstance(X, str | os.PathLike):
        raise ValueError(
            f"expected a list of audio paths, got a single path {X!r}; wrap it in a list"
        )
    if is_sparse(X):
        return None
    if isinstance(X, list | tuple):
        items = list(X)
    else:
        X = np.asarray(X)
        if X.dtype.kind not in "USO":
            return None
        items = X.ravel().tolist()
    if items and all(isinstance(item, str | os.PathLike) for item in items):
        return items
    if any(isinstance(item, str | os.PathLike) for item in items):
        other = next(i for i, item in enumerate(items) if not isinstance(item, str | os.PathLike))
        raise ValueError(f"a batch mixes audio paths with other values (item {other} is "
                         f"{type(items[other]).__name__}); pass paths only")
    return None


def check_n_jobs(n_jobs):
    """Refuse an ``n_jobs`` that joblib cannot read as a number of workers, by name."""
    if isinstance(n_jobs, bool) or not (n_jobs is None or isinstance(n_jobs, int | np.integer)):
        raise ValueError(f"n_jobs must be None or a whole number, got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("n_jobs=0 means no worker: give None or 1 (serial), a number of "
                         "workers, or -1 (every core)")


def _parallel_map(function, items, n_jobs):
    """``function`` over ``items``, in joblib where installed, else in threads."""
    check_n_jobs(n_jobs)
    if n_jobs in (None, 1):
        return [function(item) for item in items]
    try:
        from joblib import Parallel, delayed
    except ImportError:  # the deployment install: decoding releases the GIL
        from concurrent.futures import ThreadPoolExecutor

        workers = (os.cpu_count() or 1) if n_jobs < 0 else n_jobs
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(function, items))
    return Parallel(n_jobs=n_jobs, prefer="threads")(delayed(function)(item) for item in items)


def load_audio_batch(paths, *, sample_rate=SAMPLE_RATE, max_duration=None, n_jobs=None,
                     progress=None):
    """Decode ``paths`` (see :func:`skser.io.load_audio`) into a zero-padded batch.

    Parameters
    ----------
    paths : list of str or path-like
        Audio files.
    sample_rate : int, default=16000
        The rate to resample each file to.
    max_duration : float, optional
        Keep at most this many seconds of each file.
    n_jobs : int, optional
        Parallel decoding (joblib semantics; threads where joblib is not installed).
    progress : callable, optional
        Wraps the paths (a progress bar).

    Returns
    -------
    X : np.ndarray [shape=(n_files, max_length), dtype=float32]
    """
    if not paths:
        raise ValueError("the batch is empty: 0 audio paths")
    files = paths if progress is None else progress(paths)
    decode = functools.partial(load_audio, sample_rate=sample_rate)
    clips = _parallel_map(decode, list(files), n_jobs)
    if max_duration is not None:
        keep = max(1, round(max_duration * sample_rate))
        clips = [clip[:keep] for clip in clips]
    return as_batch(clips)
