"""Embedders: a waveform batch in, one vector per clip out."""

from ._acoustic import AcousticEmbedder
from ._acoustic_module import AcousticFeatures, acoustic_feature_names
from ._base import ClipEmbedder
from ._cache import EmbeddingCache, cache_info, clear_cache
from ._distilhubert import DistilHuBERTEmbedder, distilhubert_config, load_hubert
from ._hubert_module import PooledHubert

__all__ = [
    "AcousticEmbedder",
    "AcousticFeatures",
    "acoustic_feature_names",
    "ClipEmbedder",
    "DistilHuBERTEmbedder",
    "EmbeddingCache",
    "PooledHubert",
    "cache_info",
    "clear_cache",
    "distilhubert_config",
    "load_hubert",
]
