"""CREMA-D: the Crowd-sourced Emotional Multimodal Actors Dataset."""

import csv
import re

from ._avd import check_targets, with_targets
from ._base import check_labels, check_root, make_bunch, named_files, select_label

__all__ = ["load_crema_d"]

_NAME = re.compile(r"^(\d{4})_([A-Z]{3})_(ANG|DIS|FEA|HAP|NEU|SAD)_(LO|MD|HI|XX|X)$")
_EMOTIONS = {
    "ANG": "anger",
    "DIS": "disgust",
    "FEA": "fear",
    "HAP": "happiness",
    "NEU": "neutral",
    "SAD": "sadness",
}
_EMOTION4 = {"ANG": "ang", "HAP": "hap", "NEU": "neu", "SAD": "sad"}
_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified", "X": "unspecified"}

_DESCR = """CREMA-D (Cao et al., 2014): 91 actors, 12 sentences, six emotions. Names
``1001_DFA_ANG_XX`` (actor, sentence, emotion, level). Groups are actors
(``crema-d:1001``). Gender comes from
``VideoDemographics.csv`` when it is found below the root, else it is ``"unknown"``.
License: Open Database License."""


def _read_demographics(root):
    for path in sorted(root.rglob("VideoDemographics.csv")):
        with open(path, newline="") as handle:
            return {
                row["ActorID"].strip(): row["Sex"].strip()[:1].upper()
                for row in csv.DictReader(handle)
            }
    return {}


def load_crema_d(root, *, labels="emotion4", targets="emotion"):
    """Load the CREMA-D files found below ``root``.

    Parameters
    ----------
    root : str or os.PathLike
        A folder holding ``AudioWAV/1001_DFA_ANG_XX.wav`` (or .flac, in any subfolder),
        and optionally ``VideoDemographics.csv`` for the actors' gender.
    labels : {"emotion4", "all"}, default="emotion4"
        ``"emotion4"`` keeps ANG, HAP, NEU, SAD as ``ang``, ``hap``, ``neu``, ``sad``;
        ``"all"`` keeps the six emotions under readable names.
    targets : {"emotion", "avd"}, default="emotion"
        ``"avd"`` makes ``target`` an array ``(n_clips, 3)`` of arousal, valence and
        dominance in [0, 1]: category-derived proxies from the NRC VAD Lexicon
        (:func:`skser.datasets.emotion_to_avd`; CREMA-D's levels are not used); the
        categories move to ``emotion``.

    Returns
    -------
    data : Bunch
        ``filenames``, ``target``, ``target_names``, ``groups`` (actor, qualified by the
        corpus: ``crema-d:1001``), ``speakers`` (the same),
        ``gender`` (``"F"``, ``"M"`` or ``"unknown"``), ``corpus``, ``level``,
        ``sentence``, ``DESCR``, and ``frame`` when pandas is installed.

    Raises
    ------
    FileNotFoundError
        If ``root`` is missing or holds no CREMA-D audio.
    ValueError
        If an audio file below ``root`` does not follow CREMA-D naming (the message
        names it), or ``labels`` is unknown.
    """
    check_labels(labels)
    check_targets(targets)
    gender = _read_demographics(check_root(root, "CREMA-D"))
    records = []
    files = named_files(
        root, corpus="CREMA-D", example="AudioWAV/1001_DFA_ANG_XX.wav", pattern=_NAME,
        expected="AAAA_SSS_EEE_LL.wav such as 1001_DFA_ANG_XX.wav, emotion "
        "ANG/DIS/FEA/HAP/NEU/SAD",
    )
    for path, match in files:
        actor, sentence, emotion, level = match.groups()
        target = select_label(emotion, labels, _EMOTION4, _EMOTIONS)
        if target is None:
            continue
        records.append(
            {
                "filename": str(path),
                "target": target,
                "group": actor,
                "speaker": actor,
                "gender": gender.get(actor, "unknown"),
                "level": _LEVELS[level],
                "sentence": sentence,
            }
        )
    bunch = make_bunch(
        records, corpus="crema-d", description=_DESCR, extra_columns=("level", "sentence")
    )
    return with_targets(bunch, targets)
