"""EmoDB: the Berlin Database of Emotional Speech."""

import re

from ._avd import check_targets, with_targets
from ._base import check_labels, make_bunch, named_files, select_label

__all__ = ["load_emodb"]

_NAME = re.compile(r"^(\d{2})([ab]\d{2})([WLEAFTN])([a-z])$")
_EMOTIONS = {
    "W": "anger",
    "L": "boredom",
    "E": "disgust",
    "A": "fear",
    "F": "happiness",
    "T": "sadness",
    "N": "neutral",
}
_EMOTION4 = {"W": "ang", "F": "hap", "N": "neu", "T": "sad"}
_MALE_SPEAKERS = {"03", "10", "11", "12", "15"}

_DESCR = """EmoDB (Burkhardt et al., 2005): ten German actors, ten sentences, seven
emotions. Names ``03a01Fa`` (speaker, text, emotion letter, version). Groups are speakers
(``emodb:03``).
Free for research use."""


def load_emodb(root, *, labels="emotion4", targets="emotion"):
    """Load the EmoDB files found below ``root``.

    Parameters
    ----------
    root : str or os.PathLike
        A folder holding EmoDB's ``wav/03a01Fa.wav`` files (or the same names as .flac,
        in any subfolder).
    labels : {"emotion4", "all"}, default="emotion4"
        ``"emotion4"`` keeps anger (W), happiness (F), neutral (N) and sadness (T) as
        ``ang``, ``hap``, ``neu``, ``sad``; ``"all"`` keeps the seven emotions under
        readable names (``anger``, ``boredom``, ``disgust``, ...).
    targets : {"emotion", "avd"}, default="emotion"
        ``"avd"`` makes ``target`` an array ``(n_clips, 3)`` of arousal, valence and
        dominance in [0, 1]: category-derived proxies from the NRC VAD Lexicon
        (:func:`skser.datasets.emotion_to_avd`); the categories move to
        ``emotion``.

    Returns
    -------
    data : Bunch
        ``filenames``, ``target``, ``target_names``, ``groups`` (speaker, qualified by the
        corpus: ``emodb:03``), ``speakers`` (the same),
        ``gender``, ``corpus``, ``text``, ``DESCR``, and ``frame`` when pandas is installed.

    Raises
    ------
    FileNotFoundError
        If ``root`` is missing or holds no EmoDB audio.
    ValueError
        If an audio file below ``root`` does not follow EmoDB naming (the message names
        it), or ``labels`` is unknown.

    Examples
    --------
    >>> import os, pytest
    >>> root = "../shared/data/emodb"
    >>> if not os.path.isdir(root):
    ...     pytest.skip("shared EmoDB is absent")
    >>> data = load_emodb(root)
    >>> len(data.filenames), len(set(data.groups))
    (339, 10)
    """
    check_labels(labels)
    check_targets(targets)
    records = []
    files = named_files(
        root, corpus="EmoDB", example="wav/03a01Fa.wav", pattern=_NAME,
        expected="SSTTTEV.wav such as 03a01Fa.wav: speaker, text, emotion letter "
        "W/L/E/A/F/T/N, version",
    )
    for path, match in files:
        speaker, text, emotion, _ = match.groups()
        target = select_label(emotion, labels, _EMOTION4, _EMOTIONS)
        if target is None:
            continue
        records.append(
            {
                "filename": str(path),
                "target": target,
                "group": speaker,
                "speaker": speaker,
                "gender": "M" if speaker in _MALE_SPEAKERS else "F",
                "text": text,
            }
        )
    bunch = make_bunch(records, corpus="emodb", description=_DESCR, extra_columns=("text",))
    return with_targets(bunch, targets)
