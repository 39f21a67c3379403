"""What every corpus loader shares: label sets, file discovery, the returned Bunch."""


import numpy as np
from sklearn.utils import Bunch

from ..utils import expand_path

EMOTION4 = ("ang", "hap", "neu", "sad")
"""The four classes of the paper: anger, happiness, neutral, sadness."""

LABEL_SETS = ("emotion4", "all")
AUDIO_SUFFIXES = (".wav", ".flac")


def check_root(root, corpus):
    """Return ``root`` as a Path, or raise naming the corpus when it is not a folder."""
    root = expand_path(root)
    if not root.exists():
        raise FileNotFoundError(f"{corpus} folder not found: {root}")
    if not root.is_dir():
        raise NotADirectoryError(f"{corpus} root must be a folder, got a file: {root}")
    return root


def check_labels(labels):
    if labels not in LABEL_SETS:
        raise ValueError(f"labels must be one of {LABEL_SETS}, got {labels!r}")


def select_label(code, labels, emotion4, readable):
    """The target for a corpus's emotion ``code``: emotion4 code, readable name, or None.

    None means the clip is dropped (its emotion is not one of the four).
    """
    if labels == "emotion4":
        return emotion4.get(code)
    return readable[code]


def find_audio(root):
    """All .wav and .flac files below ``root``, sorted (hidden files skipped)."""
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix.lower() in AUDIO_SUFFIXES
        and path.is_file()
        and not path.name.startswith(".")
    )


def no_files_error(corpus, root, expected):
    return FileNotFoundError(
        f"no {corpus} audio found under {root}: expected files like {expected} "
        "(.wav or .flac)"
    )


def named_files(root, *, corpus, example, pattern, expected):
    """Yield ``(path, match)`` for each audio file below ``root``, named as ``pattern`` says.

    Raises FileNotFoundError for a missing or audio-free ``root`` and a ValueError naming
    the first file whose stem does not match (``expected`` describes the naming).
    """
    article = "an" if corpus[0] in "AEIOU" else "a"
    root = check_root(root, corpus)
    paths = find_audio(root)
    if not paths:
        raise no_files_error(corpus, root, example)
    for path in paths:
        match = pattern.match(path.stem)
        if match is None:
            raise ValueError(f"not {article} {corpus} file name: {path} (expected {expected})")
        yield path, match


def qualify(corpus, ids):
    """Ids tagged by their corpus, so that two corpora never share one: ``ravdess:03``.

    Parameters
    ----------
    corpus : str
        The corpus name, lower case (``"ravdess"``, ``"emodb"``).
    ids : array-like [shape=(n_clips,)]
        The corpus's own speaker or session ids.

    Returns
    -------
    ids : np.ndarray [shape=(n_clips,), dtype=str]

    Examples
    --------
    >>> qualify("emodb", ["03", "16"]).tolist()
    ['emodb:03', 'emodb:16']
    """
    return np.asarray([f"{corpus}:{value}" for value in np.asarray(ids).tolist()])


def make_bunch(records, *, corpus, description, extra_columns=()):
    """Build the loaders' Bunch from a list of per-file dicts.

    Each record has ``filename``, ``target``, ``group``, ``speaker``, ``gender`` and the
    keys named in ``extra_columns``. Groups and speakers are the corpus's own ids; the
    Bunch holds them qualified by ``corpus`` (see :func:`qualify`).
    """
    if not records:
        raise ValueError(f"no {corpus} clips are left after selecting the labels")
    columns = ("filename", "target", "group", "speaker", "gender", *extra_columns)
    arrays = {name: np.asarray([record[name] for record in records]) for name in columns}
    arrays["group"] = qualify(corpus, arrays["group"])
    arrays["speaker"] = qualify(corpus, arrays["speaker"])
    bunch = Bunch(
        filenames=arrays["filename"],
        target=arrays["target"],
        target_names=np.unique(arrays["target"]),
        groups=arrays["group"],
        speakers=arrays["speaker"],
        gender=arrays["gender"],
        corpus=np.full(len(records), corpus),
        DESCR=description,
    )
    for name in extra_columns:
        bunch[name] = arrays[name]
    try:
        import pandas as pd
    except ImportError:
        return bunch
    frame = pd.DataFrame({name: arrays[name] for name in columns})
    frame["corpus"] = corpus
    bunch.frame = frame
    return bunch
