"""IEMOCAP: the Interactive Emotional Dyadic Motion Capture database."""

import re

import numpy as np

from ..utils import warn_at_caller
from ._avd import check_targets, with_targets
from ._base import AUDIO_SUFFIXES, check_labels, check_root, make_bunch, select_label

__all__ = ["load_iemocap"]

_LINE = re.compile(
    r"^\[(?P<start>[\d.]+) - (?P<end>[\d.]+)\]\t(?P<utterance>\S+)\t(?P<label>\w+)\t"
    r"\[(?P<valence>[\d.]+), (?P<arousal>[\d.]+), (?P<dominance>[\d.]+)\]"
)
_UTTERANCE = re.compile(r"^Ses(\d{2})[FM]_.+_([FM])\d+$")
_EMOTIONS = {
    "neu": "neutral",
    "hap": "happiness",
    "exc": "excitement",
    "sad": "sadness",
    "ang": "anger",
    "fru": "frustration",
    "fea": "fear",
    "sur": "surprise",
    "dis": "disgust",
    "oth": "other",
    "xxx": "no agreement",
}
_EMOTION4 = {"ang": "ang", "hap": "hap", "exc": "hap", "neu": "neu", "sad": "sad"}

_DESCR = """IEMOCAP (Busso et al., 2008): five sessions of dyadic conversation, each with
one female and one male actor. Labels from ``SessionN/dialog/EmoEvaluation/*.txt``; audio
``SessionN/sentences/wav/<dialog>/<utterance>.wav``. Groups are sessions
(``iemocap:Ses01``...); speakers are session + gender (``iemocap:Ses01F``). emotion4
merges excitement into happiness, as is customary. Valence, arousal and dominance are the
evaluators' mean ratings (1-5)."""


def _audio_path(session_dir, utterance):
    dialog = utterance.rsplit("_", 1)[0]
    folder = session_dir / "sentences" / "wav" / dialog
    for suffix in AUDIO_SUFFIXES:
        candidate = folder / f"{utterance}{suffix}"
        if candidate.is_file():
            return candidate
    return None


# An utterance's rating line starts with its time span; the evaluators' lines do not.
_RATING_START = re.compile(r"^\[[^\]]*-[^\]]*\]\t")


def _read_evaluation(path):
    """Each utterance's rating line; a malformed one is an error naming file and line."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            match = _LINE.match(line)
            if match is not None:
                yield match
            elif _RATING_START.match(line):
                raise ValueError(
                    f"malformed IEMOCAP rating line {number} of {path}: {line.strip()!r} "
                    "(expected '[start - end]<TAB>utterance<TAB>label<TAB>[valence, "
                    "arousal, dominance]')")


def load_iemocap(root, *, labels="emotion4", targets="emotion"):
    """Load the IEMOCAP utterances found below ``root``.

    Parameters
    ----------
    root : str or os.PathLike
        The ``IEMOCAP_full_release`` folder, holding ``Session1`` ... ``Session5``.
    labels : {"emotion4", "all"}, default="emotion4"
        ``"emotion4"`` keeps anger, happiness + excitement, neutral and sadness as
        ``ang``, ``hap``, ``neu``, ``sad``; ``"all"`` keeps every label under a readable
        name, ``"no agreement"`` (xxx) included.
    targets : {"emotion", "avd"}, default="emotion"
        ``"avd"`` makes ``target`` the evaluators' own dimensional ratings of each
        utterance (EmoEvaluation's ``[valence, arousal, dominance]`` on 1-5), as an array
        ``(n_clips, 3)`` of arousal, valence, dominance rescaled to [0, 1] by
        ``(rating - 1) / 4`` (clipped); the categories move to ``emotion``. The raw
        1-5 ratings stay in ``valence``, ``arousal``, ``dominance``.

    Returns
    -------
    data : Bunch
        ``filenames``, ``target``, ``target_names``, ``groups`` (session:
        ``iemocap:Ses01`` ... ``iemocap:Ses05``), ``speakers`` (``iemocap:Ses01F``...),
        ``gender``, ``corpus``, ``valence``, ``arousal``, ``dominance``, ``DESCR``, and
        ``frame`` when pandas is installed.

    Raises
    ------
    FileNotFoundError
        If ``root`` is missing, holds no ``SessionN/dialog/EmoEvaluation`` labels, or none
        of the labelled utterances has its audio file.
    ValueError
        If a labelled utterance id does not follow IEMOCAP naming (the message names the
        file and the id), or ``labels`` is unknown.

    Warns
    -----
    UserWarning
        When some labelled utterances have no audio file; they are skipped.
    """
    check_labels(labels)
    check_targets(targets)
    root = check_root(root, "IEMOCAP")
    sessions = sorted(p for p in root.glob("Session[1-5]") if p.is_dir())
    evaluations = [
        (session, path)
        for session in sessions
        for path in sorted((session / "dialog" / "EmoEvaluation").glob("*.txt"))
    ]
    if not evaluations:
        raise FileNotFoundError(
            f"no IEMOCAP labels found under {root}: expected "
            "SessionN/dialog/EmoEvaluation/<dialog>.txt"
        )
    records, missing = [], []
    for session_dir, evaluation in evaluations:
        for match in _read_evaluation(evaluation):
            utterance, label = match["utterance"], match["label"]
            name = _UTTERANCE.match(utterance)
            if name is None or label not in _EMOTIONS:
                raise ValueError(
                    f"unexpected IEMOCAP entry {utterance!r} with label {label!r} in "
                    f"{evaluation} (expected ids like Ses01F_impro01_F000)"
                )
            target = select_label(label, labels, _EMOTION4, _EMOTIONS)
            if target is None:
                continue
            path = _audio_path(session_dir, utterance)
            if path is None:
                missing.append(utterance)
                continue
            session, gender = int(name.group(1)), name.group(2)
            records.append(
                {
                    "filename": str(path),
                    "target": target,
                    "group": f"Ses{session:02d}",
                    "speaker": f"Ses{session:02d}{gender}",
                    "gender": gender,
                    "valence": float(match["valence"]),
                    "arousal": float(match["arousal"]),
                    "dominance": float(match["dominance"]),
                }
            )
    if missing and not records:
        raise FileNotFoundError(
            f"none of the {len(missing)} labelled IEMOCAP utterances under {root} has an "
            f"audio file (first: {missing[0]}); expected SessionN/sentences/wav/<dialog>/"
            "<utterance>.wav"
        )
    if missing:
        warn_at_caller(
            f"{len(missing)} labelled IEMOCAP utterances have no audio file and are skipped "
            f"(first: {missing[0]})",
            UserWarning,
        )
    bunch = make_bunch(
        records,
        corpus="iemocap",
        description=_DESCR,
        extra_columns=("valence", "arousal", "dominance"),
    )
    ratings = np.column_stack([bunch.arousal, bunch.valence, bunch.dominance])
    return with_targets(bunch, targets, ratings=np.clip((ratings - 1) / 4, 0, 1))
