"""Noisy copies of the training clips: more rows, for a head that has heard noise."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ..io import audio_paths, check_finite_clips, clip_lengths, load_audio_batch
from ..utils import Interval, check_params, num_samples, take_rows, validate_waveforms
from ._augment import _check_range
from ._channel import room, telephone
from ._noise import add_at_snr, babble_or_white

__all__ = ["CHANNEL_KINDS", "NOISE_KINDS", "NoisyCopies"]

NOISE_KINDS = ("white", "babble", "floor")
CHANNEL_KINDS = ("telephone", "gsm", "room")
_KINDS = NOISE_KINDS + CHANNEL_KINDS


class NoisyCopies(BaseEstimator):
    """Add noisy copies of every training clip to the training set (a sampler).

    Read more in the :ref:`User Guide <recording_conditions>`.

    Multi-condition training: the training set becomes the clean clips followed by
    ``n_copies`` copies of each, every copy under noise of one kind drawn from ``kinds``:

    - ``"white"``: white noise at an SNR drawn from ``snr_db``, against the clip's
      active speech (the span ``Trimmer(top_db=20)`` keeps), as recordings in noise have;
    - ``"babble"``: the sum of ``babble_talkers`` other clips of the same training batch
      (other training speakers' speech, never a test clip's), each at unit power and
      looped from a random start, at an SNR drawn from ``snr_db``;
    - ``"floor"``: white noise at an absolute level drawn from ``floor_dbfs`` (RMS
      against full scale 1.0), as a phone's or a cheap microphone's hiss;
    - ``"telephone"``: a narrow-band telephone line (8 kHz, 300-3400 Hz, G.711 mu-law;
      :func:`skser.preprocessing.telephone`);
    - ``"gsm"``: a mobile line (the same band through GSM 06.10 full rate,
      ``telephone(codec="gsm")``);
    - ``"room"``: a synthetic room whose reverberation time is drawn from ``rt60``
      (:func:`skser.preprocessing.room`).

    Noise is added to the clips as recorded, before a pipeline's ``Trimmer``, where real
    noise enters. Each clip keeps its true length and its padding stays zero; a silent
    clip (length 0) is copied silent.

    **A sampler, not a pipeline step.** A scikit-learn ``Pipeline`` never changes the
    number of rows, so, like imbalanced-learn's samplers, ``NoisyCopies`` has
    ``fit_resample(X, y)``. Use it where skser fits on training rows:
    ``evaluate_sessions(..., sampler=)``, ``fit_with_validation(..., sampler=)`` and
    ``skser train|evaluate --noisy-copies N``. Pass it as ``validation_sampler=`` too
    (the command line does) and the validation clips get copies of their own, so that
    early stopping and the head's temperature see the same conditions. Test clips are
    never copied. Other per-clip arrays (speakers, sample weights) follow the rows
    through ``sample_indices_``. (imbalanced-learn's ``Pipeline`` also takes it as a
    step.)

    Unlike ``make_ser_pipeline(augment="noise")``, which replaces training clips by
    degraded ones, the copies *add* rows, so the head still trains on every clean clip
    (see :ref:`recording_conditions` for what each costs and gains).

    Parameters
    ----------
    n_copies : int >= 1, default=2
        Noisy copies of each clip.
    kinds : tuple of {"white", "babble", "floor", "telephone", "gsm", "room"}, \
