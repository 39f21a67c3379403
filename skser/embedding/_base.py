"""The shared machinery of skser's embedders: waveform batch in, one vector per clip out."""

import logging
import os

import numpy as np
import torch
from joblib import Memory
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..io import SAMPLE_RATE, clip_lengths
from ..utils import (
    TorchStateMixin,
    check_params,
    progress,
    release_freed_memory,
    shortfall,
    validate_waveforms,
)
from ._cache import EmbeddingCache, cache_namespace, clip_key

__all__ = ["ClipEmbedder"]

logger = logging.getLogger("skser.embedding")


class ClipEmbedder(TorchStateMixin, TransformerMixin, BaseEstimator):
    """Base of embedders that map each clip, at its true length, to a fixed vector.

    Subclasses set ``min_samples`` and ``FEATURE_VERSION`` and implement
    ``_build(self)``, which returns the frozen torch module
    ``module(waveforms, lengths) -> (n_clips, n_features)``, the feature names and a
    fingerprint of every option the embeddings depend on. ``FEATURE_VERSION`` is an
    integer bumped whenever the embedder's numbers change (a test pins them): with
    skser's version it keys the cache, so a cache never serves stale embeddings. This class
    validates input, applies the short-clip policy, batches clips of similar lengths (each
    batch cropped to its longest clip), caches embeddings per clip when ``memory`` is set,
    and shows progress.

    Subclasses define the parameters ``batch_size``, ``device``, ``memory``,
    ``short_clips`` and ``verbose``.
    """

    min_samples = 400

    def _build(self):
        raise NotImplementedError

    # Pickles and skops files hold the module's weights, not the torch module: a module
    # that _build makes from the parameters alone (no download) is rebuilt that way.
    def _module_config(self, module):
        return None

    def _module_from_config(self, config):
        module = self._build()[0]
        return module.to(torch.device(self.device)).eval().requires_grad_(False)

    def fit(self, X, y=None):
        """Check the clips and prepare the encoder (load weights, build the module).

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
            The clips (checked, not embedded).
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        check_params(self)
        X = validate_waveforms(self, X, reset=True)
        self._model_lengths(clip_lengths(X))
        module, feature_names, fingerprint = self._build()
        self.module_ = module.to(torch.device(self.device)).eval().requires_grad_(False)
        self.feature_names_out_ = np.asarray(feature_names, dtype=object)
        self.fingerprint_ = cache_namespace(self, fingerprint)
        return self

    def _model_lengths(self, lengths):
        """True lengths raised to ``min_samples``, or refused, as ``short_clips`` says."""
        short = np.flatnonzero(lengths < self.min_samples)
        if short.size and self.short_clips == "error":
            silent = ("A clip of 0 samples is silent, or was trimmed to nothing. "
                      if lengths[short[0]] == 0 else "")
            subject, detail = shortfall(short, lengths)
            raise ValueError(
                f"{subject} shorter than the {self.min_samples} samples "
                f"({1000 * self.min_samples / SAMPLE_RATE:.0f} ms) {type(self).__name__} "
                f"needs: {detail}. {silent}"
                f"Drop {'it' if lengths.size == 1 else 'them'}, trim less, or set "
                "short_clips='pad' to pad with zeros."
            )
        return np.maximum(lengths, self.min_samples)

    def _cache(self):
        memory = self.memory
        if memory is None or (isinstance(memory, Memory) and memory.location is None):
            return None
        return EmbeddingCache(memory, self.fingerprint_)

    def transform(self, X):
        """Embed each clip.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
            The clips.

        Returns
        -------
        embeddings : np.ndarray [shape=(n_clips, n_features), dtype=float32]
        """
        check_is_fitted(self)
        X = validate_waveforms(self, X, reset=False)
        true = clip_lengths(X)
        lengths = self._model_lengths(true)
        out = np.empty((X.shape[0], len(self.feature_names_out_)), dtype=np.float32)
        todo = np.arange(X.shape[0])
        cache, keys = self._cache(), None
        if cache is not None:
            keys = [clip_key(row[:length]) for row, length in zip(X, true)]
            hits = [cache.load(key) for key in keys]
            found = np.array([hit is not None for hit in hits], dtype=bool)
            for index in np.flatnonzero(found):
                out[index] = hits[index]
            todo = np.flatnonzero(~found)
        logger.debug(
            "%s: embedding %d clips, %d from the cache",
            type(self).__name__, todo.size, X.shape[0] - todo.size,
        )
        self._embed_rows(X, lengths, todo, out)
        if cache is not None:
            for index in todo:
                cache.save(keys[index], out[index])
        if not np.isfinite(out).all():
            bad = int(np.flatnonzero(~np.isfinite(out).all(axis=1))[0])
            peak = float(np.abs(X[bad]).max())
            raise ValueError(
                f"{type(self).__name__} gave NaN or inf features for clip {bad} (its peak "
                f"amplitude is {peak:.3g}); waveforms are expected in about [-1, 1]: scale "
                "the clips (PeakNormalizer does) or pass integer PCM as an integer array"
            )
        return out

    def _embed_rows(self, X, lengths, rows, out):
        """Embed ``X[rows]`` in length-sorted batches, each at its own length."""
        order = rows[np.argsort(lengths[rows], kind="stable")]
        batches = [
            order[start : start + self.batch_size]
            for start in range(0, order.size, self.batch_size)
        ]
        device = torch.device(self.device)
        bar = progress(batches, verbose=self.verbose, desc=type(self).__name__, unit="batch")
        with torch.inference_mode():
            for batch in bar:
                width = int(lengths[batch].max())
                waveforms = np.zeros((batch.size, width), dtype=np.float32)
                kept = min(width, X.shape[1])
                waveforms[:, :kept] = X[batch, :kept]
                embedded = self.module_(
                    torch.from_numpy(waveforms).to(device),
                    torch.from_numpy(lengths[batch]).to(device),
                )
                out[batch] = embedded.cpu().numpy()
                del embedded
                release_freed_memory()

    def get_feature_names_out(self, input_features=None):
        """Names of the embedding's features.

        Parameters
        ----------
        input_features : None
            Ignored (waveform samples have no names).

        Returns
        -------
        feature_names_out : np.ndarray of str
        """
        check_is_fitted(self)
        return self.feature_names_out_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags


def memory_constraint():
    """The parameter constraint of ``memory``: None, a folder or a joblib.Memory."""
    return [None, str, os.PathLike, Memory]
