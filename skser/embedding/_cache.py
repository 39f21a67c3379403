"""A per-clip store of embeddings on disk, keyed by the clip's samples."""

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
from joblib import Memory

__all__ = ["EmbeddingCache", "clip_key"]


def clip_key(samples):
    """A content key for one clip (its true-length float32 samples)."""
    return hashlib.blake2b(np.ascontiguousarray(samples).tobytes(), digest_size=16).hexdigest()


class EmbeddingCache:
    """Embeddings of single clips stored as ``.npy`` files under ``location``.

    The encoder is frozen, so a clip's embedding is a pure function of its samples and of
    the embedder's configuration (``namespace``). Cross-validation folds, grid-search
    candidates and repeated transforms therefore share one store: each clip is embedded
    once. Files are written atomically, so parallel workers (joblib, Dask on one machine)
    may share a location.

    Parameters
    ----------
    location : str, os.PathLike or joblib.Memory
        The cache folder (a Memory's ``location``).
    namespace : str
        A fingerprint of everything besides the clip that the embedding depends on.
    """

    def __init__(self, location, namespace):
        if isinstance(location, Memory):
            location = location.location
        self.directory = Path(os.fspath(location)) / "skser-embeddings" / namespace

    def _path(self, key):
        return self.directory / key[:2] / f"{key}.npy"

    def load(self, key):
        """The stored embedding for ``key``, or None."""
        try:
            return np.load(self._path(key))
        except (FileNotFoundError, ValueError, EOFError, OSError):
            return None

    def save(self, key, embedding):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            np.save(handle, np.asarray(embedding, dtype=np.float32))
        os.replace(handle.name, path)
