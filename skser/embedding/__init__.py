"""Embedders: a waveform batch in, one vector per clip out."""

from ._acoustic import AcousticEmbedder
from ._acoustic_module import acoustic_feature_names
from ._cache import cache_info, clear_cache
from ._channel_view import TelephoneChannel
from ._corpus import assemble_pipeline, embed_corpus, load_embeddings
from ._distilhubert import DistilHuBERTEmbedder, distilhubert_config, load_hubert
from ._speed import speed_ratio
from ._ssl import SSLEmbedder, load_encoder
from ._ssl_configs import ssl_config

# The torch modules, the cache and the command line's checks are internals (skser.export
# splices the modules): they stay importable here but are not the public surface.
from ._acoustic_module import AcousticFeatures as AcousticFeatures  # isort: skip
from ._base import ClipEmbedder as ClipEmbedder  # isort: skip
from ._cache import EmbeddingCache as EmbeddingCache  # isort: skip
from ._hub import check_local_folder as check_local_folder  # isort: skip
from ._hub import model_source as model_source  # isort: skip
from ._hubert_module import PooledHubert as PooledHubert  # isort: skip
from ._speed import check_speeds as check_speeds  # isort: skip
from ._ssl_module import PooledSSL as PooledSSL  # isort: skip
from ._whisper_module import PooledWhisper as PooledWhisper  # isort: skip
from ._torch_ops import conv_output_lengths as conv_output_lengths  # isort: skip
from ._torch_ops import lengths_from_padding as lengths_from_padding  # isort: skip

__all__ = [
    "AcousticEmbedder",
    "DistilHuBERTEmbedder",
    "SSLEmbedder",
    "TelephoneChannel",
    "acoustic_feature_names",
    "assemble_pipeline",
    "embed_corpus",
    "load_embeddings",
    "load_encoder",
    "cache_info",
    "clear_cache",
    "distilhubert_config",
    "load_hubert",
    "speed_ratio",
    "ssl_config",
]
