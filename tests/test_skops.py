"""skops files of fitted skser models: the documented trusted types load them bit for bit."""

import importlib
import inspect
import io
import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.classification import FocalLossClassifier
from skser.datasets import make_emotional_speech
from skser.distillation import Wav2SmallClassifier, Wav2SmallRegressor
from skser.io import as_batch
from skser.pipeline import make_ser_pipeline
from skser.regression import CCCLossRegressor
from skser.utils import skops_trusted_types

from .conftest import tone

sio = pytest.importorskip("skops.io")

PUBLIC = ["io", "preprocessing", "embedding", "classification", "regression", "distillation"]
SMALL_STUDENT = dict(n_channels=4, n_layers=2, pool_size=(4, 2), crop_duration=None,
                     max_iter=2, random_state=0)


def _round_trip(model, path):
    sio.dump(model, path)
    assert set(sio.get_untrusted_types(file=path)) <= set(skops_trusted_types())
    return sio.load(path, trusted=skops_trusted_types())


@pytest.fixture(scope="module")
def speech():
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=3, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def default_pipeline(speech):
    return make_ser_pipeline().fit(*speech)


@pytest.fixture(scope="module")
def tones():
    rng = np.random.default_rng(0)
    clips = [tone(0.4, f * rng.uniform(0.9, 1.1)) for f in [300.0] * 6 + [2000.0] * 6]
    return as_batch(clips), np.array(["low"] * 6 + ["high"] * 6)


def test_default_pipeline_round_trips_bit_for_bit(default_pipeline, speech, tmp_path):
    X, _ = speech
    loaded = _round_trip(default_pipeline, tmp_path / "model.skops")
    assert np.array_equal(loaded.predict_proba(X), default_pipeline.predict_proba(X))


def test_dimensional_pipeline_round_trips_bit_for_bit(tmp_path):
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, targets="avd",
                                    random_state=0)
    pipe = make_ser_pipeline(task="dimensional", n_ensemble=2, max_iter=3).fit(X, y)
    loaded = _round_trip(pipe, tmp_path / "model.skops")
    assert np.array_equal(loaded.predict(X), pipe.predict(X))


def test_the_default_heads_round_trip_bit_for_bit(default_pipeline, speech, tmp_path):
    X, y = speech
    features = default_pipeline[:-1].transform(X)
    head = default_pipeline[-1]  # five heads over three speed views
    loaded = _round_trip(head, tmp_path / "head.skops")
    assert type(loaded.module_) is type(head.module_)
    assert np.array_equal(loaded.predict_proba(features), head.predict_proba(features))
    assert loaded.ensemble_history_ == head.ensemble_history_
    regressor = make_pipeline(StandardScaler(), CCCLossRegressor(max_iter=3, random_state=0))
    regressor.fit(features, np.column_stack([features[:, 0], features[:, 1]]))
    loaded = _round_trip(regressor, tmp_path / "regressor.skops")
    assert np.array_equal(loaded.predict(features), regressor.predict(features))


def test_a_calibrated_head_round_trips_bit_for_bit(default_pipeline, speech, tmp_path):
    from skser.utils import Temperature

    X, y = speech
    features = default_pipeline[:-1].transform(X)
    head = FocalLossClassifier(n_views=4, n_ensemble=2, max_iter=3, random_state=0)
    head.fit(features, y, X_val=features, y_val=y)
    loaded = _round_trip(head, tmp_path / "calibrated.skops")
    assert isinstance(loaded.module_[-1], Temperature)
    assert loaded.temperature_ == head.temperature_ != 1.0
    assert np.array_equal(loaded.predict_proba(features), head.predict_proba(features))
    # A state written before calibration existed has no "temperature" in its config.
    raw = FocalLossClassifier(n_views=4, n_ensemble=2, max_iter=3, calibration=None,
                              random_state=0).fit(features, y)
    state = raw.__getstate__()
    del state["_module_config"]["temperature"]
    old = FocalLossClassifier.__new__(FocalLossClassifier)
    old.__setstate__(state)
    assert np.array_equal(old.predict_proba(features), raw.predict_proba(features))


