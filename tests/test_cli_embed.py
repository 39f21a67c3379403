"""``skser embed`` and ``skser train/evaluate --features``."""

import joblib
import numpy as np
import pytest

from skser.cli import main
from skser.datasets import make_emotional_speech
from skser.embedding import load_embeddings

from .conftest import write_audio

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def audio_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("files")
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=3, random_state=1)
    for index, (clip, label) in enumerate(zip(X, y)):
        write_audio(folder / label / f"{index:02d}.wav", clip[clip != 0])
    return folder


@pytest.fixture(scope="module")
def ravdess_subset(ravdess_root, tmp_path_factory):
    """Four RAVDESS actors in the official layout, linked file by file (not copied)."""
    root = tmp_path_factory.mktemp("ravdess")
    for actor in ("01", "02", "03", "04"):
        folder = root / "audio" / f"Actor_{actor}"
        folder.mkdir(parents=True)
        for path in sorted((ravdess_root / "audio" / f"Actor_{actor}").iterdir()):
            (folder / path.name).symlink_to(path)
    return root


def test_embed_files_gives_the_same_table_with_or_without_dask(audio_folder, tmp_path, capsys):
    pytest.importorskip("distributed")
    serial, on_dask = tmp_path / "serial.parquet", tmp_path / "dask.parquet"
    common = ["--files", str(audio_folder), "--batch-size", "5", "--cache", str(tmp_path / "c")]
    assert main(["embed", *common, "--out", str(serial)]) == 0
    # The default embedder: 251 features (171 and the spectral dynamics) at three speeds
    # and through a telephone line.
    assert "24 rows x 1004 features" in capsys.readouterr().out
    assert main(["embed", *common, "--out", str(on_dask), "--dask-workers", "2"]) == 0
    assert "on Dask (2 workers)" in capsys.readouterr().out
    first, second = load_embeddings(serial), load_embeddings(on_dask)
    assert first.paths.tolist() == second.paths.tolist()
    assert len(set(first.paths)) == 24
    assert first.target is None  # --files has no labels
    np.testing.assert_allclose(first.data, second.data, rtol=1e-5, atol=1e-5)
    assert main(["embed", *common, "--out", str(serial)]) == 0
    assert "(0 of 5 chunks computed" in capsys.readouterr().out


def test_train_and_evaluate_refuse_a_table_without_labels(audio_folder, tmp_path, capsys):
    table = tmp_path / "features.parquet"
    assert main(["embed", "--files", str(audio_folder), "--out", str(table)]) == 0
    assert main(["train", "--features", str(table), "--out", str(tmp_path / "m.joblib")]) == 2
    assert "no label and group columns" in capsys.readouterr().err


def test_embed_refuses_a_corpus_without_root(tmp_path, capsys):
    assert main(["embed", "--corpus", "ravdess", "--out", str(tmp_path / "f.parquet")]) == 2
    assert "--root is needed" in capsys.readouterr().err


@pytest.mark.real_data
def test_embed_then_train_and_evaluate_on_ravdess(ravdess_subset, tmp_path, capsys):
    table, model = tmp_path / "features.parquet", tmp_path / "model.joblib"
    assert main(["embed", "--corpus", "ravdess", "--root", str(ravdess_subset),
                 "--out", str(table), "--cache", str(tmp_path / "cache")]) == 0
    data = load_embeddings(table)
    assert data.data.shape == (112, 4 * 251)
    assert data.metadata["dynamics"] is True and data.metadata["channels"] == ["telephone"]
    assert set(data.groups) == {"ravdess:01", "ravdess:02", "ravdess:03", "ravdess:04"}
    assert set(data.target) == {"ang", "hap", "neu", "sad"}

    assert main(["evaluate", "--features", str(table)]) == 0
    out = capsys.readouterr().out
    assert "ravdess: 112 clips, 4 groups" in out and "UA" in out

    assert main(["train", "--features", str(table), "--out", str(model)]) == 0
    pipe = joblib.load(model)
    files = data.paths[:6].tolist()
    head = pipe[-1]
    np.testing.assert_allclose(pipe.predict_proba(files), head.predict_proba(data.data[:6]),
                               atol=1e-4)
    assert main(["predict", str(model), *files]) == 0


def test_a_table_embedded_before_speeds_trains_a_one_speed_model(tmp_path, capsys):
    """Tables without a ``speeds`` entry were embedded once per clip, those without
    ``dynamics`` without the spectral dynamics, and those without ``channels`` without a
    telephone view: the model must be too."""
    from skser.cli._features import front
    from skser.embedding import embed_corpus

    X, y, groups = make_emotional_speech(n_speakers=3, n_clips_per_class=3, random_state=2)
    paths = []
    for index, clip in enumerate(X):
        paths.append(str(tmp_path / f"{index:02d}.wav"))
        write_audio(paths[-1], clip[clip != 0])
    table, model = tmp_path / "old.parquet", tmp_path / "model.joblib"
    old_metadata = {"embedder": "weight-free", "model": "ntu-spml/distilhubert",
                    "local_files_only": False, "corpus": "synthetic"}
    embed_corpus(front("weight-free", "unused", False, speeds=(), dynamics=False, channels=()),
                 paths,
                 out=table,
                 columns={"label": y, "group": groups}, metadata=old_metadata)
    assert load_embeddings(table).data.shape[1] == 171

    argv = ["train", "--features", str(table), "--out", str(model), "--heads", "1"]
    assert main([*argv, "--speeds", "0.9", "1.1"]) == 2
    assert "--speeds 0.9 1.1 does not match the table, embedded at speeds none" in (
        capsys.readouterr().err)
    assert main([*argv, "--channels", "telephone"]) == 2
    assert "--channels telephone does not match the table, embedded with channels none" in (
        capsys.readouterr().err)
    assert main(argv) == 0
    pipe = joblib.load(model)
    assert tuple(pipe[-2].speeds) == () and pipe[-1].n_views == 1
    assert tuple(pipe[-2].channels) == ()
    assert pipe[-2].dynamics is False
    rows = load_embeddings(table).data[:4]
    np.testing.assert_allclose(pipe.predict_proba(paths[:4]), pipe[-1].predict_proba(rows),
                               atol=1e-4)


@pytest.mark.parametrize("command", ["train", "evaluate"])
@pytest.mark.parametrize("options, named", [
    (["--adapt", "speaker"], "--adapt"),
    (["--task", "dimensional"], "--task dimensional"),
    (["--augment"], "--augment"),
    (["--noisy-copies", "2"], "--noisy-copies"),
    (["--corpus", "emodb"], "--corpus"),
    (["--embedder", "distilhubert"], "--embedder"),
])
def test_features_refuses_options_it_cannot_apply(command, options, named, tmp_path, capsys):
    """The table is checked for these before it is read: none of them may be ignored."""
    argv = [command, "--features", str(tmp_path / "absent.parquet"), *options]
    if command == "train":
        argv += ["--out", str(tmp_path / "m.joblib")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{named} cannot apply" in err or f"{named}," in err, err
    assert not (tmp_path / "m.joblib").exists()
