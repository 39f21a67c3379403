"""DistilHuBERT weights that cannot be loaded give errors people can act on."""

import json
import shutil
import time

import numpy as np
import pytest

from skser.embedding import DistilHuBERTEmbedder, load_hubert
from skser.embedding._hub import ModelLoadError

from .conftest import save_tiny_hubert

X = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 8000)).astype(np.float32)


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return save_tiny_hubert(tmp_path_factory.mktemp("tiny"))


def _copy_with_config(source, target, **changes):
    target.mkdir()
    shutil.copy(source / "model.safetensors", target)
    config = json.loads((source / "config.json").read_text())
    config.update(changes)
    (target / "config.json").write_text(json.dumps(config))
    return target


@pytest.mark.parametrize("kind", ["absolute", "relative", "dotted"])
def test_a_missing_folder_is_said_to_not_exist(kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = {"absolute": str(tmp_path / "no" / "such" / "folder"),
             "relative": "models/no/such-folder", "dotted": "./no-such-folder"}[kind]
    with pytest.raises(FileNotFoundError, match="folder .*does not exist"):
        DistilHuBERTEmbedder(model=model).fit(X)


def test_a_tilde_folder_is_found_in_home(tiny_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    shutil.copytree(tiny_folder, tmp_path / "hubert")
    assert DistilHuBERTEmbedder(model="~/hubert").fit(X).transform(X).shape == (2, 32)


def test_a_pickle_only_checkpoint_is_refused_with_how_to_convert(tiny_folder, tmp_path):
    import torch
    from transformers import HubertModel

    state = HubertModel.from_pretrained(tiny_folder).state_dict()
    state["not-a-tensor"] = np.zeros(3)  # weights_only=True refuses numpy objects
    folder = tmp_path / "pickle-only"
    folder.mkdir()
    shutil.copy(tiny_folder / "config.json", folder)
    torch.save(state, folder / "pytorch_model.bin")
    with pytest.raises(ModelLoadError, match="(?s)no safetensors weights.*safe_serialization"):
        load_hubert(folder)


@pytest.mark.parametrize(
    "changes",
    [{"num_attention_heads": 5}, {"conv_dim": [32] * 6}, {"hidden_size": "wide"},
     {"hidden_size": 48}],
    ids=["heads", "conv-layers", "wrong-type", "weights-mismatch"],
)
def test_an_inconsistent_config_is_a_clear_value_error(changes, tiny_folder, tmp_path):
    folder = _copy_with_config(tiny_folder, tmp_path / "bad", **changes)
    with pytest.raises(ValueError, match="config.json") as caught:
        DistilHuBERTEmbedder(model=str(folder)).fit(X)
    assert type(caught.value) is ModelLoadError


def test_a_folder_without_config_or_weights_is_named(tmp_path):
    with pytest.raises(ModelLoadError, match="no config.json"):
        load_hubert(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelLoadError, match="holds no weights"):
        load_hubert(tmp_path)


@pytest.mark.parametrize("how", ["env", "unreachable"])
def test_offline_fails_at_once(how, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hub-cache"))
    if how == "env":
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        reason = "HF_HUB_OFFLINE is set"
    else:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
        monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: refused
        reason = "127.0.0.1:9 cannot be reached"
    start = time.perf_counter()
    with pytest.raises(OSError, match=f"(?s){reason}.*not in the local Hugging Face cache"):
        DistilHuBERTEmbedder().fit(X)
    assert time.perf_counter() - start < 5


def test_local_files_only_gives_cache_advice_not_connection_advice(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hub-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OSError) as caught:
        DistilHuBERTEmbedder(local_files_only=True).fit(X)
    message = str(caught.value)
    assert "ntu-spml/distilhubert" in message and "local_files_only=True reads" in message
    assert "network" not in message


def test_hub_checkpoint_layouts_load_to_the_same_embeddings(tiny_folder, tmp_path):
    """Weight norm saved as weight_g/weight_v (older transformers, as on the hub), and a
    checkpoint with a CTC head (its encoder under the "hubert." prefix)."""
    from safetensors.torch import load_file, save_file
    from transformers import HubertForCTC, HubertModel

    state = load_file(str(tiny_folder / "model.safetensors"))
    renames = {"parametrizations.weight.original0": "weight_g",
               "parametrizations.weight.original1": "weight_v"}
    old = {}
    for key, tensor in state.items():
        for new, legacy in renames.items():
            key = key.replace(new, legacy)
        old[key] = tensor
    (tmp_path / "old").mkdir()
    shutil.copy(tiny_folder / "config.json", tmp_path / "old")
    save_file(old, str(tmp_path / "old" / "model.safetensors"), metadata={"format": "pt"})
    with_head = HubertForCTC(HubertModel.from_pretrained(tiny_folder).config)
    with_head.hubert.load_state_dict(HubertModel.from_pretrained(tiny_folder).state_dict())
    with_head.save_pretrained(tmp_path / "ctc")
    expected = DistilHuBERTEmbedder(model=tiny_folder).fit(X).transform(X)
    for layout in ("old", "ctc"):
        got = DistilHuBERTEmbedder(model=tmp_path / layout).fit(X).transform(X)
        np.testing.assert_array_equal(got, expected, err_msg=layout)


def test_weights_missing_encoder_tensors_are_refused(tiny_folder, tmp_path):
    """transformers would initialise them at random and only log it."""
    from safetensors.torch import load_file, save_file

    state = load_file(str(tiny_folder / "model.safetensors"))
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copy(tiny_folder / "config.json", folder)
    save_file({k: v for k, v in state.items() if not k.startswith("encoder.layers.1.")},
              str(folder / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(ModelLoadError, match=r"lack \d+ tensor\(s\) of its HubertModel "
                                             r"\(e.g. 'encoder.layers.1"):
        DistilHuBERTEmbedder(model=folder).fit(X)
