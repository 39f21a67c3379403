"""The labels of a user's corpus: checked, mapped and selected the same way for every reader."""

import json
import math

import numpy as np

from ..utils import expand_path
from ._base import EMOTION4

__all__ = ["EMOTION4_NAMES", "is_missing", "read_label_map", "resolve_labels"]

EMOTION4_NAMES = {
    "ang": ("ang", "anger", "angry"),
    "hap": ("hap", "happiness", "happy", "joy"),
    "neu": ("neu", "neutral"),
    "sad": ("sad", "sadness"),
}
"""Names (any case) that ``labels="emotion4"`` maps to each of the paper's four classes.

Other names and single-letter codes (EmoDB's ``A`` is fear, not anger) need a label map.
"""

# Cells that spreadsheets and pandas write for a missing value.
_MISSING_TEXT = {"", "nan", "na", "n/a", "null", "none", "#n/a"}
_TO_EMOTION4 = {name: code for code, names in EMOTION4_NAMES.items() for name in names}


def read_label_map(label_map):
    """A label map as a dict of strings: a dict, or a .json or two-column .csv/.tsv file.

    Examples
    --------
    >>> read_label_map({"wut": "ang", 1: "hap"})
    {'wut': 'ang', '1': 'hap'}
    """
    if label_map is None:
        return None
    if isinstance(label_map, dict):
        return {str(key): str(value) for key, value in label_map.items()}
    path = expand_path(label_map)
    if not path.is_file():
        raise FileNotFoundError(f"label map file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"label map {path} is not valid JSON: {exc}") from None
        if not isinstance(mapping, dict):
            raise ValueError(f"label map {path} must hold a JSON object (label -> class)")
        return read_label_map(mapping)
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    mapping = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split(sep)]
        if len(cells) != 2 or not all(cells):
            raise ValueError(f"label map {path}, line {number}: expected two columns "
                             f"'label{sep}class', got {line!r}")
        mapping[cells[0]] = cells[1]
    return mapping


def is_missing(value):
    """Whether a cell is a missing value: None, NaN, blank, or a spreadsheet's "NA"."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in _MISSING_TEXT


def _label_text(value):
    """A label as text; a whole float (3.0, as pandas reads a column with gaps) as '3'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return _label_text(value.item())
    return str(value).strip()


def _looks_numeric(texts):
    def number(text):
        try:
            float(text)
        except ValueError:
            return False
        return True

    return bool(texts) and all(number(text) for text in texts)


def _rows(indices, limit=8):
    shown = ", ".join(str(i) for i in indices[:limit])
    return shown + (f" and {len(indices) - limit} more" if len(indices) > limit else "")


def resolve_labels(values, *, source, column, rows, label_map=None, labels="all",
                   classes=None):
    """Check a label column and apply the label map, ``labels`` and ``classes``.

    Parameters
    ----------
    values : sequence
        The raw labels, one per clip.
    source : str
        The manifest or folder, for messages.
    column : str
        The label column's name, for messages.
    rows : sequence
        How each clip is named in messages (row numbers or file names).
    label_map : dict or path, optional
        Renames labels (``{"wut": "ang"}``); every label must then be a key or a value.
    labels : {"all", "emotion4"}, default="all"
        ``"emotion4"`` keeps the clips whose label (after the map) names one of the paper's
        four classes (:data:`EMOTION4_NAMES`) as ``ang``/``hap``/``neu``/``sad``.
    classes : sequence of str, optional
        Keep only these classes (after the map and ``labels``).

    Returns
    -------
    target : np.ndarray [shape=(n_clips,), dtype=str]
        The class of each clip; ``""`` marks a clip the selection drops.
    """
    missing = [row for row, value in zip(rows, values) if is_missing(value)]
    if missing:
        raise ValueError(f"{source}: {len(missing)} clip(s) have no label in column "
                         f"{column!r} (empty or NaN): rows {_rows(missing)}")
    texts = [_label_text(value) for value in values]
    mapping = read_label_map(label_map)
    if mapping is not None:
        known = set(mapping) | set(mapping.values())
        unknown = sorted({text for text in texts if text not in known})
        if unknown:
            where = [row for row, text in zip(rows, texts) if text not in known]
            raise ValueError(f"{source}: label(s) {unknown} in column {column!r} are not in "
                             f"the label map (rows {_rows(where)}); the map knows "
                             f"{sorted(known)}")
        texts = [mapping.get(text, text) for text in texts]
    elif _looks_numeric(sorted(set(texts))):
        raise ValueError(
            f"{source}: the label column {column!r} holds only numbers "
            f"({', '.join(sorted(set(texts))[:6])}): give a label map naming each class "
            "(label_map / --label-map), or name dimensional rating columns as targets "
            "(targets / --targets)")
    if labels == "emotion4":
        texts = [_TO_EMOTION4.get(text.lower(), "") for text in texts]
        if not any(texts):
            raise ValueError(f"{source}: no label in column {column!r} names one of the "
                             f"four classes {EMOTION4} (e.g. 'angry', 'happy', 'neutral', "
                             "'sad'); use labels='all' or a label map")
    elif labels != "all":
        raise ValueError(f"labels must be 'all' or 'emotion4', got {labels!r}")
    if classes is not None:
        wanted = [str(name) for name in classes]
        absent = sorted(set(wanted) - set(texts))
        if absent:
            raise ValueError(f"{source}: class(es) {absent} asked for are not among the "
                             f"labels {sorted(set(texts) - {''})}")
        texts = [text if text in wanted else "" for text in texts]
    return np.asarray(texts, dtype=str)

