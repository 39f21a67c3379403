"""``skser train --embedder ssl --model FOLDER``: any SSL encoder from the command line."""

import json

import numpy as np
import pytest
import soundfile as sf

from skser.cli import main
from skser.embedding import ssl_config

transformers = pytest.importorskip("transformers")


def test_train_predict_and_export_with_a_wavlm_folder(tmp_path, capsys):
    config = ssl_config("wavlm-base", hidden_size=32, num_attention_heads=4,
                        intermediate_size=64, conv_dim=(32,) * 7, num_conv_pos_embeddings=16,
                        num_conv_pos_embedding_groups=4)
    transformers.AutoModel.from_config(config).save_pretrained(tmp_path / "wavlm")
    model, onnx = tmp_path / "model.joblib", tmp_path / "model.onnx"
    assert main(["train", "--embedder", "ssl", "--model", str(tmp_path / "wavlm"),
                 "--speakers", "3", "--clips-per-class", "2", "--heads", "1", "--quiet",
                 "--cache", str(tmp_path / "cache"), "--out", str(model)]) == 0
    capsys.readouterr()
    assert main(["info", str(model), "--json"]) == 0
    assert "SSLEmbedder" in json.loads(capsys.readouterr().out)["pipeline"]
    clip = tmp_path / "clip.wav"
    sf.write(clip, 0.1 * np.sin(np.arange(16000) / 10.0), 16000)
    assert main(["export", str(model), "--out", str(onnx)]) == 0
    capsys.readouterr()
    assert main(["predict", str(onnx), str(clip), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["label"] in {"ang", "hap", "neu", "sad"}
