"""The audio files a user's manifest or folder names: checked all at once, before any work."""

import hashlib
import os
import warnings
from collections import defaultdict

import numpy as np

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
        For the same path on two rows, the same audio (identical bytes) under two paths,
        and (unless ``skip_unreadable``) missing or unreadable files: each lists them all.
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
    _check_same_audio([p for p, keep in zip(paths, kept) if keep], source=source)
    warn_long(paths, durations, source=source)
    return kept, durations


def _digest(path):
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_same_audio(paths, *, source):
    """Raise when two paths hold identical bytes (only files of equal size are hashed)."""
    by_size = defaultdict(list)
    for path in paths:
        by_size[os.path.getsize(path)].append(path)
    by_digest = defaultdict(list)
    for group in by_size.values():
        if len(group) > 1:
            for path in group:
                by_digest[_digest(path)].append(path)
    copies = [" = ".join(group) for group in by_digest.values() if len(group) > 1]
    if copies:
        raise ValueError(f"{source}: the same audio (identical files) is listed under more "
                         f"than one path, which would leak between training and test: "
                         f"{_rows(copies)}")


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
