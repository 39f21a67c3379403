"""Pins of each embedder's numbers: a change without a FEATURE_VERSION bump fails here.

The embedding cache is keyed by ``FEATURE_VERSION`` (and skser's version), so a change
of an embedder's numbers without a bump would serve stale embeddings from every cache.
"""

import numpy as np
import pytest

from skser.embedding import AcousticEmbedder, DistilHuBERTEmbedder

from .conftest import tiny_hubert_config

SAMPLE_RATE = 16000
# Values at the pinned indices, and the mean absolute value over all features.
PINS = {
    "AcousticEmbedder": {
        "version": 2,
        "indices": [0, 24, 49, 73, 97, 121, 146, 170],
        "values": [-20.6485, -2.54182, 2.07614, -33.1221, 12.583, 0.234906, 0.415106, 4.26872],
        "mean_abs": 12.8811,
    },
    # The default categorical pipeline's features: the 171 above and 80 of dynamics.
    "AcousticEmbedder(dynamics=True)": {
        "version": 2,
        "indices": [0, 36, 71, 107, 143, 179, 214, 250],
        "values": [-20.6485, 14.9614, -28.195, 12.8519, 0.222335, 0.0323999, 2.43533, 0.160704],
        "mean_abs": 8.98687,
    },
    "DistilHuBERTEmbedder": {
        "version": 1,
        "indices": [0, 9, 18, 27, 36, 45, 54, 63],
        "values": [-0.160368, -0.051634, -0.00567445, -0.166411, 3.55016e-05, 9.64238e-05,
                   7.88535e-06, 7.66373e-05],
        "mean_abs": 0.062843,
    },
}


def fixed_clip():
    """1.5 s: a 150-1500 Hz chirp under a 4 Hz envelope, with seeded noise."""
    t = np.arange(int(1.5 * SAMPLE_RATE)) / SAMPLE_RATE
    phase = 2 * np.pi * (150 * t + (1500 - 150) * t**2 / (2 * 1.5))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    noise = 0.01 * np.random.default_rng(1234).standard_normal(t.size)
    return (0.4 * envelope * np.sin(phase) + noise).astype(np.float32)


def deterministic_hubert(folder):
    """A tiny HuBERT whose weights come from numpy's seeded generator, not torch's init."""
    import torch
    from transformers import HubertModel

    model = HubertModel(tiny_hubert_config())
    rng = np.random.default_rng(0)
    state = {
        name: torch.from_numpy(rng.uniform(-0.2, 0.2, tuple(tensor.shape)).astype(np.float32))
        if tensor.is_floating_point() else tensor
        for name, tensor in sorted(model.state_dict().items())
    }
    model.load_state_dict(state)
    model.save_pretrained(folder)
    return str(folder)


def _embed(name, tmp_path):
    if name.startswith("AcousticEmbedder"):
        embedder = AcousticEmbedder(dynamics=name.endswith("(dynamics=True)"))
    else:
        embedder = DistilHuBERTEmbedder(model=deterministic_hubert(tmp_path), pooling="mean+std")
    X = fixed_clip()[np.newaxis]
    return embedder, embedder.fit(X).transform(X)[0]


@pytest.mark.parametrize("name", list(PINS))
def test_feature_values_are_pinned_with_their_version(name, tmp_path):
    embedder, features = _embed(name, tmp_path)
    pin = PINS[name]
    kind = type(embedder).__name__
    advice = (f"{name}'s features changed: bump {kind}.FEATURE_VERSION (to "
              f"{pin['version'] + 1}) and update the pin in tests/test_feature_versions.py")
    assert type(embedder).FEATURE_VERSION == pin["version"], (
        f"{kind}.FEATURE_VERSION is {type(embedder).FEATURE_VERSION} but the pin is for "
        f"version {pin['version']}: update the pin in tests/test_feature_versions.py"
    )
    # Pins carry 6 significant digits; float32 kernels differ across machines by less.
    np.testing.assert_allclose(features[pin["indices"]], pin["values"], rtol=1e-3, atol=1e-7,
                               err_msg=advice)
    np.testing.assert_allclose(np.abs(features).mean(), pin["mean_abs"], rtol=1e-4,
                               err_msg=advice)


if __name__ == "__main__":  # print the current values, to update a pin after a bump
    import tempfile
    from pathlib import Path

    for name in PINS:
        _, features = _embed(name, Path(tempfile.mkdtemp()))
        indices = np.linspace(0, features.size - 1, 8).round().astype(int).tolist()
        print(name, indices, [float(f"{v:.6g}") for v in features[indices]],
              float(f"{np.abs(features).mean():.6g}"))
