"""Which statistics standardise each clip's embedding: the rule of speaker adaptation.

One rule for :class:`skser.preprocessing.SpeakerNormalizer` and for
:class:`skser.export.OnnxPipeline`, so both give the same numbers. Torch-free.
"""

import warnings

import numpy as np

from ..exceptions import SpeakerAdaptationWarning

__all__ = [
    "SpeakerAdaptationWarning",
    "check_speakers",
    "has_spread",
    "row_statistics",
    "safe_scale",
]


def safe_scale(std):
    """``std`` with near-zero entries set to 1 (a constant feature stays centred, not NaN)."""
    std = np.asarray(std, dtype=np.float64)
    return np.where(std > 1e-12, std, 1.0)


def check_speakers(speakers, n_clips):
    """The speaker ids as a 1-D array of strings, one per clip (ids compare as strings)."""
    speakers = np.asarray(speakers, dtype=object)
    if speakers.ndim != 1 or speakers.shape[0] != n_clips:
        raise ValueError(
            f"speakers must hold one id per clip: got shape {speakers.shape} for {n_clips} clips"
        )
    missing = [i for i, s in enumerate(speakers.tolist()) if s is None or s != s]
    if missing:
        raise ValueError(f"speakers has no id for clips {missing[:5]}")
    return speakers.astype(str)


def _routing_hint(owner):
    lead = (
        f"{owner} got no speakers: every clip is standardised by the global statistics of "
        "the training clips (as StandardScaler does), not by its speaker's. "
    )
    if owner == "OnnxPipeline":
        return lead + "Pass predict(X, speakers=...) or speaker_stats=... (enrolled)"
    return lead + (
        "Pass speakers "
        "through metadata routing (sklearn.set_config(enable_metadata_routing=True); "
        "SpeakerNormalizer().set_fit_request(speakers=True).set_transform_request("
        "speakers=True); pipeline.fit(X, y, speakers=...), pipeline.predict(X, speakers=...)"
        "), or speaker_stats=... for an enrolled speaker"
    )


def row_statistics(E, speakers=None, speaker_stats=None, *, fitted=None, mean, scale,
                   min_clips, owner="SpeakerNormalizer"):
    """The mean and scale that standardise each row of ``E``, and where they came from.

    For each speaker of the batch, the first that applies:

    1. ``speaker_stats[speaker]``: an enrolled speaker (``speaker_stats`` may also be one
       ``SpeakerStats``, for every clip);
    2. the batch's own clips of that speaker, when there are at least ``min_clips``
       (transductive: unlabeled clips of the speaker being predicted);
    3. ``fitted[speaker]``: a speaker seen in training;
    4. the global ``mean`` and ``scale``, with a :class:`SpeakerAdaptationWarning`.

    Without ``speakers`` (and without a single ``SpeakerStats``) every row takes 4.

    Returns
    -------
    means, scales : np.ndarray [shape=(n_rows, n_features), dtype=float64]
    sources : dict
        ``{speaker: "enrolled" | "own clips" | "training" | "global"}``.
    """
    E = np.asarray(E, dtype=np.float64)
    n_rows = E.shape[0]
    means = np.broadcast_to(np.asarray(mean, dtype=np.float64), E.shape).copy()
    scales = np.broadcast_to(safe_scale(scale), E.shape).copy()
    if speaker_stats is not None and hasattr(speaker_stats, "mean"):
        _check_width(speaker_stats, E.shape[1], "speaker_stats")
        _check_count(speaker_stats, min_clips, "speaker_stats")
        means[:], scales[:] = speaker_stats.mean, safe_scale(speaker_stats.std)
        return means, scales, {"*": "enrolled"}
    if speakers is None:
        if n_rows:
            warnings.warn(_routing_hint(owner), SpeakerAdaptationWarning, stacklevel=3)
        return means, scales, {}
    speakers = check_speakers(speakers, n_rows)
    enrolled = {str(k): v for k, v in (speaker_stats or {}).items()}
    fitted = fitted or {}
    sources, fallback = {}, []
    for speaker in dict.fromkeys(speakers.tolist()):
        rows = speakers == speaker
        if speaker in enrolled:
            stats = enrolled[speaker]
            _check_width(stats, E.shape[1], f"speaker_stats[{speaker!r}]")
            _check_count(stats, min_clips, f"speaker_stats[{speaker!r}]")
            mu, sigma, source = stats.mean, stats.std, "enrolled"
        elif rows.sum() >= min_clips and has_spread(E[rows].std(axis=0)):
            mu, sigma, source = E[rows].mean(axis=0), E[rows].std(axis=0), "own clips"
        elif speaker in fitted:
            mu, sigma, source = fitted[speaker].mean, fitted[speaker].std, "training"
        else:
            fallback.append(f"{speaker!r} ({int(rows.sum())} clip(s))")
            sources[speaker] = "global"
            continue
        means[rows], scales[rows] = mu, safe_scale(sigma)
        sources[speaker] = source
    if fallback:
        warnings.warn(
            f"{owner}: speakers {', '.join(fallback[:5])}"
            f"{' and more' if len(fallback) > 5 else ''} have fewer than min_clips="
            f"{min_clips} different clips here (copies of one clip have no spread) and no "
            "enrolled or training statistics: their clips are standardised by the global "
            "statistics",
            SpeakerAdaptationWarning,
            stacklevel=3,
        )
    return means, scales, sources


def _check_width(stats, n_features, name):
    if stats.mean.shape[0] != n_features:
        raise ValueError(
            f"{name} has statistics of {stats.mean.shape[0]} features; the embeddings have "
            f"{n_features} (enrolled with another model?)"
        )


def _check_count(stats, min_clips, name):
    """Refuse statistics of fewer clips than a speaker's own clips would need.

    One clip has no spread (every feature would be divided by 1 in raw units) and two or
    three have so little that standardised rows saturate the head.
    """
    if stats.count < min_clips:
        raise ValueError(
            f"{name} holds the statistics of {stats.count} clip(s); standardising by a "
            f"speaker's statistics needs at least min_clips={min_clips}: enroll more of "
            "their clips"
        )
    if not has_spread(stats.std):
        raise ValueError(
            f"{name} holds the statistics of {stats.count} clips with no spread in any "
            "feature (copies of one recording?): they cannot standardise; enroll "
            "different clips of the speaker"
        )


def has_spread(std):
    """Whether statistics vary in at least one feature (copies of one clip do not).

    Examples
    --------
    >>> has_spread(np.zeros(3)), has_spread(np.array([0.0, 0.5]))
    (False, True)
    """
    return bool(np.any(np.asarray(std, dtype=np.float64) > 1e-12))
