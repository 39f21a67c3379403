"""Whole-pipeline ONNX export of SSLEmbedder for every architecture, float and int8."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skser.embedding import SSLEmbedder, ssl_config

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")
transformers = pytest.importorskip("transformers")

TINY = dict(hidden_size=32, num_attention_heads=4, intermediate_size=64, conv_dim=(32,) * 7,
            num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)
TINY_WHISPER = dict(d_model=32, encoder_attention_heads=4, encoder_ffn_dim=64,
                    encoder_layers=2, decoder_layers=1, decoder_attention_heads=4,
                    decoder_ffn_dim=64, num_mel_bins=80)
ARCHITECTURES = ["wav2vec2", "hubert", "wavlm", "data2vec-audio", "whisper"]

rng = np.random.default_rng(0)
X = rng.uniform(-0.3, 0.3, (8, 8000)).astype(np.float32)
X[::2, 6000:] = 0.0  # clips of two lengths: the graph finds each one's true length
y = np.array(["ang", "sad"] * 4)


def _pipeline(folder, architecture):
    config = ssl_config(f"{architecture}-base",
                        **(TINY_WHISPER if architecture == "whisper" else TINY))
    model = (transformers.WhisperModel(config) if architecture == "whisper"
             else transformers.AutoModel.from_config(config))
    model.save_pretrained(folder)
    return make_pipeline(SSLEmbedder(model=str(folder), layer="mean"),
                         LogisticRegression(max_iter=500)).fit(X, y)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_every_architecture_exports_with_the_pipelines_probabilities(tmp_path, architecture):
    from skser.export import OnnxPipeline, to_onnx

    pipe = _pipeline(tmp_path / "weights", architecture)
    runtime = OnnxPipeline(to_onnx(pipe))
    np.testing.assert_allclose(runtime.predict_proba(X), pipe.predict_proba(X), atol=1e-5)
    quantized = to_onnx(pipe, quantize="int8-dynamic")
    integer = [node.name for node in quantized.graph.node
               if "Integer" in node.op_type or "Quantize" in node.op_type]
    assert any(name.startswith("SSLEmbedder_") for name in integer), "the encoder stayed float"
    int8 = OnnxPipeline(quantized).predict_proba(X)
    assert np.isfinite(int8).all()
    np.testing.assert_allclose(int8, pipe.predict_proba(X), atol=0.05)
