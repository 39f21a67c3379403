"""Arousal, valence, dominance for emotion categories: category-derived proxy targets.

No corpus shared with skser carries dimensional ratings, so ``targets="avd"`` turns each
clip's category into the arousal, valence and dominance of the emotion word, from the NRC
VAD Lexicon (Mohammad, 2018). These are **proxies derived from the category**: every clip of
one category (and intensity) gets the same three values, so they measure how well a model
places categories on the three axes, not how well it follows a rater's judgement of one
clip. Corpora rated dimensionally (IEMOCAP's EmoEvaluation files) load their own ratings.
"""

import numpy as np

__all__ = ["AVD", "EMOTION_AVD", "EMOTION_WORDS", "emotion_to_avd"]

AVD = ("arousal", "valence", "dominance")
"""The emotion dimensions, in skser's column order everywhere."""

# NRC VAD Lexicon v1 (the 20,000-word release of July 2018), entries of the listed words
# (the lexicon's columns are valence, arousal, dominance; here reordered to A, V, D).
_NRC_VAD = {
    # word: (valence, arousal, dominance)
    "anger": (0.167, 0.865, 0.657),
    "boredom": (0.167, 0.139, 0.255),
    "calm": (0.875, 0.100, 0.282),
    "disgust": (0.052, 0.775, 0.317),
    "excitement": (0.896, 0.684, 0.731),
    "fear": (0.073, 0.840, 0.293),
    "frustration": (0.060, 0.730, 0.280),
    "happiness": (0.960, 0.732, 0.850),
    "neutral": (0.469, 0.184, 0.357),
    "sadness": (0.052, 0.288, 0.164),
    "surprise": (0.875, 0.875, 0.562),
}

EMOTION_WORDS = {
    "ang": "anger",
    "hap": "happiness",
    "neu": "neutral",
    "sad": "sadness",
    "exc": "excitement",
    "fru": "frustration",
    "fea": "fear",
    "sur": "surprise",
    "dis": "disgust",
    **{word: word for word in _NRC_VAD},
}
"""dict: each category name skser's loaders use -> the lexicon word its values come from."""

EMOTION_AVD = {
    word: (arousal, valence, dominance)
    for word, (valence, arousal, dominance) in _NRC_VAD.items()
}
"""dict: lexicon word -> (arousal, valence, dominance) in [0, 1], from the NRC VAD Lexicon."""

STRONG_AROUSAL = 0.1
"""How much a ``"strong"`` intensity raises arousal (capped at 1)."""

_INTENSITIES = ("normal", "strong")