@pytest.mark.parametrize("student", [Wav2SmallClassifier, Wav2SmallRegressor])
def test_students_round_trip_bit_for_bit(student, tones, tmp_path):
    X, y = tones
    target = y if student is Wav2SmallClassifier else (y == "high").astype(float)
    model = student(**SMALL_STUDENT).fit(X, target)
    loaded = _round_trip(model, tmp_path / "student.skops")
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.module_.get_config() == model.module_.get_config()
    assert not loaded.module_.training


def test_an_untrusted_load_is_refused(default_pipeline, tmp_path):
    path = tmp_path / "head.skops"
    sio.dump(default_pipeline[-1], path)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path)
    partial = [name for name in skops_trusted_types() if "FocalLoss" not in name]
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="FocalLoss"):
        sio.load(path, trusted=partial)


def test_joblib_keeps_working_and_old_pickles_load(default_pipeline, speech):
    X, _ = speech
    buffer = io.BytesIO()
    joblib.dump(default_pipeline, buffer)
    buffer.seek(0)
    assert np.array_equal(joblib.load(buffer).predict_proba(X), default_pipeline.predict_proba(X))
    # A pickle of earlier versions holds the torch module itself in module_.
    head = default_pipeline[-1]
    old = FocalLossClassifier.__new__(FocalLossClassifier)
    old.__setstate__(pickle.loads(pickle.dumps(dict(vars(head)))))
    features = default_pipeline[:-1].transform(X)
    assert np.array_equal(old.predict_proba(features), head.predict_proba(features))


def test_the_state_holds_no_torch_object_and_loading_keeps_the_global_seed(tones):
    X, y = tones
    model = Wav2SmallClassifier(**SMALL_STUDENT).fit(X, y)
    state = model.__getstate__()
    assert "module_" not in state and "module_" in vars(model)
    assert all(isinstance(w, np.ndarray) for w in state["_module_weights"].values())
    torch.manual_seed(0)
    pickle.loads(pickle.dumps(model))
    after_loading = torch.rand(3)
    torch.manual_seed(0)
    assert torch.equal(after_loading, torch.rand(3))


def test_the_trusted_types_are_every_public_estimator():
    public = set()
    for name in PUBLIC:
        package = importlib.import_module(f"skser.{name}")
        for value in (getattr(package, attribute) for attribute in package.__all__):
            if inspect.isclass(value) and issubclass(value, BaseEstimator):
                public.add(f"{value.__module__}.{value.__qualname__}")
    assert set(skops_trusted_types()) == public


@pytest.mark.parametrize("architecture", ["hubert", "wavlm", "whisper"])
def test_an_encoder_embedder_round_trips_without_its_weights_source(tmp_path, architecture):
    """The file holds the encoder's architecture and weights: it loads, and embeds the
    same bit for bit, after the folder the weights came from is gone."""
    import shutil

    import numpy as np
    import skops.io as sio

    from skser.embedding import SSLEmbedder, ssl_config
    from skser.utils import skops_trusted_types

    transformers = pytest.importorskip("transformers")
    tiny = dict(hidden_size=32, num_attention_heads=4, intermediate_size=64, conv_dim=(32,) * 7,
                num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)
    if architecture == "whisper":
        tiny = dict(d_model=32, encoder_attention_heads=4, encoder_ffn_dim=64,
                    encoder_layers=2, decoder_layers=1, decoder_attention_heads=4,
                    decoder_ffn_dim=64, num_mel_bins=80)
    config = ssl_config(f"{architecture}-base", **tiny)
    folder = tmp_path / "weights"
    model_class = (transformers.WhisperModel if architecture == "whisper"
                   else transformers.AutoModel)
    (model_class(config) if architecture == "whisper"
     else model_class.from_config(config)).save_pretrained(folder)
    X = np.random.default_rng(0).uniform(-0.3, 0.3, (2, 8000)).astype(np.float32)
    embedder = SSLEmbedder(model=str(folder), layer="mean").fit(X)
    expected = embedder.transform(X)
    sio.dump(embedder, tmp_path / "embedder.skops")
    shutil.rmtree(folder)
    loaded = sio.load(tmp_path / "embedder.skops", trusted=skops_trusted_types())
    np.testing.assert_array_equal(loaded.transform(X), expected)
