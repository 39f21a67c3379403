"""The audio files a user's manifest or folder names: checked all at once, before any work."""

import hashlib
import os
import warnings
from collections import defaultdict

import numpy as np

from ..io import announced_frames

LONG_CLIP_SECONDS = 30.0
"""Clips longer than this are recordings to analyze, not clips to classify: a warning says so."""


def _rows(items, limit=5):
    shown = "; ".join(str(item) for item in items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def _probe(path):
    """``(duration in seconds, None)`` for a readable audio file, else ``(nan, reason)``."""
    import soundfile as sf

    if not os.path.exists(path):
        return float("nan"), "not found"
    if os.path.isdir(path):
        return float("nan"), "a folder, not an audio file"
    try:
        info = sf.info(path)
    except Exception as exc:  # soundfile raises its own errors and RuntimeError
        return float("nan"), f"unreadable ({' '.join(str(exc).split())[:120]})"
    if info.frames <= 0 or info.samplerate <= 0:
        return float("nan"), "holds no audio (0 samples)"
    announced = announced_frames(path)  # libsndfile counts a cut WAV's frames present only
    if announced is not None and info.frames < announced:
        return float("nan"), (f"cut short (its header announces {announced} frames, it "
                              f"holds {info.frames})")
    return info.frames / info.samplerate, None


def check_audio_files(paths, *, source, rows, skip_unreadable=False):
    """Check every file at once; return ``(kept mask, durations in seconds)``.

    Parameters
    ----------
    paths : list of str
        Absolute paths, one per clip.
    source : str
        The manifest or folder, for messages.
    rows : list
        How each clip is named in messages (a row number).
    skip_unreadable : bool, default=False
        Drop missing and unreadable files with a warning that counts them, instead of
        raising an error that lists them all.

    Raises
    ------
    ValueError
        For the same path on two rows and (unless ``skip_unreadable``) missing or
        unreadable files: each lists them all.
    """
    seen = defaultdict(list)
    for row, path in zip(rows, paths):
        seen[os.path.normcase(os.path.realpath(path))].append(row)
    repeated = [f"{path} (rows {', '.join(map(str, where))})"
                for path, where in seen.items() if len(where) > 1]
    if repeated:
        raise ValueError(f"{source}: {len(repeated)} file(s) are listed more than once: "
                         f"{_rows(repeated)}")
    probes = [_probe(path) for path in paths]
    durations = np.asarray([duration for duration, _ in probes])
    bad = [f"row {row}: {path}: {reason}"
           for row, path, (_, reason) in zip(rows, paths, probes) if reason]
    kept = np.asarray([reason is None for _, reason in probes], dtype=bool)
    if bad and not skip_unreadable:
        raise ValueError(f"{source}: {len(bad)} of {len(paths)} audio file(s) cannot be read "
                         f"(skip_unreadable / --skip-unreadable goes on without them): "
                         f"{_rows(bad, limit=10)}")
    if bad:
        warnings.warn(f"{source}: skipped {len(bad)} of {len(paths)} file(s) that cannot be "
                      f"read: {_rows(bad)}", UserWarning, stacklevel=3)
        if not kept.any():
            raise ValueError(f"{source}: none of the {len(paths)} audio files can be read")
    warn_long(paths, durations, source=source)
    return kept, durations


def _digest(path):
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_identical_audio(paths, *, owners, source):
    """Refuse identical files whose owners (speaker or group, and label) differ.

    Identical bytes under two paths of two speakers, or with two labels, leak between
    training and test or contradict each other: an error lists them. Copies within one
    speaker and label (RAVDESS distributes one such pair) stay in one fold: a warning
    names them. Only files of equal size are hashed.
    """
    by_size = defaultdict(list)
    for path, owner in zip(paths, owners):
        by_size[os.path.getsize(path)].append((path, owner))
    by_digest = defaultdict(list)
    for group in by_size.values():
        if len(group) > 1:
            for path, owner in group:
                by_digest[_digest(path)].append((path, owner))
    copies = [group for group in by_digest.values() if len(group) > 1]
    clashing = [group for group in copies if len({owner for _, owner in group}) > 1]
    if clashing:
        listed = [" = ".join(f"{path} ({owner})" for path, owner in group)
                  for group in clashing]
        raise ValueError(f"{source}: the same audio (identical files) is listed under "
                         "paths of different speakers or labels, which leaks between "
                         f"training and test: {_rows(listed)}")
    if copies:
        listed = [" = ".join(path for path, _ in group) for group in copies]
        warnings.warn(f"{source}: {len(copies)} recording(s) are listed twice under other "
                      f"names, with the same speaker and label: {_rows(listed)}",
                      UserWarning, stacklevel=3)


def warn_long(paths, durations, *, source):
    long = np.flatnonzero(durations > LONG_CLIP_SECONDS)
    if long.size:
        longest = int(long[np.argmax(durations[long])])
        warnings.warn(
            f"{source}: {long.size} recording(s) are longer than {LONG_CLIP_SECONDS:g} s "
            f"(longest: {paths[longest]}, {durations[longest]:.1f} s); a clip model reads "
            "only the start of each (8 s by default): analyze long recordings window by "
            "window with `skser analyze` or skser.voice_note.analyze_voice_note",
            UserWarning, stacklevel=3)
