"""embed_corpus: a corpus of files to a Parquet table, serially, in threads, on Dask."""

import os
import re
import signal
import time

import numpy as np
import pytest
import soundfile as sf
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.classification import FocalLossClassifier
from skser.datasets import make_emotional_speech
from skser.embedding import AcousticEmbedder, assemble_pipeline, embed_corpus, load_embeddings
from skser.io import AudioLoader
from skser.model_selection import evaluate_sessions
from skser.preprocessing import PeakNormalizer, Trimmer

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """48 synthetic clips written as 16 kHz files, with labels, groups and speakers."""
    folder = tmp_path_factory.mktemp("corpus")
    X, y, groups = make_emotional_speech(n_speakers=4, n_clips_per_class=3, random_state=0)
    lengths = [int(np.flatnonzero(row)[-1]) + 1 for row in X]
    paths = []
    for index, (row, length) in enumerate(zip(X, lengths)):
        path = folder / f"clip-{index:03d}.wav"
        sf.write(path, row[:length], 16000, subtype="FLOAT")
        paths.append(str(path))
    groups = np.asarray([f"synthetic:{g}" for g in groups])
    return paths, y, groups


def front():
    return make_pipeline(Trimmer(top_db=20), PeakNormalizer(), AcousticEmbedder())


def columns(corpus):
    _, y, groups = corpus
    return {"label": y, "group": groups, "speaker": groups}


@pytest.fixture(scope="module")
def serial(corpus, tmp_path_factory):
    paths = corpus[0]
    out = tmp_path_factory.mktemp("serial") / "features.parquet"
    result = embed_corpus(front(), paths, out=out, batch_size=4, columns=columns(corpus))
    return result, load_embeddings(out)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def embed_tasks(client, run):
    """Run ``run()`` and count the embedding tasks the cluster executed meanwhile."""
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        result = run()
    return result, sum(str(task["key"]).startswith("skser-embed-") for task in stream.data)


def test_serial_table_matches_the_embedder_on_decoded_files(corpus, serial):
    paths, y, groups = corpus
    result, data = serial
    direct = front().fit_transform(AudioLoader().transform(paths))
    assert result.n_rows == data.data.shape[0] == len(paths)
    assert data.paths.tolist() == paths
    np.testing.assert_array_equal(data.target, y)
    np.testing.assert_array_equal(data.groups, groups)
    np.testing.assert_allclose(data.data, direct, rtol=1e-5, atol=1e-5)
    assert data.feature_names.tolist() == result.embedder[-1].get_feature_names_out().tolist()
    frame = data.frame
    assert frame.columns[:6].tolist() == ["path", "label", "group", "speaker", "content_hash",
                                          "file_duration"]
    assert frame["file_duration"].between(0.5, 10).all()
    assert frame["content_hash"].str.fullmatch("[0-9a-f]{32}").all()


def test_threads_give_the_same_table(corpus, serial, tmp_path):
    out = tmp_path / "threads.parquet"
    embed_corpus(front(), corpus[0], out=out, batch_size=4, columns=columns(corpus), n_jobs=2)
    threaded = load_embeddings(out)
    assert threaded.paths.tolist() == serial[1].paths.tolist()
    np.testing.assert_array_equal(threaded.data, serial[1].data)


def test_dask_cluster_gives_the_same_table(corpus, serial, cluster, tmp_path):
    out = tmp_path / "dask.parquet"
    result, n_tasks = embed_tasks(cluster, lambda: embed_corpus(
        front(), corpus[0], out=out, batch_size=4, columns=columns(corpus), client=cluster
    ))
    assert n_tasks == result.n_chunks == 12
    on_dask = load_embeddings(out)
    assert on_dask.paths.tolist() == serial[1].paths.tolist()
    np.testing.assert_array_equal(on_dask.target, serial[1].target)
    np.testing.assert_allclose(on_dask.data, serial[1].data, rtol=1e-6, atol=1e-6)

    # A second run recomputes nothing: no task runs and no part is rewritten.
    stamps = {part: part.stat().st_mtime_ns for part in out.glob("part-*.parquet")}
    again, n_tasks = embed_tasks(cluster, lambda: embed_corpus(
        front(), corpus[0], out=out, batch_size=4, columns=columns(corpus), client=cluster
    ))
    assert (n_tasks, again.n_computed) == (0, 0)
    assert {part: part.stat().st_mtime_ns for part in out.glob("part-*.parquet")} == stamps


