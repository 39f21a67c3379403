"""Model cards, save_pretrained / from_pretrained, offline against a folder and a hub cache."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.classification import FocalLossClassifier
from skser.exceptions import ModelLoadError
from skser.hub import ModelCard, from_pretrained, read_card, save_pretrained

rng = np.random.default_rng(0)
X = rng.standard_normal((40, 6)).astype(np.float32)
y = np.array(["ang", "hap", "neu", "sad"] * 10)


@pytest.fixture(scope="module")
def fitted():
    head = FocalLossClassifier(max_iter=3, n_ensemble=1, random_state=0)
    return make_pipeline(StandardScaler(), head).fit(X, y)


def _card():
    card = ModelCard(task="categorical", labels=["ang", "hap", "neu", "sad"],
                     pipeline=["StandardScaler", "FocalLossClassifier"],
                     data_license="CC BY-NC-SA 4.0")
    card.add_training_data("my-corpus", source="corpus.csv", n_clips=40, n_speakers=None)
    card.add_evaluation({"ua": (0.5, 0.1), "wa": (0.55, 0.08)}, split="held-out",
                        data="my-corpus", note="no speaker ids: clips of one speaker may be "
                        "in training and test")
    return card


def test_a_card_round_trips_through_json_markdown_and_text():
    card = _card()
    assert ModelCard.from_json(card.to_json()) == card
    readme = card.to_markdown()
    assert readme.startswith("---\nlibrary_name: skser\n")
    assert 'license: "CC BY-NC-SA 4.0"' in readme and "- audio-classification" in readme
    assert ModelCard.from_markdown(readme) == card
    text = card.to_text()
    assert "held-out (plain) on my-corpus: WA 55.0 ± 8.0, UA 50.0 ± 10.0" in text
    assert "NOTE: no speaker ids" in text and "data licence: CC BY-NC-SA 4.0" in text


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"task": "ordinal", "labels": []}, "'categorical' or 'dimensional'"),
])
def test_a_bad_card_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ModelCard(**kwargs)
    with pytest.raises(ValueError, match="split must be one of"):
        _card().add_evaluation({"ua": (0.5, 0.1)}, split="random", data="x")


@pytest.mark.parametrize("format", ["joblib", "skops"])
def test_save_and_load_a_fitted_pipeline(tmp_path, fitted, format):
    if format == "skops":
        pytest.importorskip("skops")
    folder = save_pretrained(fitted, tmp_path / "model", card=_card(), format=format)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["README.md", "config.json", f"model.{format}"])
    config = json.loads((folder / "config.json").read_text())
    assert config["format"] == format and config["labels"] == ["ang", "hap", "neu", "sad"]
    loaded = from_pretrained(folder, trust_pickle=format == "joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert read_card(loaded) == _card()


def test_a_pickle_is_loaded_only_when_trusted(tmp_path, fitted):
    folder = save_pretrained(fitted, tmp_path / "model", card=_card(), format="joblib")
    with pytest.raises(ModelLoadError, match="pickle, which runs code.*trust_pickle=True"):
        from_pretrained(folder)


def test_a_folder_that_is_no_model_is_named(tmp_path):
    with pytest.raises(ModelLoadError, match="not a skser model folder: it has no config"):
        from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text('{"format": "onnx", "file": "model.onnx"}')
    with pytest.raises(ModelLoadError, match="'model.onnx' that is not in the folder"):
        from_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="no skser model folder"):
        from_pretrained(tmp_path / "missing" / "deeper" / "path")


def test_a_model_without_a_card_is_refused(tmp_path, fitted):
    bare = make_pipeline(StandardScaler()).fit(X)
    with pytest.raises(ValueError, match="carries no model card"):
        save_pretrained(bare, tmp_path / "bare")


def test_from_pretrained_reads_a_hub_cache_offline(tmp_path, fitted):
    """A repo id resolves through huggingface_hub's own cache with HF_HUB_OFFLINE=1."""
    pytest.importorskip("huggingface_hub")
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--someone--ser-model"
    save_pretrained(fitted, repo / "snapshots" / commit, card=_card(), format="joblib")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    code = ("import numpy as np, sys\n"
            "from skser.hub import from_pretrained, read_card\n"
            "model = from_pretrained('someone/ser-model', trust_pickle=True)\n"
            "print(read_card(model).labels, model.predict(np.zeros((1, 6), 'float32'))[0])\n")
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(tmp_path / "hub"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("['ang', 'hap', 'neu', 'sad']")
    missing = subprocess.run([sys.executable, "-c", code.replace("ser-model", "other")],
                             capture_output=True, text=True, env=env, check=False)
    assert "cannot get the skser model 'someone/other'" in missing.stderr


def test_an_onnx_export_carries_the_card_into_a_folder_and_back(tmp_path, fitted):
    pytest.importorskip("onnxruntime")
    from skser.export import OnnxPipeline, to_onnx

    fitted.model_card_ = _card().to_dict()
    try:
        to_onnx(fitted, path=tmp_path / "ser.onnx")
    finally:
        del fitted.model_card_
    runtime = OnnxPipeline(tmp_path / "ser.onnx")
    assert read_card(runtime) == _card() == read_card(tmp_path / "ser.onnx")
    folder = save_pretrained(runtime, tmp_path / "repo")
    assert json.loads((folder / "config.json").read_text())["format"] == "onnx"
    again = OnnxPipeline.from_pretrained(folder)
    np.testing.assert_array_equal(again.predict_proba(X), runtime.predict_proba(X))
    assert again.model_card_ == runtime.model_card_
    with pytest.raises(ValueError, match="not an ONNX export"):
        OnnxPipeline.from_pretrained(save_pretrained(fitted, tmp_path / "pickled",
                                                     card=_card(), format="joblib"))
