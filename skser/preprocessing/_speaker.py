"""Speaker adaptation: standardise each clip's embedding by its speaker's statistics."""

from numbers import Integral

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import Interval, check_params, check_speakers, has_spread, row_statistics, safe_scale
from ._speaker_stats import SpeakerStats

__all__ = [
    "SpeakerNormalizer",
    "enroll_speaker",
    "make_speaker_adapted",
    "speaker_embeddings",
    "speaker_feature_space",
]


class SpeakerNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise embeddings per speaker: ``(x - speaker mean) / speaker std``.

    Read more in the :ref:`User Guide <speaker_adaptation>`.

    Emotion features vary more between speakers than between emotions; standardising
    each speaker's clips by that speaker's own statistics (no labels needed) removes
    much of that. ``fit`` keeps the statistics of every training speaker and the global
    ones. ``transform`` standardises each speaker of the batch by, in this order:

    1. ``speaker_stats[speaker]``, an enrolled speaker (see :class:`SpeakerStats`);
    2. the batch's own clips of that speaker, when there are at least ``min_clips``
       (transductive: the unlabeled clips of the speaker being predicted);
    3. the statistics of a training speaker;
    4. the global statistics, with a :class:`SpeakerAdaptationWarning`.

    Speakers reach it through scikit-learn's metadata routing: with
    ``sklearn.set_config(enable_metadata_routing=True)``, request them with
    ``set_fit_request(speakers=True)`` and ``set_transform_request(speakers=True,
    speaker_stats=True)`` (:func:`make_speaker_adapted` does both), then pass
    ``pipeline.fit(X, y, speakers=...)`` and ``pipeline.predict(X, speakers=...)``.
    Without speakers it standardises globally, like ``StandardScaler``, and warns.

    Parameters
    ----------
    min_clips : int >= 2, default=5
        Fewest clips of a speaker for their statistics: in one ``transform`` batch, in
        ``fit`` (a training speaker with fewer is standardised globally) and in enrolled
        ``speaker_stats`` (fewer are refused). One clip has no spread.

    Attributes
    ----------
    mean_, scale_ : np.ndarray [shape=(n_features,)]
        Global mean and standard deviation of the training embeddings.
    speaker_stats_ : dict
        ``{speaker (str): SpeakerStats}`` of the training speakers (empty without
        speakers).
    n_features_in_ : int
    feature_names_in_ : np.ndarray
        Only when ``X`` has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> import sklearn
    >>> X = np.array([[1.0], [3.0], [10.0], [30.0]])
    >>> speakers = ["a", "a", "b", "b"]
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     norm = SpeakerNormalizer(min_clips=2).set_fit_request(speakers=True)
    ...     norm.fit_transform(X, speakers=speakers).ravel().tolist()
    [-1.0, 1.0, -1.0, 1.0]
    >>> norm.transform([[5.0], [7.0]], speakers=["new", "new"]).ravel().tolist()
    [-1.0, 1.0]
    """

    _parameter_constraints: dict = {"min_clips": [Interval(Integral, 2, None, closed="left")]}

    def __init__(self, *, min_clips=5):
        self.min_clips = min_clips

    def fit(self, X, y=None, *, speakers=None):
        """Learn the global statistics and those of each training speaker.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_features)]
            Embeddings.
        y : None
            Ignored.
        speakers : array-like [shape=(n_clips,)], optional
            The speaker of each clip (ids compare as strings).

        Returns
        -------
        self : object
        """
        check_params(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        E = X.astype(np.float64)
        self.mean_ = E.mean(axis=0)
        self.scale_ = safe_scale(E.std(axis=0))
        self.speaker_stats_ = {}
        if speakers is not None:
            speakers = check_speakers(speakers, E.shape[0])
            for speaker in dict.fromkeys(speakers.tolist()):
                # Fewer clips than min_clips, or copies of one clip, give no usable
                # spread: such a speaker is standardised globally (with a warning), as at
                # predict time.
                stats = SpeakerStats.from_embeddings(E[speakers == speaker])
                if stats.count >= self.min_clips and has_spread(stats.std):
                    self.speaker_stats_[speaker] = stats
        return self

    def statistics_for(self, X, *, speakers=None, speaker_stats=None):
        """The mean and scale :meth:`transform` uses for each clip, and their source.

        Parameters
        ----------
        X, speakers, speaker_stats
            As in :meth:`transform`.

        Returns
        -------
        means, scales : np.ndarray [shape=(n_clips, n_features), dtype=float64]
        sources : dict
            ``{speaker: "enrolled" | "own clips" | "training" | "global"}``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return row_statistics(
            X, speakers, speaker_stats, fitted=self.speaker_stats_, mean=self.mean_,
            scale=self.scale_, min_clips=self.min_clips,
        )

    def transform(self, X, *, speakers=None, speaker_stats=None):
        """Standardise each clip by its speaker's statistics.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_features)]
            Embeddings.
        speakers : array-like [shape=(n_clips,)], optional
            The speaker of each clip.
        speaker_stats : dict or SpeakerStats, optional
            Enrolled speakers, ``{speaker: SpeakerStats}`` (for example from
            :func:`load_speaker_stats`), or one ``SpeakerStats`` for every clip.

        Returns
        -------
        X_out : np.ndarray [shape=(n_clips, n_features)]
            Same dtype as ``X`` (float32 or float64).
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        means, scales, _ = row_statistics(
            X, speakers, speaker_stats, fitted=self.speaker_stats_, mean=self.mean_,
            scale=self.scale_, min_clips=self.min_clips,
        )
        return ((X.astype(np.float64) - means) / scales).astype(X.dtype, copy=False)

    def fit_transform(self, X, y=None, *, speakers=None):
        """Fit, then standardise the training clips by their speakers' statistics.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_features)]
        y : None
            Ignored.
        speakers : array-like [shape=(n_clips,)], optional

        Returns
        -------
        X_out : np.ndarray [shape=(n_clips, n_features)]
        """
        return self.fit(X, y, speakers=speakers).transform(X, speakers=speakers)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _normalizer_index(steps):
    for index, (_, step) in enumerate(steps):
        if isinstance(step, SpeakerNormalizer):
            return index
    return None


def speaker_feature_space(pipeline):
    """Describe the embeddings a pipeline's ``SpeakerNormalizer`` standardises.

    The class names of the steps before it, without ``AudioLoader`` and
    ``WaveformAugmenter`` (which do not change inference), and its width. Statistics
    files carry this, so that statistics enrolled with one model are not read by another.

    Parameters
    ----------
    pipeline : Pipeline
        Fitted, with a ``SpeakerNormalizer``.

    Returns
    -------
    description : str or None
        None when the pipeline has no ``SpeakerNormalizer``.
    """
    steps = getattr(pipeline, "steps", [])
    index = _normalizer_index(steps)
    if index is None:
        return None
    names = [
        type(step).__name__ for _, step in steps[:index]
        if type(step).__name__ not in ("AudioLoader", "WaveformAugmenter")
        and step not in (None, "passthrough")
    ]
    width = getattr(steps[index][1], "n_features_in_", "?")
    return f"{' -> '.join(names) or 'features'} ({width} features)"


def _request_speakers(normalizer):
    with config_context(enable_metadata_routing=True):
        normalizer.set_fit_request(speakers=True)
        normalizer.set_transform_request(speakers=True, speaker_stats=True)
    return normalizer


def make_speaker_adapted(estimator, *, min_clips=5):
    """A clone of ``estimator`` with a :class:`SpeakerNormalizer` before its final step.

    Read more in the :ref:`User Guide <speaker_adaptation>`.

    The normalizer requests ``speakers`` (fit and transform) and ``speaker_stats``
    (transform) through metadata routing. A pipeline that already has one is cloned with
    those requests set.

    Parameters
    ----------
    estimator : Pipeline or estimator
        A pipeline whose last step takes embeddings (or any estimator taking them).
    min_clips : int, default=5
        The normalizer's ``min_clips``.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.pipeline import make_pipeline
    >>> pipe = make_speaker_adapted(make_pipeline(StandardScaler(), LogisticRegression()))
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'speakernormalizer', 'logisticregression']
    """
    from sklearn.pipeline import Pipeline

    if not isinstance(estimator, Pipeline):
        estimator = Pipeline([(type(estimator).__name__.lower(), estimator)])
    pipeline = clone(estimator)
    steps = list(pipeline.steps)
    index = _normalizer_index(steps)
    if index is None:
        normalizer = SpeakerNormalizer(min_clips=min_clips)
        steps.insert(len(steps) - 1, ("speakernormalizer", normalizer))
        pipeline.steps = steps
    else:
        normalizer = steps[index][1]
    _request_speakers(normalizer)
    return pipeline


def speaker_embeddings(model, X):
    """The embeddings a speaker-adapted model's ``SpeakerNormalizer`` receives.

    Parameters
    ----------
    model : Pipeline or OnnxPipeline
        A fitted pipeline with a ``SpeakerNormalizer``, or its ONNX export.
    X : array-like or list of paths
        Clips, as the model takes them.

    Returns
    -------
    embeddings : np.ndarray [shape=(n_clips, n_features)]
    """
    if hasattr(model, "embed"):
        return model.embed(X)
    index = _normalizer_index(getattr(model, "steps", []))
    if index is None:
        raise ValueError(
            f"{type(model).__name__} has no SpeakerNormalizer: enrollment needs a "
            "speaker-adapted model (make_speaker_adapted)"
        )
    check_is_fitted(model)
    for _, step in model.steps[:index]:
        if step is not None and step != "passthrough":
            X = step.transform(X)
    return np.asarray(X)


def enroll_speaker(model, X, *, stats=None):
    """A speaker's statistics from a few of their clips, or ``stats`` updated with them.

    Read more in the :ref:`User Guide <speaker_adaptation>`.

    No labels are needed. The result feeds ``speaker_stats=`` of a speaker-adapted
    pipeline's ``predict`` (through metadata routing) or of ``OnnxPipeline.predict``, and
    is saved with :func:`save_speaker_stats`.

    Parameters
    ----------
    model : Pipeline or OnnxPipeline
        Fitted and speaker-adapted.
    X : array-like or list of paths
        The speaker's clips.
    stats : SpeakerStats, optional
        Statistics so far; the new clips update them (online enrollment).

    Returns
    -------
    stats : SpeakerStats

    Examples
    --------
    >>> import numpy as np
    >>> import sklearn
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [2.0], [10.0], [14.0]]); y = [0, 1, 0, 1]
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     pipe = make_speaker_adapted(LogisticRegression(), min_clips=2)
    ...     pipe = pipe.fit(X, y, speakers=["a", "a", "b", "b"])
    >>> stats = enroll_speaker(pipe, [[4.0], [6.0]])
    >>> stats = enroll_speaker(pipe, [[8.0]], stats=stats)
    >>> stats.count, stats.mean.tolist()
    (3, [6.0])
    """
    embeddings = speaker_embeddings(model, X)
    return SpeakerStats.from_embeddings(embeddings) if stats is None else stats.update(
        embeddings
    )
