"""int8 and fp32 exports agree on real speech, calibrated on clips they are not scored on.

Shared RAVDESS (skipped where absent): the head is fitted on actors 01-06, int8-static is
calibrated on the 28 clips of actor 07, and agreement is measured on actors 08-12.
"""

import numpy as np
import pytest

from skser.export import OnnxPipeline, to_onnx
from skser.pipeline import make_ser_pipeline

from .conftest import save_tiny_hubert

MIN_AGREEMENT = 0.95

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

# Measured on this machine (47 scored clips, 28 calibration clips): a random-weight small
# HuBERT (hidden 32-128) agrees 51-83% (static) and 83% (dynamic); its head's probabilities
# are near uniform (mean top-1 0.33-0.41), so int8 noise flips them. The exact architecture
# takes minutes here (benchmarks/bench_export.py measures it). Strict: passes -> fails.
_RANDOM_HUBERT = pytest.mark.xfail(
    strict=True,
    reason="int8-static flips the near-uniform decisions of a head on a small random-weight "
           "HuBERT (51-83% agreement measured)",
)


@pytest.fixture(scope="module")
def splits(ravdess_root):
    from skser.datasets import load_ravdess
    from skser.io import AudioLoader

    data = load_ravdess(ravdess_root)
    actors = np.array([int(str(group).rsplit(":", 1)[-1]) for group in data.groups])

    def clips(selected, step):
        rows = np.flatnonzero(selected)[::step]
        return AudioLoader(n_jobs=2).transform(data.filenames[rows]), data.target[rows]

    fit = clips(actors <= 6, 4)
    calibration, _ = clips(actors == 7, 1)
    scored, _ = clips(actors >= 8, 3)
    return fit, calibration, scored


@pytest.mark.parametrize(
    "embedder", ["weight-free", pytest.param("distilhubert", marks=_RANDOM_HUBERT)]
)
def test_int8_static_agrees_with_fp32_on_unseen_clips(embedder, splits, tmp_path):
    (X, y), calibration, scored = splits
    options = {}
    if embedder == "distilhubert":
        options = dict(model=save_tiny_hubert(tmp_path / "hubert", hidden_size=64,
                                              intermediate_size=128, conv_dim=(64,) * 7))
    pipe = make_ser_pipeline(embedder=embedder, max_iter=15, **options).fit(X, y)
    fp32 = OnnxPipeline(to_onnx(pipe)).predict_proba(scored)
    assert len(np.unique(fp32.argmax(1))) > 1  # a constant prediction would agree trivially
    int8 = OnnxPipeline(to_onnx(pipe, quantize="int8", calibration=calibration))
    assert int8.metadata_["quantization"] == "int8-static"
    agreement = (int8.predict_proba(scored).argmax(1) == fp32.argmax(1)).mean()
    assert agreement >= MIN_AGREEMENT, f"int8 vs fp32 top-1 agreement {agreement:.1%}"


def test_the_splits_are_disjoint(splits):
    (X, _), calibration, scored = splits
    seen = {row.tobytes() for row in X} | {row.tobytes() for row in calibration}
    assert not any(row.tobytes() in seen for row in scored)
