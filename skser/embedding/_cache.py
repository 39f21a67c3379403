"""A per-clip store of embeddings on disk, keyed by the clip's samples."""

import errno
import hashlib
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from joblib import Memory

from ..utils import expand_path

__all__ = ["EmbeddingCache", "cache_info", "clear_cache", "cache_namespace", "clip_key"]

CACHE_FOLDER = "skser-embeddings"
"""The sub-folder of a ``memory`` location that holds skser's embeddings."""


def clip_key(samples):
    """A content key for one clip (its true-length float32 samples)."""
    return hashlib.blake2b(np.ascontiguousarray(samples).tobytes(), digest_size=16).hexdigest()


def cache_namespace(embedder, fingerprint):
    """The cache folder name of an embedder: everything its numbers depend on, hashed.

    The embedder's class and ``FEATURE_VERSION`` (bumped whenever its computation
    changes), skser's and torch's versions and the embedder's own ``fingerprint`` (its
    options, and for DistilHuBERT the weights, layers and pooling). A cache written by
    other code is therefore never read back.
    """
    import torch

    from .. import __version__

    parts = (type(embedder).__name__, embedder.FEATURE_VERSION, __version__,
             torch.__version__, fingerprint)
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _location(location):
    if isinstance(location, Memory):
        location = location.location
    if isinstance(location, str) and not location.strip():
        raise ValueError("memory='' names no folder: pass a cache folder, or None for no cache")
    return expand_path(location)


class EmbeddingCache:
    """Embeddings of single clips stored as ``.npy`` files under ``location``.

    The encoder is frozen, so a clip's embedding is a pure function of its samples and of
    the embedder's configuration (``namespace``, see :func:`cache_namespace`).
    Cross-validation folds, grid-search candidates and repeated transforms therefore share
    one store: each clip is embedded once. Files are written atomically, so parallel
    workers (joblib, Dask on one machine) may share a location.

    Parameters
    ----------
    location : str, os.PathLike or joblib.Memory
        The cache folder (a Memory's ``location``); ``~`` is expanded.
    namespace : str
        A fingerprint of everything besides the clip that the embedding depends on.
    """

    def __init__(self, location, namespace):
        self.directory = _location(location) / CACHE_FOLDER / namespace

    def _path(self, key):
        return self.directory / key[:2] / f"{key}.npy"

    def load(self, key):
        """The stored embedding for ``key``, or None."""
        try:
            return np.load(self._path(key))
        except (FileNotFoundError, ValueError, EOFError, OSError):
            return None

    def save(self, key, embedding):
        """Store ``embedding``; a folder that cannot be written warns once and is skipped.

        A saved model keeps the cache folder it was trained with, which may not exist or
        be writable where it predicts: the embeddings are then computed, not cached.
        """
        if getattr(self, "_unwritable", False):
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp",
                                             delete=False) as handle:
                np.save(handle, np.asarray(embedding, dtype=np.float32))
            os.replace(handle.name, path)
        except OSError as exc:
            self._unwritable = True
            warnings.warn(f"the embedding cache cannot be written ({exc}): embedding without "
                          "a cache; set the embedder's memory to a writable folder or None",
                          UserWarning, stacklevel=2)


def cache_info(location):
    """What the embedding cache under ``location`` holds.

    Parameters
    ----------
    location : str, os.PathLike or joblib.Memory
        The ``memory`` folder given to the embedders.

    Returns
    -------
    info : dict
        ``folder`` (str), ``namespaces`` (one per embedder configuration and code
        version), ``entries`` (stored clip embeddings) and ``bytes`` (their size on disk).

    Examples
    --------
    >>> import tempfile
    >>> cache_info(tempfile.mkdtemp())["entries"]
    0
    """
    root = _location(location)
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"the cache {root} is a file, not a folder")
    folder = root / CACHE_FOLDER
    namespaces = entries = size = 0
    if folder.is_dir():
        for namespace in folder.iterdir():
            if namespace.is_dir():
                namespaces += 1
                for path in namespace.rglob("*.npy"):
                    entries += 1
                    size += path.stat().st_size
    return {"folder": str(folder), "namespaces": namespaces, "entries": entries, "bytes": size}


def clear_cache(location):
    """Delete every embedding skser stored under ``location``; nothing else is touched.

    Parameters
    ----------
    location : str, os.PathLike or joblib.Memory
        The ``memory`` folder given to the embedders.

    Returns
    -------
    info : dict
        :func:`cache_info` as it was before clearing, and what really happened:
        ``removed_entries`` and ``removed_bytes`` (the embeddings deleted) and ``failed``
        (a list of ``(path, reason)`` for each file or folder that could not be deleted,
        e.g. in a read-only folder). A cache folder that is a symbolic link is emptied,
        its target kept.

    Examples
    --------
    >>> import tempfile
    >>> info = clear_cache(tempfile.mkdtemp())
    >>> info["entries"], info["removed_entries"], info["failed"]
    (0, 0, [])
    """
    info = cache_info(location)
    folder = Path(info["folder"])
    removed = removed_bytes = 0
    failed = []
    if folder.is_dir():
        for parent, folders, files in os.walk(folder, topdown=False):
            for name in files:
                path = Path(parent, name)
                try:
                    size = path.lstat().st_size
                    path.unlink()
                except OSError as exc:
                    failed.append((str(path), exc.strerror or str(exc)))
                    continue
                if name.endswith(".npy"):
                    removed, removed_bytes = removed + 1, removed_bytes + size
            for name in folders:
                _remove_folder(Path(parent, name), failed)
        if not folder.is_symlink():
            _remove_folder(folder, failed)
    return {**info, "removed_entries": removed, "removed_bytes": removed_bytes,
            "failed": failed}


def _remove_folder(path, failed):
    try:
        path.unlink() if path.is_symlink() else path.rmdir()
    except OSError as exc:
        if exc.errno != errno.ENOTEMPTY:  # else a file inside failed, and is listed
            failed.append((str(path), exc.strerror or str(exc)))
