"""load_audiofolder: a user's corpus as a folder of audio, one sub-folder per class."""

import os

from ..utils import expand_path
from ._base import find_audio
from ._manifest import read_table, user_bunch

__all__ = ["load_audiofolder"]

_METADATA = ("metadata.csv", "metadata.jsonl")
_FOLDER_LABEL = "label"


def _metadata_file(root):
    found = [root / name for name in _METADATA if (root / name).is_file()]
    if len(found) > 1:
        raise ValueError(f"{root} holds both {_METADATA[0]} and {_METADATA[1]}: keep one")
    return found[0] if found else None


def load_audiofolder(root, *, label_column="label", speaker_column=None, session_column=None,
                     targets=None, label_map=None, labels="all", classes=None,
                     skip_unreadable=False, corpus=None):
    """Load a user's corpus from a folder, in either of the two layouts people use.

    Read more in the :ref:`User Guide <your_data>`.

    - **One sub-folder per class**: ``root/angry/a.wav``, ``root/sad/b.flac``; the
      class is the folder's name.
    - **Hugging Face's audiofolder**: a ``metadata.csv`` or ``metadata.jsonl`` in
      ``root`` with a ``file_name`` column (paths relative to ``root``) and any other
      columns (label, speaker, session, ratings). Where it has no label column, each
      file's class is the name of its folder, so both layouts combine: class folders
      plus a metadata file for the speakers.

    Parameters
    ----------
    root : str or os.PathLike
        The folder.
    label_column, speaker_column, session_column, targets, label_map, labels, classes, \
skip_unreadable, corpus
        As in :func:`skser.datasets.load_manifest` (``corpus`` defaults to the folder's
        name). Without a metadata file there are no speakers.

    Returns
    -------
    data : Bunch
        As :func:`skser.datasets.load_manifest`'s.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> root = tempfile.mkdtemp()
    >>> for label, name in [("angry", "x.wav"), ("neutral", "y.wav")]:
    ...     os.makedirs(os.path.join(root, label))
    ...     sf.write(os.path.join(root, label, name), np.full(8000, 0.05 * len(label)), 16000)
    >>> data = load_audiofolder(root, labels="emotion4")
    >>> data.target.tolist(), data.speakers is None
    (['ang', 'neu'], True)
    """
    folder = expand_path(root)
    if not folder.is_dir():
        raise FileNotFoundError(f"audio folder not found: {folder}")
    metadata = _metadata_file(folder)
    if metadata is None:
        source = f"folder {folder}"
        files = [path for path in find_audio(folder) if path.parent != folder]
        if not files:
            raise FileNotFoundError(f"{source} holds no class sub-folders of audio "
                                    "(.wav or .flac), e.g. angry/clip.wav, nor a "
                                    "metadata.csv")
        rows = [{"file_name": os.fspath(path.relative_to(folder)),
                 _FOLDER_LABEL: path.parent.name} for path in files]
        columns = ["file_name", _FOLDER_LABEL]
        label_column = _FOLDER_LABEL
    else:
        source = f"metadata {metadata}"
        columns, rows = read_table(metadata)
        if "file_name" not in columns:
            raise ValueError(f"{source}: no 'file_name' column; the columns found are "
                             f"{columns}")
        if targets is None and label_column is not None and label_column not in columns:
            for row in rows:
                row[label_column] = os.path.basename(os.path.dirname(str(row["file_name"])))
            columns = [*columns, label_column]
    paths = []
    for number, row in enumerate(rows, start=1):
        name = str(row.get("file_name") or "").strip()
        if not name:
            raise ValueError(f"{source}, row {number}: the file_name column is empty")
        paths.append(os.path.abspath(folder / name))
    return user_bunch(rows, columns, paths, source=source, corpus=corpus or folder.name,
                      label_column=label_column, speaker_column=speaker_column,
                      session_column=session_column, targets=targets, label_map=label_map,
                      labels=labels, classes=classes, skip_unreadable=skip_unreadable)