def test_a_killed_worker_still_gives_every_row_once(corpus, serial, cluster, tmp_path):
    paths = corpus[0]
    before = cluster.run(os.getpid)
    victim = sorted(before.values())[0]
    killed = []

    def paths_killing_a_worker_halfway():
        for index, path in enumerate(paths):
            if index == len(paths) // 2:
                os.kill(victim, signal.SIGKILL)
                killed.append(time.monotonic())
            yield path

    out = tmp_path / "killed.parquet"
    result = embed_corpus(front(), paths_killing_a_worker_halfway(), out=out, batch_size=2,
                          columns=columns(corpus), client=cluster)
    assert killed, "the worker was never killed"
    assert victim not in cluster.run(os.getpid).values()
    table = load_embeddings(out)
    assert result.n_rows == len(paths)
    assert table.paths.tolist() == paths  # every row once, in order
    # Batched float32 embeddings move by ~1e-6 with the batch (bounded in test_embedding).
    np.testing.assert_allclose(table.data, serial[1].data, rtol=1e-5, atol=1e-5)


def test_a_rerun_computes_only_the_missing_chunks(corpus, serial, tmp_path):
    out = tmp_path / "features.parquet"
    embed_corpus(front(), corpus[0], out=out, batch_size=4, columns=columns(corpus))
    parts = sorted(out.glob("part-*.parquet"))
    parts[5].unlink()  # as if the run had crashed before writing it
    kept = {part: part.stat().st_mtime_ns for part in parts if part.exists()}
    again = embed_corpus(front(), corpus[0], out=out, batch_size=4, columns=columns(corpus))
    assert (again.n_chunks, again.n_computed) == (12, 1)
    assert {p: p.stat().st_mtime_ns for p in parts if p != parts[5]} == kept
    np.testing.assert_array_equal(load_embeddings(out).data, serial[1].data)


def test_a_truncated_part_or_manifest_is_redone_not_trusted(corpus, serial, tmp_path):
    out = tmp_path / "features.parquet"
    embed_corpus(front(), corpus[0], out=out, batch_size=4, columns=columns(corpus))
    parts = sorted(out.glob("part-*.parquet"))
    parts[3].write_bytes(parts[3].read_bytes()[:100])  # an interrupted copy
    with pytest.raises(ValueError, match=f"{parts[3].name} is damaged"):
        load_embeddings(out)
    manifest = out / "_skser_embeddings.json"
    manifest.write_text('{"identity": ')
    with pytest.raises(ValueError, match="_skser_embeddings.json is damaged"):
        load_embeddings(out)
    again = embed_corpus(front(), corpus[0], out=out, batch_size=4, columns=columns(corpus))
    assert (again.n_chunks, again.n_computed) == (12, 1)
    np.testing.assert_array_equal(load_embeddings(out).data, serial[1].data)


def test_fewer_paths_leave_exactly_their_rows(corpus, tmp_path):
    out = tmp_path / "features.parquet"
    embed_corpus(front(), corpus[0], out=out, batch_size=4)
    embed_corpus(front(), corpus[0][:10], out=out, batch_size=4)
    assert load_embeddings(out).paths.tolist() == corpus[0][:10]


def test_another_embedder_is_refused_unless_overwriting(corpus, tmp_path):
    out = tmp_path / "features.parquet"
    paths = corpus[0][:4]
    embed_corpus(AcousticEmbedder(), paths, out=out)
    with pytest.raises(ValueError, match="another embedder"):
        embed_corpus(AcousticEmbedder(n_mels=20), paths, out=out)
    result = embed_corpus(AcousticEmbedder(n_mels=20), paths, out=out, overwrite=True)
    assert load_embeddings(out).data.shape[1] == len(result.feature_names)


