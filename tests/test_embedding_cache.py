"""The embedding cache never serves stale embeddings, and can be inspected and cleared."""

import errno
import os
from pathlib import Path

import numpy as np
import pytest

import skser
from skser.cli import main
from skser.embedding import AcousticEmbedder, DistilHuBERTEmbedder, cache_info, clear_cache
from skser.embedding._cache import CACHE_FOLDER

X = (0.3 * np.random.default_rng(0).standard_normal((3, 8000))).astype(np.float32)


def _namespace(embedder):
    return embedder.fit(X).fingerprint_


def test_the_namespace_changes_with_the_feature_version(monkeypatch):
    before = _namespace(AcousticEmbedder())
    monkeypatch.setattr(AcousticEmbedder, "FEATURE_VERSION", AcousticEmbedder.FEATURE_VERSION + 1)
    assert _namespace(AcousticEmbedder()) != before


def test_the_namespace_changes_with_skser_version(monkeypatch):
    before = _namespace(AcousticEmbedder())
    monkeypatch.setattr(skser, "__version__", skser.__version__ + ".post1")
    assert _namespace(AcousticEmbedder()) != before


def test_the_namespace_changes_with_every_option_that_changes_numbers(tiny_hubert):
    assert _namespace(AcousticEmbedder(n_mels=32)) != _namespace(AcousticEmbedder())
    base = _namespace(DistilHuBERTEmbedder(model=tiny_hubert))
    assert _namespace(DistilHuBERTEmbedder(model=tiny_hubert, pooling="mean+std")) != base
    assert _namespace(DistilHuBERTEmbedder(model=tiny_hubert, layer=0)) != base
    assert _namespace(DistilHuBERTEmbedder(model=tiny_hubert, batch_size=4)) == base


def test_the_namespace_changes_with_the_weights(tmp_path):
    from .conftest import save_tiny_hubert

    first = save_tiny_hubert(tmp_path / "a", seed=0)
    second = save_tiny_hubert(tmp_path / "b", seed=1)
    assert _namespace(DistilHuBERTEmbedder(model=first)) != _namespace(
        DistilHuBERTEmbedder(model=second))


def test_a_bumped_version_recomputes_instead_of_reading_the_old_cache(tmp_path, monkeypatch):
    AcousticEmbedder(memory=tmp_path).fit(X).transform(X)
    assert cache_info(tmp_path)["entries"] == 3
    monkeypatch.setattr(AcousticEmbedder, "FEATURE_VERSION", AcousticEmbedder.FEATURE_VERSION + 1)
    AcousticEmbedder(memory=tmp_path).fit(X).transform(X)
    info = cache_info(tmp_path)
    assert info["entries"] == 6 and info["namespaces"] == 2


def test_cache_info_and_clear(tmp_path):
    (tmp_path / "mine.txt").write_text("not skser's")
    AcousticEmbedder(memory=str(tmp_path)).fit(X).transform(X)
    info = cache_info(tmp_path)
    assert info["entries"] == 3 and info["bytes"] > 3 * 171 * 4
    assert clear_cache(tmp_path)["entries"] == 3
    assert cache_info(tmp_path)["entries"] == 0
    assert (tmp_path / "mine.txt").read_text() == "not skser's"


def test_skser_cache_command(tmp_path, capsys):
    AcousticEmbedder(memory=tmp_path).fit(X).transform(X)
    assert main(["cache", "info", "--cache", str(tmp_path)]) == 0
    assert "3 cached embeddings" in capsys.readouterr().out
    assert main(["cache", "clear", "--cache", str(tmp_path)]) == 0
    assert "removed 3 of 3 cached embeddings" in capsys.readouterr().out
    assert main(["cache", "info", "--cache", str(tmp_path)]) == 0
    assert "0 cached embeddings" in capsys.readouterr().out


@pytest.mark.parametrize("variable", [None, "SKSER_CACHE"])
def test_the_cache_command_defaults_to_the_pipeline_cache(variable, tmp_path, monkeypatch,
                                                          capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    if variable:
        monkeypatch.setenv(variable, "~/elsewhere")
    else:
        monkeypatch.delenv("SKSER_CACHE", raising=False)
    assert main(["cache", "info"]) == 0
    folder = tmp_path / ("elsewhere" if variable else ".cache/skser") / "skser-embeddings"
    assert str(folder) in capsys.readouterr().out


def test_an_unwritable_cache_warns_once_and_still_embeds(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    X = np.random.default_rng(0).normal(scale=0.1, size=(3, 16000)).astype(np.float32)
    expected = AcousticEmbedder().fit(X).transform(X)
    embedder = AcousticEmbedder(memory=blocker / "cache").fit(X)
    with pytest.warns(UserWarning, match="embedding cache cannot be written") as caught:
        got = embedder.transform(X)
    assert len([w for w in caught if "cache cannot" in str(w.message)]) == 1
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match="memory='' names no folder"):
        AcousticEmbedder(memory="").fit(X).transform(X)


def test_cache_info_refuses_a_file(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError, match="a-file is a file, not a folder"):
        cache_info(blocker)
    with pytest.raises(NotADirectoryError, match="is a file"):
        clear_cache(blocker)
    assert blocker.read_text() == "x"


def test_clear_reports_what_was_really_removed(tmp_path, monkeypatch, capsys):
    AcousticEmbedder(memory=tmp_path).fit(X).transform(X)
    stuck = sorted((tmp_path / CACHE_FOLDER).rglob("*.npy"))[0]
    unlink = Path.unlink

    def refuse_one(path, *args, **kwargs):  # a read-only file (root may delete anything)
        if path == stuck:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse_one)
    info = clear_cache(tmp_path)
    assert (info["entries"], info["removed_entries"]) == (3, 2)
    assert info["failed"] == [(str(stuck), "Permission denied")]  # not its folders again
    assert cache_info(tmp_path)["entries"] == 1
    assert main(["cache", "clear", "--cache", str(tmp_path)]) == 2  # the command says so
    captured = capsys.readouterr()
    assert "removed 0 of 1 cached embeddings" in captured.out
    assert f"could not remove {stuck}: Permission denied" in captured.err


def test_clear_empties_a_symlinked_cache_and_keeps_the_link(tmp_path):
    target, link = tmp_path / "real", tmp_path / "link"
    AcousticEmbedder(memory=target).fit(X).transform(X)
    link.mkdir()
    (link / CACHE_FOLDER).symlink_to(target / CACHE_FOLDER)
    info = clear_cache(link)
    assert info["removed_entries"] == 3 and info["failed"] == []
    assert cache_info(target)["entries"] == 0 and (target / CACHE_FOLDER).is_dir()


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_cache_variable_counts_as_unset(monkeypatch, value):
    from skser.pipeline import default_cache_dir

    monkeypatch.setenv("SKSER_CACHE", value)
    assert default_cache_dir() == os.path.expanduser(os.path.join("~", ".cache", "skser"))
