"""OnnxPipeline: files decoded in parallel, batches of similar lengths."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder
from skser.io import AudioLoader

from .conftest import tone, write_audio

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")


@pytest.fixture(scope="module")
def runtime_and_pipe():
    from skser.export import OnnxPipeline, to_onnx

    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    pipe = make_pipeline(AcousticEmbedder(), StandardScaler(),
                         LogisticRegression(max_iter=1000)).fit(X, y)
    runtime = OnnxPipeline(to_onnx(pipe), batch_size=4)
    runtime.model_ = to_onnx(pipe)
    return runtime, pipe


def test_batches_hold_clips_of_similar_lengths(runtime_and_pipe):
    runtime, _ = runtime_and_pipe
    lengths = np.array([48000, 16000, 16500, 128000, 50000, 17000, 16100])
    batches = runtime._batches(lengths, len(lengths))
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    for rows in batches:
        assert lengths[rows].max() <= 1.1 * lengths[rows].min()
        assert len(rows) <= runtime.batch_size
    assert [sorted(rows.tolist()) for rows in batches] == [[1, 2, 5, 6], [0, 4], [3]]


def test_mixed_lengths_give_what_each_clip_gives_alone(runtime_and_pipe):
    runtime, pipe = runtime_and_pipe
    clips = [tone(seconds, frequency) for seconds, frequency in
             [(0.5, 200), (3.0, 300), (0.55, 250), (6.0, 180), (3.1, 220)]]
    together = runtime.predict_proba(clips)
    alone = np.vstack([runtime.predict_proba([clip]) for clip in clips])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(together, pipe.predict_proba(clips), atol=1e-4)


def test_files_decode_in_parallel_as_in_turn(runtime_and_pipe, tmp_path):
    from skser.export import OnnxPipeline

    runtime, pipe = runtime_and_pipe
    paths = [str(write_audio(tmp_path / f"{i}.wav", tone(0.5 + 0.25 * i, 150 + 40 * i)))
             for i in range(6)]
    assert runtime.n_jobs is None  # the default: one decoding thread per core
    parallel = runtime.predict_proba(paths)
    in_turn = OnnxPipeline(runtime.model_, n_jobs=1).predict_proba(paths)
    np.testing.assert_array_equal(parallel, in_turn)
    np.testing.assert_allclose(parallel, pipe.predict_proba(AudioLoader().transform(paths)),
                               atol=1e-4)
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        runtime.predict_proba([paths[0], str(tmp_path / "missing.wav")])


@pytest.mark.parametrize(("option", "value"), [("batch_size", 0), ("length_tolerance", -1)])
def test_bad_batching_options_are_refused(runtime_and_pipe, option, value):
    from skser.export import OnnxPipeline

    with pytest.raises(ValueError, match=option):
        OnnxPipeline(runtime_and_pipe[0].model_, **{option: value})
