"""A user's own corpus: manifests, audio folders and Hugging Face datasets, and their mistakes."""

import json
import os

import numpy as np
import pytest
import soundfile as sf

from skser.datasets import from_hf_dataset, load_audiofolder, load_manifest
from skser.io import AudioLoader


def _tone(path, seed, *, rate=16000, seconds=0.5, channels=1):
    rng = np.random.default_rng(seed)
    samples = 0.1 * rng.standard_normal((int(rate * seconds), channels))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    sf.write(path, samples if channels > 1 else samples[:, 0], rate)
    return path


@pytest.fixture
def corpus(tmp_path):
    """Six clips of two speakers and three classes, and a CSV manifest over them."""
    rows = []
    for i, (label, speaker) in enumerate([("wut", "s1"), ("trauer", "s1"), ("neutral", "s1"),
                                          ("wut", "s2"), ("trauer", "s2"), ("neutral", "s2")]):
        _tone(str(tmp_path / "audio" / f"clip{i}.wav"), i)
        rows.append({"path": f"audio/clip{i}.wav", "label": label, "speaker": speaker,
                     "mood_score": str(i / 10)})
    _write_csv(tmp_path / "corpus.csv", rows)
    return tmp_path, rows


def _write_csv(path, rows, sep=","):
    columns = list(rows[0])
    lines = [sep.join(columns)] + [sep.join(str(row[c]) for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GERMAN = {"wut": "ang", "trauer": "sad", "neutral": "neu"}


def test_a_csv_manifest_gives_the_loaders_bunch(corpus):
    root, rows = corpus
    data = load_manifest(root / "corpus.csv", label_map=GERMAN)
    assert data.target.tolist() == ["ang", "sad", "neu"] * 2
    assert data.target_names.tolist() == ["ang", "neu", "sad"]
    assert data.speakers.tolist() == ["s1"] * 3 + ["s2"] * 3  # as given, not qualified
    assert data.groups.tolist() == data.speakers.tolist()
    assert all(os.path.isabs(f) and os.path.exists(f) for f in data.filenames)
    assert data.corpus.tolist() == ["corpus"] * 6
    np.testing.assert_allclose(data.duration, 0.5)
    assert data.frame["mood_score"].tolist() == [r["mood_score"] for r in rows]


@pytest.mark.parametrize("suffix", [".tsv", ".jsonl", ".parquet"])
def test_every_table_format_reads_the_same(corpus, suffix):
    root, rows = corpus
    path = root / f"corpus{suffix}"
    if suffix == ".tsv":
        _write_csv(path, rows, sep="\t")
    elif suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    expected = load_manifest(root / "corpus.csv", label_map=GERMAN)
    data = load_manifest(path, label_map=GERMAN)
    assert data.filenames.tolist() == expected.filenames.tolist()
    assert data.target.tolist() == expected.target.tolist()
    assert data.speakers.tolist() == expected.speakers.tolist()


def test_emotion4_and_a_class_selection_apply_to_every_reader(corpus):
    root, rows = corpus
    for row, label in zip(rows, ["angry", "Sadness", "bored"] * 2):
        row["label"] = label
    _write_csv(root / "english.csv", rows)
    data = load_manifest(root / "english.csv", labels="emotion4")
    assert data.target.tolist() == ["ang", "sad"] * 2  # "bored" is not one of the four
    data = load_manifest(root / "english.csv", classes=["angry"])
    assert data.target.tolist() == ["angry", "angry"]


def test_a_label_map_file_works_like_a_dict(corpus):
    root, _ = corpus
    (root / "map.json").write_text(json.dumps(GERMAN), encoding="utf-8")
    (root / "map.csv").write_text("\n".join(f"{k},{v}" for k, v in GERMAN.items()))
    for path in ("map.json", "map.csv"):
        data = load_manifest(root / "corpus.csv", label_map=root / path)
        assert data.target.tolist() == ["ang", "sad", "neu"] * 2


def test_a_missing_column_names_the_columns_found(corpus):
    root, _ = corpus
    with pytest.raises(ValueError, match=r"no label column 'emotion'.*\['path', 'label'"):
        load_manifest(root / "corpus.csv", label_column="emotion")
    with pytest.raises(ValueError, match="no speaker column 'actor'"):
        load_manifest(root / "corpus.csv", speaker_column="actor")


@pytest.mark.parametrize("bad", ["", "nan"])
def test_empty_or_nan_labels_name_their_rows(corpus, bad):
    root, rows = corpus
    rows[1]["label"], rows[4]["label"] = bad, bad
    _write_csv(root / "gaps.csv", rows)
    with pytest.raises(ValueError, match=r"2 clip\(s\) have no label.*rows 2, 5"):
        load_manifest(root / "gaps.csv", label_map=GERMAN)


def test_labels_the_map_does_not_know_are_named(corpus):
    root, _ = corpus
    with pytest.raises(ValueError, match=r"\['trauer'\].*rows 2, 5"):
        load_manifest(root / "corpus.csv", label_map={"wut": "ang", "neutral": "neu"})


def test_a_numeric_label_column_needs_a_map(corpus):
    root, rows = corpus
    for i, row in enumerate(rows):
        row["label"] = str(i % 3)
    _write_csv(root / "codes.csv", rows)
    with pytest.raises(ValueError, match="holds only numbers.*label map"):
        load_manifest(root / "codes.csv")
    data = load_manifest(root / "codes.csv", label_map={"0": "ang", "1": "sad", "2": "neu"})
    assert data.target.tolist() == ["ang", "sad", "neu"] * 2


def test_a_manifest_that_is_not_utf8_is_named(corpus):
    root, _ = corpus
    (root / "latin.csv").write_bytes("path,label\naudio/clip0.wav,fröhlich\n".encode("latin1"))
    with pytest.raises(ValueError, match=r"latin\.csv is not UTF-8.*line 2"):
        load_manifest(root / "latin.csv")


def test_every_missing_or_unreadable_file_is_listed(corpus):
    root, rows = corpus
    (root / "audio" / "clip1.wav").unlink()
    (root / "audio" / "clip4.wav").write_bytes(b"not audio at all")
    with pytest.raises(ValueError, match=r"2 of 6.*row 2: .*clip1\.wav: not found.*"
                                         r"row 5: .*clip4\.wav: unreadable"):
        load_manifest(root / "corpus.csv", label_map=GERMAN)
    with pytest.warns(UserWarning, match="skipped 2 of 6"):
        data = load_manifest(root / "corpus.csv", label_map=GERMAN, skip_unreadable=True)
    assert [os.path.basename(f) for f in data.filenames] == [
        "clip0.wav", "clip2.wav", "clip3.wav", "clip5.wav"]
    assert data.target.tolist() == ["ang", "neu", "ang", "neu"]


def test_a_file_cut_short_is_listed_and_skipped_with_the_unreadable(corpus):
    root, _ = corpus
    clip = root / "audio" / "clip3.wav"
    whole = clip.read_bytes()
    clip.write_bytes(whole[: 44 + (len(whole) - 44) // 2])  # the header still says all
    with pytest.raises(ValueError, match=r"1 of 6.*row 4: .*clip3\.wav: cut short \(its "
                                         r"header announces \d+ frames, it holds \d+\)"):
        load_manifest(root / "corpus.csv", label_map=GERMAN)
    with pytest.warns(UserWarning, match="skipped 1 of 6"):
        data = load_manifest(root / "corpus.csv", label_map=GERMAN, skip_unreadable=True)
    assert "clip3.wav" not in [os.path.basename(f) for f in data.filenames]


def test_a_file_listed_twice_or_the_same_audio_twice_is_refused(corpus):
    root, rows = corpus
    twice = [*rows, dict(rows[0])]
    _write_csv(root / "twice.csv", twice)
    with pytest.raises(ValueError, match=r"listed more than once.*clip0\.wav \(rows 1, 7\)"):
        load_manifest(root / "twice.csv", label_map=GERMAN)
    copy = root / "audio" / "copy_of_0.wav"
    copy.write_bytes((root / "audio" / "clip0.wav").read_bytes())
    _write_csv(root / "copy.csv", [*rows, {**rows[0], "path": "audio/copy_of_0.wav",
                                          "speaker": "s2"}])
    with pytest.raises(ValueError, match=r"same audio.*clip0\.wav \(speaker s1, label ang\)"
                                         r" = .*copy_of_0\.wav \(speaker s2, label ang\)"):
        load_manifest(root / "copy.csv", label_map=GERMAN)
    _write_csv(root / "copy.csv", [*rows, {**rows[0], "path": "audio/copy_of_0.wav"}])
    with pytest.warns(UserWarning, match="listed twice under other names, with the same"):
        assert len(load_manifest(root / "copy.csv", label_map=GERMAN).filenames) == 7


def test_no_speaker_column_means_no_speakers(corpus):
    root, rows = corpus
    _write_csv(root / "anonymous.csv", [{k: v for k, v in r.items() if k != "speaker"}
                                        for r in rows])
    data = load_manifest(root / "anonymous.csv", label_map=GERMAN)
    assert data.speakers is None and data.groups is None


def test_a_session_column_gives_the_groups_and_a_lone_clip_is_told(corpus):
    root, rows = corpus
    for i, row in enumerate(rows):
        row["session"] = f"day{i % 2}"
    rows[5]["speaker"] = "s3"
    _write_csv(root / "sessions.csv", rows)
    with pytest.warns(UserWarning, match=r"1 speaker\(s\) have a single clip \(s3\)"):
        data = load_manifest(root / "sessions.csv", label_map=GERMAN)
    assert data.groups.tolist() == ["day0", "day1"] * 3


def test_long_recordings_are_pointed_to_analyze(tmp_path):
    _tone(str(tmp_path / "long.wav"), 0, rate=8000, seconds=31)
    _tone(str(tmp_path / "short.wav"), 1)
    _write_csv(tmp_path / "m.csv", [{"path": "long.wav", "label": "a"},
                                    {"path": "short.wav", "label": "b"}])
    with pytest.warns(UserWarning, match=r"long\.wav, 31\.0 s.*skser analyze"):
        load_manifest(tmp_path / "m.csv")


def test_stereo_8k_and_48k_files_just_work(tmp_path):
    _tone(str(tmp_path / "a.wav"), 0, rate=8000)
    _tone(str(tmp_path / "b.flac"), 1, rate=48000, channels=2)
    _tone(str(tmp_path / "c.wav"), 2, rate=44100, channels=2)
    _write_csv(tmp_path / "m.csv", [{"path": p, "label": lab} for p, lab in
                                    [("a.wav", "x"), ("b.flac", "y"), ("c.wav", "x")]])
    data = load_manifest(tmp_path / "m.csv")
    X = AudioLoader().transform(list(data.filenames))
    assert X.shape == (3, 8000)
    np.testing.assert_allclose(data.duration, 0.5, atol=1e-3)


def test_a_folder_per_class(tmp_path):
    for i, label in enumerate(["angry", "angry", "sad"]):
        _tone(str(tmp_path / label / f"{i}.wav"), i)
    _tone(str(tmp_path / "loose.wav"), 9)  # a file at the top has no class: not a clip
    data = load_audiofolder(tmp_path)
    assert data.target.tolist() == ["angry", "angry", "sad"]
    assert data.speakers is None and data.corpus[0] == tmp_path.name


def test_huggingface_audiofolder_metadata_with_class_folders(tmp_path):
    rows = []
    for i, (label, speaker) in enumerate([("angry", "a"), ("sad", "a"), ("sad", "b")]):
        _tone(str(tmp_path / label / f"{i}.wav"), i)
        rows.append({"file_name": f"{label}/{i}.wav", "speaker": speaker})
    (tmp_path / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    data = load_audiofolder(tmp_path)
    assert data.target.tolist() == ["angry", "sad", "sad"]  # from the folders
    assert data.speakers.tolist() == ["a", "a", "b"]
    _write_csv(tmp_path / "metadata.csv", [{**r, "label": "x"} for r in rows])
    with pytest.raises(ValueError, match="both metadata.csv and metadata.jsonl"):
        load_audiofolder(tmp_path)


def test_dimensional_targets_and_their_mistakes(corpus):
    root, rows = corpus
    data = load_manifest(root / "corpus.csv", targets=["mood_score"], label_map=GERMAN)
    assert data.target.shape == (6, 1) and data.target[3, 0] == pytest.approx(0.3)
    assert data.emotion.tolist() == ["ang", "sad", "neu"] * 2
    rows[2]["mood_score"] = "high"
    _write_csv(root / "words.csv", rows)
    with pytest.raises(ValueError, match=r"row 3: target column 'mood_score' holds 'high'"):
        load_manifest(root / "words.csv", targets=["mood_score"], label_map=GERMAN)


datasets = pytest.importorskip("datasets")


def test_a_decoded_huggingface_dataset():
    rng = np.random.default_rng(0)
    ds = datasets.Dataset.from_dict({
        "audio": [{"array": 0.1 * rng.standard_normal(8000), "sampling_rate": 8000},
                  {"array": 0.1 * rng.standard_normal(48000), "sampling_rate": 48000}],
        "label": [0, 1], "speaker": ["x", "y"],
    }).cast_column("label", datasets.ClassLabel(names=["angry", "neutral"]))
    data = from_hf_dataset(ds, labels="emotion4")
    assert data.data.shape == (2, 16000)
    assert data.target.tolist() == ["ang", "neu"]
    assert data.filenames.tolist() == ["hf:1", "hf:2"]


def test_an_undecoded_audio_column_from_paths_and_bytes(tmp_path):
    paths = [_tone(str(tmp_path / f"{i}.wav"), i, rate=22050) for i in range(2)]
    by_path = datasets.Dataset.from_dict({"audio": paths, "label": ["sad", "happy"]})
    by_path = by_path.cast_column("audio", datasets.Audio())
    data = from_hf_dataset(by_path)
    assert data.filenames.tolist() == paths and data.data.shape == (2, 8000)
    as_bytes = datasets.Dataset.from_dict({
        "audio": [{"bytes": open(p, "rb").read(), "path": None} for p in paths],
        "label": ["sad", "happy"]}).cast_column("audio", datasets.Audio(decode=False))
    np.testing.assert_array_equal(from_hf_dataset(as_bytes).data, data.data)


def test_a_huggingface_dataset_with_bad_audio_names_the_row():
    ds = datasets.Dataset.from_dict({
        "audio": [{"array": [0.1] * 800, "sampling_rate": 8000},
                  {"array": [float("nan")] * 800, "sampling_rate": 8000}],
        "label": ["a", "b"]})
    with pytest.raises(ValueError, match="row 2: the audio array .* NaN"):
        from_hf_dataset(ds)
    with pytest.raises(ValueError, match=r"no label column 'emotion'.*\['audio', 'label'\]"):
        from_hf_dataset(ds, label_column="emotion")


FRENCH = {"ang": "colère", "hap": "joie", "neu": "neutre", "sad": "tristesse"}


@pytest.mark.real_data
def test_a_manifest_over_the_shared_corpora_in_a_layout_of_its_own(tmp_path, ravdess_root,
                                                                   emodb_root):
    """Renamed files in a folder per class, French labels, the user's own speaker ids:
    the same clips, classes and speakers as the built-in loaders."""
    from skser.datasets import load_emodb, load_ravdess

    builtin = [load_ravdess(ravdess_root), load_emodb(emodb_root)]
    rows = []
    for data in builtin:
        for i, (path, label, speaker) in enumerate(zip(data.filenames, data.target,
                                                       data.speakers)):
            link = tmp_path / "mine" / FRENCH[label] / f"{data.corpus[0]}_{i:04d}.flac"
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
            rows.append({"path": os.path.relpath(link, tmp_path), "émotion": FRENCH[label],
                         "locuteur": speaker.replace(":", "-")})
    _write_csv(tmp_path / "corpus.csv", rows)
    mine = load_manifest(tmp_path / "corpus.csv", label_column="émotion",
                         speaker_column="locuteur", labels="emotion4",
                         label_map={v: k for k, v in FRENCH.items()})
    assert [os.path.realpath(f) for f in mine.filenames] == [
        os.path.realpath(f) for data in builtin for f in data.filenames]
    assert mine.target.tolist() == [t for data in builtin for t in data.target]
    assert mine.speakers.tolist() == [s.replace(":", "-") for d in builtin for s in d.speakers]
    assert len(set(mine.speakers)) == 22


def test_unlabeled_clips_from_a_manifest(corpus):
    root, _ = corpus
    data = load_manifest(root / "corpus.csv", label_column=None)
    assert data.target is None and len(data.filenames) == 6
    assert data.speakers.tolist() == ["s1"] * 3 + ["s2"] * 3