default=("white", "babble", "floor")
        The kinds of noise or channel; each copy draws one, with equal probability.
    snr_db : tuple of float, default=(10.0, 40.0)
        Range of the SNR of white noise and babble, in dB against the clip's speech.
    floor_dbfs : tuple of float, default=(-70.0, -50.0)
        Range of the noise floor's level, in dBFS (RMS, full scale 1.0).
    rt60 : tuple of float, default=(0.2, 1.0)
        Range of the room's reverberation time, in seconds.
    babble_talkers : int >= 1, default=4
        Clips summed into one babble. A batch of one clip has no other talker: its
        babble copies get white noise instead.
    random_state : int, RandomState instance or None, default=None
        Seeds every draw; the same seed copies the same batch identically.

    Attributes
    ----------
    sample_indices_ : np.ndarray [shape=(n_clips * (1 + n_copies),)]
        For each row of the last ``fit_resample``, the input row it is (a copy of):
        ``0 .. n_clips - 1`` for the clean clips, then the same for each copy.
    noise_kinds_ : np.ndarray [shape=(n_clips * (1 + n_copies),), dtype=object]
        The noise of each row: ``"clean"`` or one of ``kinds``.
    n_features_in_ : int
        Width of the batch seen in ``fit_resample`` (informative).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-0.5, 0.5, size=(4, 16000)).astype(np.float32)
    >>> y = np.array(["ang", "hap", "neu", "sad"])
    >>> copies = NoisyCopies(n_copies=2, random_state=0)
    >>> X_train, y_train = copies.fit_resample(X, y)
    >>> X_train.shape, y_train.tolist()[4:8]
    ((12, 16000), ['ang', 'hap', 'neu', 'sad'])
    >>> copies.sample_indices_.tolist()
    [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]
    >>> bool(np.array_equal(X_train[:4], X)), bool(np.allclose(X_train[4:8], X))
    (True, False)
    """

    _parameter_constraints: dict = {
        "n_copies": [Interval(Integral, 1, None, closed="left")],
        "kinds": [tuple, list],
        "snr_db": [tuple, list],
        "floor_dbfs": [tuple, list],
        "rt60": [tuple, list],
        "babble_talkers": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_copies=2, kinds=NOISE_KINDS, snr_db=(10.0, 40.0),
                 floor_dbfs=(-70.0, -50.0), rt60=(0.2, 1.0), babble_talkers=4,
                 random_state=None):
        self.n_copies = n_copies
        self.kinds = kinds
        self.snr_db = snr_db
        self.floor_dbfs = floor_dbfs
        self.rt60 = rt60
        self.babble_talkers = babble_talkers
        self.random_state = random_state

    def _check_params(self):
        check_params(self)
        kinds = list(self.kinds)
        unknown = [kind for kind in kinds if kind not in _KINDS]
        if not kinds or unknown or len(set(kinds)) != len(kinds):
            raise ValueError(
                f"kinds must be distinct names among {_KINDS}, at least one, got "
                f"{self.kinds!r}"
            )
        _check_range("snr_db", self.snr_db)
        _check_range("floor_dbfs", self.floor_dbfs)
        _check_range("rt60", self.rt60)
        if self.rt60[0] <= 0:
            raise ValueError(f"rt60 must be above 0 s, got {self.rt60!r}")
        if self.floor_dbfs[1] > 0:
            raise ValueError(f"floor_dbfs must be at most 0 dBFS (full scale), got "
                             f"{self.floor_dbfs!r}")

    def fit(self, X, y=None):
        """Draw the copies of ``X`` (see ``fit_resample``) and keep only what they were.

        Returns
        -------
        self : NoisyCopies
        """
        self.fit_resample(X, y)
        return self

    def fit_resample(self, X, y=None):
        """The clips of ``X`` followed by ``n_copies`` noisy copies of each.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)], list of 1-D arrays, or list of paths
            The training clips, 16 kHz mono as recorded (before any trimming). Paths are
            decoded at 16 kHz, as ``AudioLoader()`` decodes them.
        y : array-like [shape=(n_clips,) or (n_clips, n_targets)], optional
            The targets, repeated for the copies.

        Returns
        -------
        X_resampled : np.ndarray [shape=(n_clips * (1 + n_copies), n_samples), dtype=float32]
        y_resampled : np.ndarray or None
            ``y`` for each row (None when ``y`` is None).

        Raises
        ------
        ValueError
            For bad parameters, a clip holding NaN or inf (named by index), a ``y`` of
            another length, or a file that cannot be decoded (named).
        FileNotFoundError
            For a path with no file (named).
        """
        self._check_params()
        paths = audio_paths(X)
        if paths is not None:
            X = load_audio_batch(paths)
        X = validate_waveforms(self, X, reset=True)
        check_finite_clips(X)
        n_clips = X.shape[0]
        if y is not None and num_samples(y) != n_clips:
            raise ValueError(f"y has {num_samples(y)} rows and X has {n_clips} clips")
        rng = check_random_state(self.random_state)
        lengths = clip_lengths(X)
        copies, kinds = [X], [np.full(n_clips, "clean", dtype=object)]
        for _ in range(self.n_copies):
            copy = X.copy()
            drawn = np.empty(n_clips, dtype=object)
            for index, length in enumerate(lengths):
                drawn[index] = self.kinds[rng.randint(len(self.kinds))]
                if length > 0:
                    copy[index, :length] = self._noisy(X, lengths, index, drawn[index], rng)
            copies.append(copy)
            kinds.append(drawn)
        self.sample_indices_ = np.tile(np.arange(n_clips), 1 + self.n_copies)
        self.noise_kinds_ = np.concatenate(kinds)
        y_resampled = None if y is None else take_rows(y, self.sample_indices_)
        return np.concatenate(copies), y_resampled

    def _noisy(self, X, lengths, index, kind, rng):
        samples = X[index, : lengths[index]].astype(np.float64)
        if kind in ("telephone", "gsm"):
            return telephone(samples, codec="mu-law" if kind == "telephone" else "gsm")
        if kind == "room":
            return room(samples, rng, rt60=rng.uniform(*self.rt60))
        if kind == "floor":
            level = 10 ** (rng.uniform(*self.floor_dbfs) / 20)
            return samples + level * rng.standard_normal(samples.shape[0])
        snr = rng.uniform(*self.snr_db)
        noise = babble_or_white(X, lengths, index, kind == "babble", self.babble_talkers, rng)
        return add_at_snr(samples, noise, snr)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # a list of audio paths
        return tags
