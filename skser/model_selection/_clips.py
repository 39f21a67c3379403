"""Naming the clips an estimator's skser embedder refuses by their place in the caller's data.

An embedder refuses a silent, too-short or non-finite clip by its index in the batch it was
handed: a fold's training rows, a chunk of a corpus. After such a failure,
:func:`name_refused_clips` runs the steps before the embedder over the caller's whole data
(in chunks, clip by clip where a chunk fails) and names each refused clip as the caller
knows it: ``X[17] (group 's3')``, or a file path. Nothing of this runs unless a fit or a
transform has already failed.
"""

import re

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from ..io import SAMPLE_RATE, as_batch, clip_lengths
from ..utils import num_samples, take_rows

__all__ = ["name_refused_clips", "refused_clips"]

# Clips run through the steps before the embedder at a time (bounds memory).
_CHUNK = 256
# Clips named in a message; the rest are counted.
_SHOWN = 8
# A one-clip batch's message names "clip 0", an index of nothing the caller holds.
_CLIP_ZERO = re.compile(r"^(clip 0|the clip)( is)? ?:? ?")


def _flat_steps(estimator):
    """The steps of ``estimator`` in order, nested pipelines flattened, passthrough left out."""
    if isinstance(estimator, Pipeline):
        return [inner for _, step in estimator.steps for inner in _flat_steps(step)]
    if estimator is None or (isinstance(estimator, str) and estimator == "passthrough"):
        return []
    return [estimator]


def _embedder_and_front(estimator, fitted):
    """The first skser embedder of ``estimator`` and the steps before it, or ``(None, [])``."""
    steps = _flat_steps(estimator)
    for position, step in enumerate(steps):
        if hasattr(step, "min_samples") and "short_clips" in step.get_params(deep=False):
            front = steps[:position]
            if not fitted:
                # Training-only augmentation is left out: a clip is tested as recorded.
                from ..preprocessing import WaveformAugmenter

                front = [clone(s) for s in front if not isinstance(s, WaveformAugmenter)]
            return step, front
    return None, []


def _lengths(front, fitted, rows):
    """Each clip's true length once the steps of ``front`` have run on ``rows``."""
    for step in front:
        rows = step.transform(rows) if fitted else step.fit_transform(rows)
    return clip_lengths(as_batch(rows))


def refused_clips(estimator, X, *, fitted=False):
    """The clips of ``X`` that the skser embedder of ``estimator`` would refuse.

    Parameters
    ----------
    estimator : estimator
        A skser embedder, or a pipeline holding one (its first is the one checked).
    X : array-like or list
        The clips, as ``estimator`` takes them (waveforms, paths).
    fitted : bool, default=False
        Whether the steps before the embedder are fitted (else clones are fitted per chunk,
        training-only augmenters left out).

    Returns
    -------
    refused : list of (int, int or None, str or None)
        ``(index in X, length once preprocessed, None)`` for a clip too short for the
        embedder (only where its ``short_clips`` is ``"error"``), ``(index, None, reason)``
        for one a step before it refuses; in the order of ``X``. Empty without an embedder.
    """
    embedder, front = _embedder_and_front(estimator, fitted)
    if embedder is None:
        return []
    minimum = embedder.min_samples
    check_length = embedder.get_params(deep=False)["short_clips"] == "error"
    refused = []
    n_clips = num_samples(X)
    for start in range(0, n_clips, _CHUNK):
        index = np.arange(start, min(start + _CHUNK, n_clips))
        try:
            lengths = _lengths(front, fitted, take_rows(X, index))
        except Exception:  # find the clip(s) at fault one at a time
            lengths = np.full(index.size, minimum, dtype=np.int64)
            for k, clip in enumerate(index):
                try:
                    lengths[k] = _lengths(front, fitted, take_rows(X, [clip]))[0]
                except Exception as exc:
                    refused.append((int(clip), None, _CLIP_ZERO.sub("", str(exc), count=1)))
        if check_length:
            refused += [(int(index[k]), int(lengths[k]), None)
                        for k in np.flatnonzero(lengths < minimum)]
    return sorted(refused, key=lambda item: item[0])


def name_refused_clips(estimator, sources, *, fitted=False):
    """A message naming the clips that the skser embedder of ``estimator`` refuses, or None.

    Parameters
    ----------
    estimator : estimator
        A skser embedder, or a pipeline holding one (its first is the one checked).
    sources : list of (X, label)
        The caller's clips (what ``estimator`` takes: waveforms, paths) and a function
        naming clip ``i`` of that ``X`` (``lambda i: f"X[{i}]"``).
    fitted : bool, default=False
        Whether the steps before the embedder are fitted (else clones are fitted per chunk,
        training-only augmenters left out).

    Returns
    -------
    message : str or None
        None when no clip is refused (the failure was something else).

    Examples
    --------
    >>> import numpy as np
    >>> from skser.embedding import AcousticEmbedder
    >>> X = np.ones((3, 16000), dtype=np.float32)
    >>> X[1] = 0.0
    >>> print(name_refused_clips(AcousticEmbedder(), [(X, lambda i: f"X[{i}]")]))
    1 clip(s) cannot be embedded by AcousticEmbedder, which needs at least 640 samples \
(40 ms) per clip: X[1] is silent (0 samples). Leave them out, trim less, or set the \
embedder's short_clips='pad' to pad short clips with zeros
    """
    embedder, front = _embedder_and_front(estimator, fitted=True)
    if embedder is None:
        return None
    preprocessed = " once preprocessed" if front else ""
    named, short = [], False
    for X, label in sources:
        refused = refused_clips(estimator, X, fitted=fitted)
        if sum(reason is not None for _, _, reason in refused) == num_samples(X):
            return None  # every clip fails alike: a step's failure, not the clips'
        for index, length, reason in refused:
            if reason is not None:
                named.append(f"{label(index)}: {reason}")
                continue
            short = True
            named.append(f"{label(index)} is silent (0 samples{preprocessed})" if length == 0
                         else f"{label(index)} has {length} samples{preprocessed}")
    if not named:
        return None
    more = f"; and {len(named) - _SHOWN} more" if len(named) > _SHOWN else ""
    needs = (f", which needs at least {embedder.min_samples} samples "
             f"({1000 * embedder.min_samples / SAMPLE_RATE:.0f} ms) per clip" if short else "")
    advice = (", trim less, or set the embedder's short_clips='pad' to pad short clips with "
              "zeros" if short else "")
    return (f"{len(named)} clip(s) cannot be embedded by {type(embedder).__name__}{needs}: "
            f"{'; '.join(named[:_SHOWN])}{more}. Leave them out{advice}")
