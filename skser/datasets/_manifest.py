"""load_manifest: a user's corpus from a CSV, TSV, JSONL or Parquet table of files and labels."""

import csv
import io
import json
import os
import warnings

import numpy as np
from sklearn.utils import Bunch

from ..utils import expand_path
from ._user_files import check_audio_files, check_identical_audio
from ._user_labels import is_missing, resolve_labels

__all__ = ["load_manifest", "user_bunch"]

MANIFEST_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet")
_AUTO_SPEAKER, _AUTO_SESSION, _AUTO_GENDER = "speaker", "session", "gender"


def _decode(path):
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ValueError(
            f"manifest {path} is not UTF-8 text (byte {exc.start}, line {line}: "
            f"{data[exc.start:exc.start + 1]!r}); save it as UTF-8 (e.g. `iconv -f "
            "latin1 -t utf-8`)") from None


def read_table(path):
    """``(columns, rows)`` of a manifest: its column names and one dict per data row."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        return list(table.column_names), table.to_pylist()
    text = _decode(path)
    if suffix == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"manifest {path}, line {number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"manifest {path}, line {number}: expected a JSON object")
            rows.append(row)
        columns = list(dict.fromkeys(key for row in rows for key in row))
        return columns, rows
    if suffix not in (".csv", ".tsv"):
        raise ValueError(f"manifest {path}: unknown table format {suffix!r}; expected one of "
                         f"{MANIFEST_SUFFIXES}")
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
    rows = list(reader)
    columns = list(reader.fieldnames or [])
    for number, row in enumerate(rows, start=1):
        if None in row:
            raise ValueError(f"manifest {path}, row {number}: more cells than the "
                             f"{len(columns)} columns of the header")
    return columns, rows


def _column(rows, columns, name, *, source, role, required=True):
    """The values of column ``name``, or None when it is absent and not ``required``."""
    if name not in columns:
        if not required:
            return None
        raise ValueError(f"{source}: no {role} column {name!r}; the columns found are "
                         f"{columns}")
    return [row.get(name) for row in rows]


def _ids(values, *, source, column, rows):
    """Speaker or session ids as given, as text; a missing one names its rows."""
    texts = ["" if is_missing(value) else str(value).strip() for value in values]
    missing = [row for row, text in zip(rows, texts) if not text]
    if missing:
        raise ValueError(f"{source}: {len(missing)} clip(s) have no value in column "
                         f"{column!r}: rows {', '.join(map(str, missing[:8]))}")
    return np.asarray(texts, dtype=str)


def _targets(rows, columns, names, *, source, row_ids):
    values = np.empty((len(rows), len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        for i, value in enumerate(_column(rows, columns, name, source=source,
                                          role="target")):
            try:
                values[i, j] = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{source}, row {row_ids[i]}: target column {name!r} holds "
                                 f"{value!r}, not a number") from None
            if not np.isfinite(values[i, j]):
                raise ValueError(f"{source}, row {row_ids[i]}: target column {name!r} holds "
                                 f"{value!r}, not a finite number")
    return values


def user_bunch(rows, columns, paths, *, source, corpus, label_column="label",
               speaker_column=None, session_column=None, targets=None, label_map=None,
               labels="all", classes=None, skip_unreadable=False):
    """The loaders' Bunch for a user's table: every check, then the selection.

    Shared by :func:`load_manifest` and :func:`skser.datasets.load_audiofolder`; ``paths``
    are the resolved audio paths of ``rows``.
    """
    row_ids = list(range(1, len(rows) + 1))
    if not rows:
        raise ValueError(f"{source} lists no clips")
    target_names = None if targets is None else [str(name) for name in targets]
    label_values = None if label_column is None else _column(
        rows, columns, label_column, source=source, role="label",
        required=target_names is None)
    speaker = _column(rows, columns, speaker_column or _AUTO_SPEAKER, source=source,
                      role="speaker", required=speaker_column is not None)
    session = _column(rows, columns, session_column or _AUTO_SESSION, source=source,
                      role="session", required=session_column is not None)
    gender = _column(rows, columns, _AUTO_GENDER, source=source, role="gender",
                     required=False)
    emotion = None
    if label_values is not None:
        emotion = resolve_labels(label_values, source=source, column=label_column,
                                 rows=row_ids, label_map=label_map, labels=labels,
                                 classes=classes)
    dimensions = None
    if target_names is not None:
        dimensions = _targets(rows, columns, target_names, source=source, row_ids=row_ids)
    speakers = None if speaker is None else _ids(speaker, source=source,
                                                 column=speaker_column or _AUTO_SPEAKER,
                                                 rows=row_ids)
    sessions = None if session is None else _ids(session, source=source,
                                                 column=session_column or _AUTO_SESSION,
                                                 rows=row_ids)
    keep = np.ones(len(rows), dtype=bool) if emotion is None else emotion != ""
    if not keep.any():
        raise ValueError(f"{source}: no clips are left after selecting the labels")
    chosen = np.flatnonzero(keep)
    readable, durations = check_audio_files(
        [paths[i] for i in chosen], source=source, rows=[row_ids[i] for i in chosen],
        skip_unreadable=skip_unreadable)
    chosen = chosen[readable]
    owners = [f"speaker {speakers[i]}" if speakers is not None else "no speaker" for i in chosen]
    if emotion is not None:
        owners = [f"{owner}, label {emotion[i]}" for owner, i in zip(owners, chosen)]
    check_identical_audio([paths[i] for i in chosen], owners=owners, source=source)
    bunch = Bunch(
        filenames=np.asarray([paths[i] for i in chosen], dtype=str),
        speakers=None if speakers is None else speakers[chosen],
        groups=None,
        gender=None if gender is None else np.asarray([str(gender[i]) for i in chosen]),
        duration=durations[readable],
        corpus=np.full(chosen.size, corpus),
        DESCR=f"A user's corpus read from {source}: {chosen.size} clips.",
    )
    if sessions is not None:
        bunch.groups = sessions[chosen]
    elif speakers is not None:
        bunch.groups = bunch.speakers
    set_targets(bunch, chosen, emotion=emotion, dimensions=dimensions,
                target_names=target_names)
    _warn_thin_speakers(bunch.speakers, source=source)
    bunch.frame = _frame(rows, columns, chosen, bunch)
    return bunch


def set_targets(bunch, chosen, *, emotion, dimensions, target_names):
    """``target`` and ``target_names`` of the ``chosen`` rows: the ratings where there are
    some (the classes then in ``emotion``), else the classes, else None (unlabeled)."""
    if dimensions is not None:
        bunch.target = dimensions[chosen]
        bunch.target_names = np.asarray(target_names, dtype=str)
        if emotion is not None:
            bunch.emotion = emotion[chosen]
    elif emotion is not None:
        bunch.target = emotion[chosen]
        bunch.target_names = np.unique(bunch.target)
    else:  # unlabeled clips (label_column=None)
        bunch.target = bunch.target_names = None


def _warn_thin_speakers(speakers, *, source):
    if speakers is None:
        return
    names, counts = np.unique(speakers, return_counts=True)
    single = names[counts == 1].tolist()
    if single:
        warnings.warn(f"{source}: {len(single)} speaker(s) have a single clip ("
                      f"{', '.join(single[:8])}): their test folds score one clip",
                      UserWarning, stacklevel=3)


def _frame(rows, columns, chosen, bunch):
    """Every column of the table for the kept rows, plus the resolved fields (pandas)."""
    try:
        import pandas as pd
    except ImportError:
        return None
    frame = pd.DataFrame([rows[i] for i in chosen], columns=columns)
    frame["filename"] = bunch.filenames
    if bunch.target is not None and bunch.target.ndim == 1:
        frame["target"] = bunch.target
    frame["corpus"] = bunch.corpus
    return frame


def load_manifest(path, *, path_column="path", label_column="label", speaker_column=None,
                  session_column=None, targets=None, label_map=None, labels="all",
                  classes=None, skip_unreadable=False, corpus=None):
    """Load a user's corpus from a table of audio files and their labels.

    Read more in the :ref:`User Guide <your_data>`.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv``, ``.tsv``, ``.jsonl`` or ``.parquet`` manifest (UTF-8 text; Parquet needs
        pyarrow). One row per clip.
    path_column : str, default="path"
        The column of audio paths; relative paths are relative to the manifest's folder.
    label_column : str or None, default="label"
        The column of emotion classes (optional when ``targets`` are given); None reads
        unlabeled clips (``target`` is None), e.g. for distillation or enrollment.
    speaker_column : str, optional
        The column of speaker ids. Default: ``"speaker"`` where the table has it, else the
        Bunch has no speakers (``speakers`` is None), and a speaker-independent evaluation
        is impossible.
    session_column : str, optional
        The column of session ids, the evaluation's groups. Default: ``"session"`` where
        present, else the speakers.
    targets : sequence of str, optional
        Columns of numeric ratings (e.g. ``["arousal", "valence", "dominance"]``): the
        dimensional task. ``target`` is then an array ``(n_clips, n_targets)`` and the
        labels, where present, move to ``emotion``.
    label_map : dict or str or os.PathLike, optional
        Renames labels: a dict, or a ``.json`` object or two-column ``.csv``/``.tsv`` file
        (``label,class``). Every label must then be a key or a value of the map.
    labels : {"all", "emotion4"}, default="all"
        ``"emotion4"`` keeps the clips whose class (after the map) names one of the
        paper's four (``angry``, ``happy``, ``neutral``, ``sad``, ...) as ``ang``, ``hap``,
        ``neu``, ``sad``.
    classes : sequence of str, optional
        Keep only the clips of these classes.
    skip_unreadable : bool, default=False
        Go on without missing or unreadable files (a warning counts them) instead of an
        error that lists them all.
    corpus : str, optional
        The corpus's name in ``corpus`` (default: the manifest's file name without suffix).

    Returns
    -------
    data : Bunch
        ``filenames`` (absolute), ``target``, ``target_names``, ``speakers`` and ``groups``
        (the user's ids as given, or None), ``gender`` (a ``gender`` column, or None),
        ``duration`` (seconds), ``corpus``, ``DESCR``, and ``frame`` (every column of the
        table for the kept rows) when pandas is installed.

    Raises
    ------
    ValueError
        Naming the row, column or file: a missing column (the columns found are listed),
        empty, NaN, unknown or only-numeric labels, missing speaker ids, a non-UTF-8 or
        malformed table, the same file on two rows, the same audio under two paths, or
        missing and unreadable files (all listed at once).
    FileNotFoundError
        If the manifest itself is missing.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> rows = ["path,label,speaker"]
    >>> for i, (label, spk) in enumerate([("angry", "s1"), ("sad", "s1"), ("angry", "s2")]):
    ...     sf.write(os.path.join(folder, f"{i}.wav"), 0.1 * np.sin(np.arange(8000) * i), 16000)
    ...     rows.append(f"{i}.wav,{label},{spk}")
    >>> _ = open(os.path.join(folder, "corpus.csv"), "w").write("\\n".join(rows))
    >>> data = load_manifest(os.path.join(folder, "corpus.csv"), labels="emotion4")
    >>> data.target.tolist(), data.speakers.tolist()
    (['ang', 'sad', 'ang'], ['s1', 's1', 's2'])
    """
    manifest = expand_path(path)
    if not manifest.is_file():
        raise FileNotFoundError(f"manifest not found: {manifest}")
    columns, rows = read_table(manifest)
    source = f"manifest {manifest}"
    values = _column(rows, columns, path_column, source=source, role="path")
    paths = []
    for number, value in enumerate(values, start=1):
        if value is None or not str(value).strip():
            raise ValueError(f"{source}, row {number}: the path column {path_column!r} is "
                             "empty")
        audio = expand_path(str(value).strip())
        paths.append(os.path.abspath(audio if audio.is_absolute() else manifest.parent / audio))
    return user_bunch(rows, columns, paths, source=source,
                      corpus=corpus or manifest.stem, label_column=label_column,
                      speaker_column=speaker_column, session_column=session_column,
                      targets=targets, label_map=label_map, labels=labels, classes=classes,
                      skip_unreadable=skip_unreadable)
