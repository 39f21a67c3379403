"""RAVDESS: the Ryerson Audio-Visual Database of Emotional Speech and Song."""

import re

from ._avd import check_targets, with_targets
from ._base import check_labels, make_bunch, named_files, select_label

__all__ = ["load_ravdess"]

_NAME = re.compile(r"^(\d{2})-(\d{2})-(0[1-8])-(\d{2})-(\d{2})-(\d{2})-(\d{2})$")
_EMOTIONS = {
    "01": "neutral",
    "02": "calm",
    "03": "happiness",
    "04": "sadness",
    "05": "anger",
    "06": "fear",
    "07": "disgust",
    "08": "surprise",
}
_EMOTION4 = {"01": "neu", "03": "hap", "04": "sad", "05": "ang"}
_INTENSITY = {"01": "normal", "02": "strong"}

_DESCR = """RAVDESS speech (Livingstone & Russo, 2018), audio-only speech files.

Names ``03-01-EE-II-SS-RR-AA`` (modality, vocal channel, emotion, intensity, statement,
repetition, actor). Groups are actors (``ravdess:01``); odd actors are male, even female.
Song files (vocal channel 02) and video files are not loaded. License: CC BY-NC-SA 4.0."""


def load_ravdess(root, *, labels="emotion4", targets="emotion"):
    """Load the RAVDESS speech files found below ``root``.

    Parameters
    ----------
    root : str or os.PathLike
        A folder holding the official ``Actor_XX/03-01-EE-II-SS-RR-AA.wav`` layout (or the
        same names as .flac, in any subfolders).
    labels : {"emotion4", "all"}, default="emotion4"
        ``"emotion4"`` keeps anger, happiness, neutral and sadness as ``ang``, ``hap``,
        ``neu``, ``sad`` and drops the rest; ``"all"`` keeps all eight emotions under
        readable names (``neutral``, ``calm``, ``happiness``, ...).
    targets : {"emotion", "avd"}, default="emotion"
        ``"avd"`` makes ``target`` an array ``(n_clips, 3)`` of arousal, valence and
        dominance in [0, 1]: category-derived proxies from the NRC VAD Lexicon
        (:func:`skser.datasets.emotion_to_avd`; "strong" intensity raises arousal); the
        categories move to ``emotion``.

    Returns
    -------
    data : Bunch
        ``filenames``, ``target``, ``target_names``, ``groups`` (actor, qualified by the
        corpus: ``ravdess:01``), ``speakers`` (the same), ``gender`` (``"F"``/``"M"``),
        ``corpus``, ``intensity``, ``statement``, ``DESCR``, and ``frame`` (a DataFrame)
        when pandas is installed.

    Raises
    ------
    FileNotFoundError
        If ``root`` is missing or holds no RAVDESS audio.
    ValueError
        If an audio file below ``root`` does not follow RAVDESS naming (the message
        names it), or ``labels`` is unknown.

    Examples
    --------
    >>> import os, pytest
    >>> root = "../shared/data/ravdess"
    >>> if not os.path.isdir(root):
    ...     pytest.skip("shared RAVDESS is absent")
    >>> data = load_ravdess(root)
    >>> len(data.filenames), data.target_names.tolist()
    (336, ['ang', 'hap', 'neu', 'sad'])
    >>> str(data.speakers[0]), len(set(data.speakers))
    ('ravdess:01', 12)
    """
    check_labels(labels)
    check_targets(targets)
    records = []
    files = named_files(
        root, corpus="RAVDESS", example="Actor_01/03-01-05-01-01-01-01.wav", pattern=_NAME,
        expected="MM-VV-EE-II-SS-RR-AA.wav with emotion EE in 01-08",
    )
    for path, match in files:
        modality, channel, emotion, intensity, statement, _, actor = match.groups()
        if modality != "03" or channel != "01":
            continue
        target = select_label(emotion, labels, _EMOTION4, _EMOTIONS)
        if target is None:
            continue
        records.append(
            {
                "filename": str(path),
                "target": target,
                "group": actor,
                "speaker": actor,
                "gender": "M" if int(actor) % 2 else "F",
                "intensity": _INTENSITY.get(intensity, intensity),
                "statement": statement,
            }
        )
    bunch = make_bunch(
        records, corpus="ravdess", description=_DESCR, extra_columns=("intensity", "statement")
    )
    return with_targets(bunch, targets, intensity=bunch.intensity)
