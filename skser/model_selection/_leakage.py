"""The leakage guard: no speaker and no clip in both the training and the test data.

Two checks, run before anything is fitted:

- **Ids.** A speaker (or, without speakers, a group) in the test set and in a training
  source (training sessions, validation session, ``extra_train``). Ids are compared as
  given: skser's loaders qualify theirs by corpus (``ravdess:03``, ``emodb:03``), so two
  corpora never share an id by accident.
- **Content.** The same audio in the test set and in a training source, whatever the ids
  say. Each clip is hashed once: a waveform by its float32 samples up to its true length
  (trailing zero padding does not count), a file path by its samples after loading
  (16 kHz mono, as :func:`skser.io.load_audio` reads it). Silent clips (all zeros) are not
  compared: they carry nothing to leak. Feature matrices are not compared: distinct clips
  may share discrete feature values, so compare the audio before extracting features.
"""

import hashlib
import os

import numpy as np
import scipy.sparse as sp
from sklearn.utils.parallel import Parallel, delayed

from ..io import clip_lengths, load_audio
from ..utils import progress

__all__ = [
    "audio_fingerprints",
    "check_leakage",
    "check_content_leakage",
    "check_id_leakage",
    "clip_fingerprints",
]

# Clip pairs named in a content leakage error; the message gives the total too.
_SHOWN = 5


def _digest(values):
    """The hash of one clip's samples up to its last non-zero one; None when silent."""
    values = np.ascontiguousarray(np.asarray(values, dtype=np.float32).ravel())
    nonzero = np.flatnonzero(values)
    if nonzero.size == 0:
        return None
    return _hash(values[: nonzero[-1] + 1])


def _hash(samples):
    return hashlib.blake2b(samples.tobytes(), digest_size=16).digest()


def _batch_digests(X, chunk=256):
    """:func:`_digest` of each row of a 2-D numeric batch, with vectorized true lengths."""
    digests = []
    for start in range(0, X.shape[0], chunk):
        rows = np.ascontiguousarray(X[start : start + chunk], dtype=np.float32)
        for row, length in zip(rows, clip_lengths(rows)):
            digests.append(_hash(row[:length]) if length else None)
    return digests


def _file_digest(path):
    return _digest(load_audio(path))


def _is_path(item):
    return isinstance(item, str | os.PathLike)


def clip_fingerprints(X, *, n_jobs=None, verbose=False):
    """One hash per clip of ``X``, or None for a silent or non-numeric clip.

    Parameters
    ----------
    X : array-like [shape=(n_clips, ...)], list, sparse matrix or DataFrame
        Waveforms (a padded batch or a list of 1-D clips), audio file paths or feature
        rows.
    n_jobs : int, optional
        Files are decoded in parallel (joblib).
    verbose : bool, default=False
        A progress bar while files are decoded.

    Returns
    -------
    fingerprints : np.ndarray [shape=(n_clips,), dtype=object]
        16-byte digests; equal digests mean equal samples.

    Examples
    --------
    >>> import numpy as np
    >>> batch = np.array([[0.1, 0.2, 0.0], [0.1, 0.2, 0.0], [0.0, 0.0, 0.0]])
    >>> prints = clip_fingerprints(batch)
    >>> prints[0] == prints[1], prints[2]
    (True, None)
    >>> clip_fingerprints([np.array([0.1, 0.2])])[0] == prints[0]  # padding does not count
    True
    """
    if hasattr(X, "iloc"):
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "biuf":
        digests = _batch_digests(X)
    elif _all_paths(X):
        files = progress(list(X), verbose=verbose, desc="hashing clips", unit="file")
        digests = Parallel(n_jobs=n_jobs)(delayed(_file_digest)(os.fspath(p)) for p in files)
    else:
        if sp.issparse(X):
            rows = sp.csr_matrix(X)
            items = [rows[i].toarray() for i in range(rows.shape[0])]
        elif isinstance(X, list | tuple):
            items = list(X)
        else:
            X = np.asarray(X)
            items = list(X) if X.ndim else [X]
        digests = [
            None if _is_path(item) or np.asarray(item).dtype.kind not in "biuf" else _digest(item)
            for item in items
        ]
    fingerprints = np.empty(len(digests), dtype=object)
    fingerprints[:] = digests
    return fingerprints


def _all_paths(X):
    if isinstance(X, str | os.PathLike) or sp.issparse(X) or hasattr(X, "iloc"):
        return False
    if not isinstance(X, list | tuple):
        X = np.asarray(X)
        if X.dtype.kind not in "USO" or X.ndim != 1:
            return False
    return len(X) > 0 and all(_is_path(item) for item in X)