@pytest.mark.parametrize(
    ("paths", "options", "error", "match"),
    [
        ("one.wav", {}, ValueError, "single path"),
        ([], {}, ValueError, "paths is empty"),
        (["missing.wav"], {}, FileNotFoundError, "missing.wav"),
        (None, {"columns": {"label": ["a"]}}, ValueError, "column 'label' has 1 values"),
        (None, {"columns": {"path": [1] * 48}}, ValueError, "written by embed_corpus"),
        (None, {"batch_size": 0}, ValueError, "batch_size"),
    ],
)
def test_bad_input_is_refused(corpus, tmp_path, paths, options, error, match):
    paths = corpus[0] if paths is None else paths
    with pytest.raises(error, match=match):
        embed_corpus(AcousticEmbedder(), paths, out=tmp_path / "out.parquet", **options)


def test_a_silent_file_is_named_by_its_path(corpus, tmp_path):
    # Was "clip 1 has 0", an index into one chunk of files.
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16000), 16000)
    paths = corpus[0][:9]
    expected = (r"^1 clip\(s\) cannot be embedded by AcousticEmbedder, which needs at least "
                rf"640 samples \(40 ms\) per clip: {re.escape(str(silent))} is silent "
                r"\(0 samples once preprocessed\)\. Leave them out")
    # In the chunk that fits an unfitted front, and in a later chunk.
    for position in (1, 6):
        with pytest.raises(ValueError, match=expected):
            embed_corpus(front(), [*paths[:position], str(silent), *paths[position:]],
                         out=tmp_path / "out.parquet", batch_size=4, overwrite=True)
    fitted = front().fit(AudioLoader().transform(paths[:4]))
    with pytest.raises(ValueError, match=expected):
        embed_corpus(fitted, [*paths, str(silent)], out=tmp_path / "out.parquet",
                     batch_size=4, overwrite=True)


def test_load_embeddings_refuses_an_incomplete_table(corpus, tmp_path):
    out = tmp_path / "features.parquet"
    with pytest.raises(FileNotFoundError, match="embed_corpus"):
        load_embeddings(out)
    embed_corpus(AcousticEmbedder(), corpus[0][:8], out=out, batch_size=4)
    next(out.glob("part-*.parquet")).unlink()
    with pytest.raises(ValueError, match="holds 1 parts but its run wrote 2"):
        load_embeddings(out)


def test_heads_train_and_evaluate_on_the_table(corpus, serial):
    paths, y, groups = corpus
    result, data = serial
    report = evaluate_sessions(FocalLossClassifier(max_iter=5, random_state=0), data.data,
                               data.target, data.groups)
    in_memory = evaluate_sessions(FocalLossClassifier(max_iter=5, random_state=0),
                                  front().fit_transform(AudioLoader().transform(paths)), y,
                                  groups)
    np.testing.assert_array_equal(report.y_pred, in_memory.y_pred)

    head = make_pipeline(StandardScaler(), LogisticRegression()).fit(data.data, data.target)
    pipeline = assemble_pipeline(result.embedder, head)
    waveforms = AudioLoader().transform(paths)
    np.testing.assert_allclose(pipeline.predict_proba(waveforms), head.predict_proba(data.data),
                               atol=1e-5)
    with pytest.raises(ValueError, match="fitted on 3 features"):
        assemble_pipeline(result.embedder, head.fit(data.data[:, :3], y))


def test_a_changed_file_or_decoding_option_makes_its_chunk_stale(corpus, tmp_path):
    import shutil

    paths = []
    for index, path in enumerate(corpus[0][:8]):
        paths.append(str(tmp_path / f"{index}.wav"))
        shutil.copyfile(path, paths[-1])
    out = tmp_path / "features.parquet"
    embed_corpus(front(), paths, out=out, batch_size=4)
    before = load_embeddings(out).data
    # Another recording at the same path: its size or time changes, its chunk is redone.
    shutil.copyfile(corpus[0][9], paths[1])
    os.utime(paths[1], ns=(1, 1))
    again = embed_corpus(front(), paths, out=out, batch_size=4)
    assert (again.n_chunks, again.n_computed) == (2, 1)
    after = load_embeddings(out).data
    np.testing.assert_array_equal(after[4:], before[4:])
    assert not np.allclose(after[1], before[1])
    # Another max_duration changes every clip as decoded: every chunk is redone.
    shorter = embed_corpus(front(), paths, out=out, batch_size=4, max_duration=0.25)
    assert shorter.n_computed == 2
    assert not np.allclose(load_embeddings(out).data, after)
