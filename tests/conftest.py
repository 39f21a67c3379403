"""Shared fixtures: synthetic signals, audio files on disk, the shared real corpora."""

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SKSER_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
SAMPLE_RATE = 16000


def _shared_corpus(name):
    root = SHARED_DATA / name
    if not (root / "manifest.csv").is_file():
        pytest.skip(f"shared {name} corpus not found at {root} (set SKSER_SHARED_DATA)")
    return root


@pytest.fixture(scope="session")
def ravdess_root():
    """The shared RAVDESS actors 01-12; skips where the folder is absent."""
    return _shared_corpus("ravdess")


@pytest.fixture(scope="session")
def emodb_root():
    """The shared EmoDB copy; skips where the folder is absent."""
    return _shared_corpus("emodb")


def tone(seconds=1.0, frequency=220.0, amplitude=0.5, sample_rate=SAMPLE_RATE):
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def chirp(seconds=1.0, low=100.0, high=4000.0, amplitude=0.5, sample_rate=SAMPLE_RATE):
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    phase = 2 * np.pi * (low * t + (high - low) * t**2 / (2 * seconds))
    return (amplitude * np.sin(phase)).astype(np.float32)


@pytest.fixture
def clips():
    """Three clips of different lengths with silence around the sound."""
    rng = np.random.default_rng(0)
    out = []
    for seconds, frequency in [(0.5, 150.0), (1.2, 300.0), (0.8, 600.0)]:
        sound = tone(seconds, frequency) * np.hanning(int(seconds * SAMPLE_RATE))
        pad = np.zeros(4000, dtype=np.float32)
        noise = 1e-4 * rng.standard_normal(2 * pad.size + sound.size)
        out.append((np.concatenate([pad, sound, pad]) + noise).astype(np.float32))
    return out


def write_audio(path, samples, sample_rate=SAMPLE_RATE, subtype=None):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, sample_rate, subtype=subtype)
    return path


def tiny_hubert_config(**overrides):
    """A small HuBERT with DistilHuBERT's layout (fast to build and run)."""
    from skser.embedding import distilhubert_config

    values = dict(
        hidden_size=32,
        num_attention_heads=4,
        intermediate_size=64,
        conv_dim=(32,) * 7,
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=4,
    )
    values.update(overrides)
    return distilhubert_config(**values)


def save_tiny_hubert(folder, seed=0, **overrides):
    """Write a random tiny HuBERT to ``folder`` (safetensors) and return the folder."""
    import torch
    from transformers import HubertModel

    torch.manual_seed(seed)
    HubertModel(tiny_hubert_config(**overrides)).save_pretrained(folder)
    return folder


_SCRATCH = "SKSER_TEST_SCRATCH"


def pytest_configure(config):
    """One scratch folder per test run, shared by its pytest-xdist workers (they inherit
    the environment), removed when the run ends."""
    import tempfile

    if "PYTEST_XDIST_WORKER" not in os.environ and _SCRATCH not in os.environ:
        os.environ[_SCRATCH] = tempfile.mkdtemp(prefix="skser-tests-")
        config._skser_scratch = os.environ[_SCRATCH]


def pytest_unconfigure(config):
    import shutil

    scratch = getattr(config, "_skser_scratch", None)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
        del os.environ[_SCRATCH]


def shared_tiny_hubert():
    """A fixed folder holding the seed-0 tiny HuBERT, made once per test run.

    One path for the whole run keeps test ids equal across pytest-xdist workers; the
    folder is built aside and renamed into place, so concurrent workers never see it half
    written, and it goes with the run's scratch folder.
    """
    import shutil
    import tempfile

    target = Path(os.environ[_SCRATCH]) / "tiny-hubert-seed0"
    if not (target / "config.json").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=target.parent))
        save_tiny_hubert(scratch)
        try:
            scratch.rename(target)
        except OSError:  # another worker was first
            shutil.rmtree(scratch, ignore_errors=True)
    return str(target)


@pytest.fixture(scope="session")
def tiny_hubert(tmp_path_factory):
    """A folder holding a random tiny HuBERT, loaded by path like a downloaded model."""
    return save_tiny_hubert(tmp_path_factory.mktemp("tiny-hubert"))