def audio_fingerprints(X, *, waveforms, n_jobs=None, verbose=False):
    """:func:`clip_fingerprints` of audio input (file paths, or waveforms), else None.

    Parameters
    ----------
    X : array-like [shape=(n_clips, ...)] or list
        The clips as an estimator takes them.
    waveforms : bool
        Whether numeric ``X`` holds waveforms (rather than features).
    n_jobs : int, optional
        Files are decoded in parallel (joblib).
    verbose : bool, default=False
        A progress bar while files are decoded.

    Returns
    -------
    fingerprints : np.ndarray [shape=(n_clips,), dtype=object] or None
    """
    if waveforms or _all_paths(X):
        return clip_fingerprints(X, n_jobs=n_jobs, verbose=verbose)
    return None


def _plural(kind):
    return kind[:-1] if kind.endswith("s") else kind


def check_id_leakage(where, test_ids, sources, kind, held_out="test set"):
    """Raise naming the ids of the test set that a training source holds too.

    Parameters
    ----------
    where : str
        The fold, for the message.
    test_ids : array-like
        The speaker (or group) ids of the test set.
    sources : list of (str, array-like or None)
        Each training source's name and ids; None skips it.
    kind : str
        What the ids are, plural (``"speakers"``, ``"groups"``).
    held_out : str, default="test set"
        What the held-out set is called in the message.

    Examples
    --------
    >>> check_id_leakage("fold 0", ["emodb:03"], [("extra_train", ["ravdess:03"])], "speakers")
    >>> check_id_leakage("fold 0", ["a"], [("validation session", ["a", "b"])], "speakers")
    Traceback (most recent call last):
    ...
    ValueError: leakage in fold 0: speakers ['a'] are in both the test set and the validation \
session; each speaker must be in training or test data, never both (choose groups that keep \
each speaker in one group)
    """
    test = set(np.asarray(test_ids, dtype=object).tolist())
    for source, ids in sources:
        if ids is None:
            continue
        shared = test.intersection(np.asarray(ids, dtype=object).tolist())
        if shared:
            raise ValueError(
                f"leakage in {where}: {kind} {sorted(shared, key=str)} are in both the "
                f"{held_out} and the {source}; each {_plural(kind)} must be in training or "
                f"{held_out.split()[0]} data, never both (choose groups that keep each speaker "
                "in one group)"
            )


def _clip(name, index, ids):
    """``X[17] ('ravdess:05')`` (or ``training clip 17``): a clip by index, with its id."""
    clip = f"{name} {index}" if name.endswith("clip") else f"{name}[{index}]"
    return clip + ("" if ids is None else f" ({_item(ids[index])!r})")


def _item(value):
    return value.item() if isinstance(value, np.generic) else value


def check_content_leakage(where, test, sources, held_out="test set"):
    """Raise naming the clips of a training source whose samples are a test clip's.

    Parameters
    ----------
    where : str
        The fold, for the message.
    test : (str, np.ndarray or None, np.ndarray, np.ndarray or None)
        How to name the test clips (``"X"``), the fingerprints of all of that input (None:
        not audio, nothing is checked), the test clips' indices in it, and its ids (to
        name a clip's speaker, or None).
    sources : list of (str, str, np.ndarray, np.ndarray, np.ndarray or None)
        Each training source: its name in the message (``"training sessions"``), then as
        for ``test``: how to name its clips (``"X"``, ``"extra_train's X"``), the
        fingerprints of that input (None skips the source), the source's indices in it,
        and its ids.
    held_out : str, default="test set"
        What the held-out set is called in the message.

    Examples
    --------
    >>> import numpy as np
    >>> prints = clip_fingerprints(np.array([[0.1], [0.2], [0.1]]))
    >>> groups = np.array(["a", "b", "b"])
    >>> check_content_leakage(
    ...     "fold 0", ("X", prints, np.array([0]), groups),
    ...     [("training sessions", "X", prints, np.array([1, 2]), groups)])
    Traceback (most recent call last):
    ...
    ValueError: leakage in fold 0: the same audio is in both the test set and the training \
sessions: X[2] ('b') has the samples of X[0] ('a') (1 clip in all); a clip must be in \
training or test data, never both: remove the duplicates
    """
    test_name, test_prints, test_index, test_ids = test
    if test_prints is None:
        return
    first_test = {}
    for index in test_index:
        digest = test_prints[index]
        if digest is not None:
            first_test.setdefault(digest, index)
    if not first_test:
        return
    for source, name, prints, index, ids in sources:
        if prints is None:
            continue
        pairs = [(i, first_test[prints[i]]) for i in index if prints[i] in first_test]
        if pairs:
            shown = ", ".join(
                f"{_clip(name, int(i), ids)} has the samples of "
                f"{_clip(test_name, int(j), test_ids)}"
                for i, j in pairs[:_SHOWN]
            )
            count = f"{len(pairs)} clip{'s' if len(pairs) > 1 else ''} in all"
            raise ValueError(
                f"leakage in {where}: the same audio is in both the {held_out} and the "
                f"{source}: {shown} ({count}); a clip must be in training or "
                f"{held_out.split()[0]} data, never both: remove the duplicates"
            )