def emotion_to_avd(labels, intensity=None):
    """Arousal, valence and dominance of emotion categories (category-derived proxies).

    Read more in the :ref:`User Guide <dimensional>`.

    Each category takes the ratings of its emotion word in the NRC VAD Lexicon:

        Saif M. Mohammad (2018). Obtaining Reliable Human Ratings of Valence, Arousal,
        and Dominance for 20,000 English Words. Proceedings of the 56th Annual Meeting
        of the Association for Computational Linguistics (ACL), pages 174-184,
        Melbourne, Australia. https://saifmohammad.com/WebPages/nrc-vad.html

    The lexicon's scores are best-worst-scaling ratings in [0, 1]. The words used
    (:data:`EMOTION_WORDS`), with their (arousal, valence, dominance):

    ===========================================  ===========  =====  =====  =====
    categories                                   word         A      V      D
    ===========================================  ===========  =====  =====  =====
    ``ang``, ``anger``                           anger        0.865  0.167  0.657
    ``hap``, ``happiness``                       happiness    0.732  0.960  0.850
    ``neu``, ``neutral``                         neutral      0.184  0.469  0.357
    ``sad``, ``sadness``                         sadness      0.288  0.052  0.164
    ``calm``                                     calm         0.100  0.875  0.282
    ``fea``, ``fear``                            fear         0.840  0.073  0.293
    ``dis``, ``disgust``                         disgust      0.775  0.052  0.317
    ``sur``, ``surprise``                        surprise     0.875  0.875  0.562
    ``boredom``                                  boredom      0.139  0.167  0.255
    ``exc``, ``excitement``                      excitement   0.684  0.896  0.731
    ``fru``, ``frustration``                     frustration  0.730  0.060  0.280
    ===========================================  ===========  =====  =====  =====

    A ``"strong"`` intensity (RAVDESS's emotional intensity 02) raises arousal by
    :data:`STRONG_AROUSAL` (0.1, capped at 1); valence and dominance stay. These values
    are proxies: every clip of a category gets the same point, whatever the speaker
    actually conveyed.

    Parameters
    ----------
    labels : array-like of str [shape=(n_clips,)]
        Category names: the four-class codes (``ang``, ``hap``, ``neu``, ``sad``), the
        loaders' readable names (``anger``, ``calm``, ``boredom``, ...) or IEMOCAP's
        codes (``exc``, ``fru``, ``fea``, ``sur``, ``dis``).
    intensity : None, str or array-like of str [shape=(n_clips,)], default=None
        ``"normal"`` or ``"strong"``, one for all clips or one per clip; None is normal.

    Returns
    -------
    avd : np.ndarray [shape=(n_clips, 3), dtype=float64]
        Columns arousal, valence, dominance, in [0, 1].

    Raises
    ------
    ValueError
        For a category without a lexicon word (e.g. IEMOCAP's ``other``), naming it, or an
        unknown or mis-sized ``intensity``.

    Examples
    --------
    >>> emotion_to_avd(["ang", "sad"]).tolist()
    [[0.865, 0.167, 0.657], [0.288, 0.052, 0.164]]
    >>> emotion_to_avd(["anger", "anger"], intensity=["normal", "strong"])[:, 0].round(3)
    array([0.865, 0.965])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, one category per clip, got shape {labels.shape}")
    unknown = sorted({str(label) for label in labels} - set(EMOTION_WORDS))
    if unknown:
        raise ValueError(
            f"no arousal/valence/dominance for categories {unknown}: emotion_to_avd knows "
            f"{sorted(EMOTION_WORDS)}"
        )
    avd = np.array([EMOTION_AVD[EMOTION_WORDS[str(label)]] for label in labels],
                   dtype=np.float64).reshape(len(labels), 3)
    if intensity is None:
        return avd
    intensity = np.asarray(intensity)
    if intensity.ndim == 0:
        intensity = np.full(len(labels), intensity)
    if intensity.shape != labels.shape:
        raise ValueError(
            f"intensity must be one string or one per label ({len(labels)}), got shape "
            f"{intensity.shape}"
        )
    bad = sorted({str(value) for value in intensity} - set(_INTENSITIES))
    if bad:
        raise ValueError(f"intensity must be one of {_INTENSITIES}, got {bad}")
    strong = intensity == "strong"
    avd[strong, 0] = np.minimum(avd[strong, 0] + STRONG_AROUSAL, 1.0)
    return avd


TARGETS = ("emotion", "avd")


def check_targets(targets):
    if targets not in TARGETS:
        raise ValueError(f"targets must be one of {TARGETS}, got {targets!r}")


def with_targets(bunch, targets, *, intensity=None, ratings=None):
    """The loaders' Bunch with ``target`` turned into A/V/D when ``targets="avd"``.

    The categories move to ``emotion``; ``target`` becomes ``(n_clips, 3)`` (arousal,
    valence, dominance), from ``ratings`` when the corpus has them, else
    :func:`emotion_to_avd` of the categories (and ``intensity``); ``target_names`` becomes
    :data:`AVD`; ``frame`` gets an ``emotion`` column and ``target_arousal``,
    ``target_valence``, ``target_dominance`` instead of ``target``.
    """
    if targets == "emotion":
        return bunch
    emotion = bunch.target
    avd = emotion_to_avd(emotion, intensity) if ratings is None else ratings
    bunch.emotion = emotion
    bunch.target = np.asarray(avd, dtype=np.float64)
    bunch.target_names = np.asarray(AVD)
    frame = bunch.get("frame")
    if frame is not None:
        frame = frame.rename(columns={"target": "emotion"})
        for index, name in enumerate(AVD):
            frame[f"target_{name}"] = bunch.target[:, index]
        bunch.frame = frame
    return bunch
