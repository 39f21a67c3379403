"""AudioLoader: file paths in, a padded waveform batch out."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..utils import (
    Interval,
    WaveformOutputMixin,
    check_params,
    progress,
    validate_waveforms,
)
from ._files import audio_paths as _as_paths
from ._files import load_audio_batch
from ._waveform import SAMPLE_RATE, as_batch

__all__ = ["AudioLoader"]


class AudioLoader(WaveformOutputMixin, TransformerMixin, BaseEstimator):
    """Read audio files into a padded waveform batch.

    Read more in the :ref:`User Guide <waveform_convention>`.

    The first step of a pipeline that predicts from files:
    ``pipe.predict(["a.wav", "b.flac"])``. Files are decoded in parallel with joblib,
    averaged to mono and resampled to ``sample_rate`` (see :func:`skser.io.load_audio`).
    Input that already is a waveform batch (a 2-D array or a list of 1-D arrays) passes
    through unchanged, so the same fitted pipeline takes files or samples.

    Parameters
    ----------
    sample_rate : int > 0, default=16000
        The rate to resample every file to, in Hz.
    max_duration : float > 0, default=None
        Keep at most this many seconds of each file (None keeps all). With a pipeline that
        truncates to a fixed duration anyway, this bounds the batch's memory: one long
        file no longer widens every row.
    n_jobs : int, default=None
        Parallel decoding jobs (joblib semantics: None is 1, -1 all cores).
    verbose : bool, default=False
        Show a progress bar while decoding.

    Attributes
    ----------
    n_features_in_ : int
        Set only when fitted on a waveform batch: its width (not enforced).

    See Also
    --------
    skser.io.load_audio : Read one file.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> for name, seconds in [("a.wav", 0.5), ("b.flac", 1.0)]:
    ...     sf.write(os.path.join(folder, name), 0.1 * np.ones(int(8000 * seconds)), 8000)
    >>> X = AudioLoader().transform([os.path.join(folder, n) for n in ("a.wav", "b.flac")])
    >>> X.shape
    (2, 16000)
    """

    _parameter_constraints: dict = {
        "sample_rate": [Interval(Integral, 1, None, closed="left")],
        "max_duration": [Interval(Real, 0, None, closed="neither"), None],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, *, sample_rate=SAMPLE_RATE, max_duration=None, n_jobs=None, verbose=False):
        self.sample_rate = sample_rate
        self.max_duration = max_duration
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X, y=None):
        """Check the parameters and the input; the loader learns nothing.

        Parameters
        ----------
        X : list of str or path-like, or a waveform batch
            The files (not read here).
        y : array-like [shape=(n_files,) or (n_files, n_targets)], optional
            Not learned from, only checked: as the first step of a pipeline, the loader
            refuses labels of the wrong length, missing ones (NaN, None) or a mix of text
            and numbers before any file is read or embedded.

        Returns
        -------
        self : AudioLoader
        """
        check_params(self)
        if _as_paths(X) is None:
            validate_waveforms(self, X, reset=True)
        if y is not None:
            _check_labels_early(X, y)
        return self

    def transform(self, X):
        """Read the files into a padded batch.

        Parameters
        ----------
        X : list of str or path-like [shape=(n_files,)], or a waveform batch
            Audio paths, or clips that are passed through.

        Returns
        -------
        X : np.ndarray [shape=(n_files, max_length), dtype=float32]
        """
        check_params(self)
        paths = _as_paths(X)
        if paths is None:
            return as_batch(X)
        return load_audio_batch(
            paths, sample_rate=self.sample_rate, max_duration=self.max_duration,
            n_jobs=self.n_jobs,
            progress=lambda files: progress(files, verbose=self.verbose, desc="decoding",
                                            unit="file"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        # Paths (strings) or waveform batches (2-D arrays, passed through).
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _check_labels_early(X, y):
    from ..utils import check_no_missing_labels, num_samples

    labels = np.asarray(y) if hasattr(y, "__array__") else np.asarray(y, dtype=object)
    n_clips = num_samples(X if hasattr(X, "__len__") else np.asarray(X))
    if labels.ndim == 0 or labels.shape[0] != n_clips:
        raise ValueError(f"y has {labels.size if labels.ndim else 'one'} label(s) for "
                         f"{n_clips} clips")
    if labels.ndim == 1:
        check_no_missing_labels(labels)