def check_leakage(
    test, train, *, waveforms=True, where="the evaluation", held_out="test set"
):
    """Raise when a training set shares a speaker or a clip's audio with the test set.

    Read more in the :ref:`User Guide <evaluation>`.

    The guard of :func:`evaluate_sessions` for sets built by hand: a final fit's
    validation set against its training data, or one corpus against another.

    Parameters
    ----------
    test : tuple (X, speakers)
        The held-out clips and their speaker ids (None: ids are not checked).
    train : dict
        ``{name: (X, speakers)}``: each set the model learns from, named for the message.
    waveforms : bool, default=True
        Whether numeric inputs hold waveforms; feature matrices are not compared by
        content. File paths are always compared (after loading).
    where : str, default="the evaluation"
        What the message says leaked.
    held_out : str, default="test set"
        What the message calls ``test`` (``"validation set"`` for a final fit's).

    Raises
    ------
    ValueError
        Naming the shared speakers, or the clips whose samples are equal.

    Examples
    --------
    >>> import numpy as np
    >>> clips = np.array([[0.1, 0.2], [0.3, 0.1], [0.2, 0.2]], dtype=np.float32)
    >>> check_leakage((clips[:1], ["ravdess:01"]), {"train": (clips[1:], ["emodb:01"] * 2)})
    >>> check_leakage((clips[:1], None), {"training data": (clips, None)})
    Traceback (most recent call last):
    ...
    ValueError: leakage in the evaluation: the same audio is in both the test set and the \
training data: training data clip 0 has the samples of test clip 0 (1 clip in all); a clip \
must be in training or test data, never both: remove the duplicates
    """
    X_test, test_ids = _checked_set(held_out, test)
    if not isinstance(train, dict) or not train:
        raise ValueError("check_leakage: train must be a non-empty dict {name: (X, speakers)}, "
                         f"got {type(train).__name__} {train!r:.80}")
    train = {name: _checked_set(name, value) for name, value in train.items()}
    if test_ids is not None:
        sources = [(name, ids) for name, (_, ids) in train.items()]
        check_id_leakage(where, test_ids, sources, "speakers", held_out)
    test_prints = audio_fingerprints(X_test, waveforms=waveforms)
    sources = []
    for name, (X, ids) in train.items():
        prints = audio_fingerprints(X, waveforms=waveforms)
        sources.append((name, f"{name} clip", prints, np.arange(_len(X)), _ids(ids)))
    clip = "test clip" if held_out == "test set" else "held-out clip"
    check_content_leakage(
        where, (clip, test_prints, np.arange(_len(X_test)), _ids(test_ids)), sources, held_out
    )


def _len(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _checked_set(name, value):
    """``(X, ids)`` of one set, refused where it would let the guard check too little."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"check_leakage: the {name} must be a pair (X, speakers), got "
                         f"{type(value).__name__}")
    X, ids = value
    if X is None or isinstance(X, str) or not (hasattr(X, "shape") or hasattr(X, "__len__")):
        raise ValueError(f"check_leakage: the {name} has no clips to check (X is {X!r:.40})")
    if ids is not None:
        if isinstance(ids, str) or not hasattr(ids, "__len__"):
            raise ValueError(f"check_leakage: the {name}'s speakers must be one id per clip, "
                             f"got {ids!r:.40}")
        if len(ids) != _len(X):
            raise ValueError(f"check_leakage: the {name} has {_len(X)} clips but "
                             f"{len(ids)} speaker ids: give one id per clip")
    return X, ids


def _ids(ids):
    return None if ids is None else np.asarray(ids)
