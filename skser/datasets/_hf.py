"""from_hf_dataset: a Hugging Face ``datasets.Dataset`` with an audio column, as skser's Bunch."""

import io
import os

import numpy as np
import soxr
from sklearn.utils import Bunch

from ..io import SAMPLE_RATE, as_batch, load_audio
from ._manifest import _ids, _targets, _warn_thin_speakers, set_targets
from ._user_files import warn_long
from ._user_labels import resolve_labels

__all__ = ["from_hf_dataset"]


def _label_values(dataset, column):
    """The label column, class indices turned into names where it is a ``ClassLabel``."""
    values = dataset[column]
    names = getattr(dataset.features.get(column), "names", None)
    if names is not None:
        values = [None if value is None or value < 0 else names[value] for value in values]
    return list(values)


def _undecoded(dataset, column):
    """The audio column without decoding (``datasets`` >= 4 decodes through torchcodec)."""
    feature = dataset.features[column]
    if type(feature).__name__ == "Audio" and getattr(feature, "decode", False):
        from datasets import Audio

        return dataset.cast_column(column, Audio(decode=False))
    return dataset


def _decode(item, *, row, source):
    """One clip as 16 kHz mono float32, from a decoded or an undecoded audio cell."""
    where = f"{source}, row {row}"
    if not isinstance(item, dict):
        raise ValueError(f"{where}: the audio cell is a {type(item).__name__}, not an "
                         "audio record (array and sampling_rate, or bytes or path)")
    if item.get("array") is not None:
        rate = item.get("sampling_rate")
        if not rate or rate <= 0:
            raise ValueError(f"{where}: decoded audio without a sampling_rate")
        samples = np.asarray(item["array"], dtype=np.float32)
        if samples.ndim == 2:  # (channels, samples), as datasets decodes multi-channel
            samples = samples.mean(axis=0)
        if samples.ndim != 1 or samples.size == 0 or not np.isfinite(samples).all():
            raise ValueError(f"{where}: the audio array is empty, not one channel, or holds "
                             "NaN or inf")
        if rate != SAMPLE_RATE:
            samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ")
        return np.ascontiguousarray(samples, dtype=np.float32)
    if item.get("bytes"):
        data = io.BytesIO(item["bytes"])
        data.name = f"{where} ({item.get('path') or 'bytes'})"
        return load_audio(data)
    if item.get("path"):
        return load_audio(item["path"])
    raise ValueError(f"{where}: the audio cell has no array, bytes or path")


def from_hf_dataset(dataset, *, audio_column="audio", label_column="label",
                    speaker_column=None, session_column=None, targets=None, label_map=None,
                    labels="all", classes=None, corpus="hf"):
    """A Hugging Face ``datasets.Dataset`` with an audio column, as skser's Bunch.

    Read more in the :ref:`User Guide <your_data>`. Nothing is downloaded: pass a dataset
    you loaded or built (``datasets`` is an optional package).

    Parameters
    ----------
    dataset : datasets.Dataset
        One row per clip. The audio column is an ``Audio`` feature (decoded or not: it is
        read without decoding, so torchcodec is not needed) or records of ``array`` and
        ``sampling_rate``. A ``ClassLabel`` label column gives its class names.
    audio_column : str, default="audio"
        The audio column.
    label_column, speaker_column, session_column, targets, label_map, labels, classes
        As in :func:`skser.datasets.load_manifest`.
    corpus : str, default="hf"
        The corpus's name in ``corpus`` and in the clips' names.

    Returns
    -------
    data : Bunch
        As :func:`~skser.datasets.load_manifest`'s, and ``data``: the clips as one
        zero-padded 16 kHz batch ``(n_clips, n_samples)`` (the waveform convention).
        ``filenames`` hold each clip's path where the dataset records one, else
        ``corpus:row``.

    Examples
    --------
    >>> import numpy as np, pytest
    >>> datasets = pytest.importorskip("datasets")
    >>> ds = datasets.Dataset.from_dict({
    ...     "audio": [{"array": np.full(8000, 0.1), "sampling_rate": 8000}] * 2,
    ...     "label": ["happy", "sad"], "speaker": ["a", "b"]})
    >>> data = from_hf_dataset(ds, labels="emotion4")
    >>> data.data.shape, data.target.tolist(), data.speakers.tolist()
    ((2, 16000), ['hap', 'sad'], ['a', 'b'])
    """
    source = f"dataset {corpus!r}"
    columns = list(dataset.column_names)
    for role, name in (("audio", audio_column), ("label", label_column if targets is None
                                                  else None)):
        if name is not None and name not in columns:
            raise ValueError(f"{source}: no {role} column {name!r}; the columns found are "
                             f"{columns}")
    row_ids = list(range(1, len(dataset) + 1))
    if not row_ids:
        raise ValueError(f"{source} has no rows")
    emotion = None
    if label_column in columns:
        emotion = resolve_labels(_label_values(dataset, label_column), source=source,
                                 column=label_column, rows=row_ids, label_map=label_map,
                                 labels=labels, classes=classes)
    dimensions = None
    if targets is not None:
        names = [str(t) for t in targets]
        dimensions = _targets(dataset.select_columns(names).to_list(), columns, names,
                              source=source, row_ids=row_ids)
    speakers = sessions = None
    for name, auto in ((speaker_column, "speaker"), (session_column, "session")):
        column = name or auto
        if name is not None and column not in columns:
            raise ValueError(f"{source}: no column {column!r}; the columns found are "
                             f"{columns}")
        if column in columns:
            ids = _ids(dataset[column], source=source, column=column, rows=row_ids)
            speakers, sessions = (ids, sessions) if auto == "speaker" else (speakers, ids)
    keep = np.ones(len(row_ids), dtype=bool) if emotion is None else emotion != ""
    chosen = np.flatnonzero(keep)
    if not chosen.size:
        raise ValueError(f"{source}: no clips are left after selecting the labels")
    audio = _undecoded(dataset, audio_column).select(chosen.tolist())[audio_column]
    clips = [_decode(item, row=int(i) + 1, source=source) for i, item in zip(chosen, audio)]
    names = [item.get("path") if isinstance(item, dict) and item.get("path") else
             f"{corpus}:{int(i) + 1}" for i, item in zip(chosen, audio)]
    bunch = Bunch(
        data=as_batch(clips),
        filenames=np.asarray([os.fspath(name) for name in names], dtype=str),
        speakers=None if speakers is None else speakers[chosen],
        groups=None,
        duration=np.asarray([clip.size / SAMPLE_RATE for clip in clips]),
        corpus=np.full(chosen.size, corpus),
        DESCR=f"A Hugging Face dataset ({corpus}): {chosen.size} clips.",
    )
    bunch.groups = sessions[chosen] if sessions is not None else bunch.speakers
    set_targets(bunch, chosen, emotion=emotion, dimensions=dimensions, target_names=targets)
    _warn_thin_speakers(bunch.speakers, source=source)
    warn_long(bunch.filenames, bunch.duration, source=source)
    return bunch
