"""distill: a fitted teacher labels unlabeled clips, a Wav2Small student learns its outputs."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from ..io import SAMPLE_RATE, as_batch, clip_lengths
from ..preprocessing import WaveformAugmenter
from ..utils import HasMethods, Interval, check_params, progress, task_of, validate_params
from ._losses import soften
from ._student import Wav2SmallClassifier, Wav2SmallRegressor

__all__ = ["distill", "teacher_kind"]

_TEACHER_BATCH = 64


def teacher_kind(teacher):
    """The name of the teacher's task (:func:`skser.utils.task_of`).

    ``"categorical"`` for a classifier, whose ``predict_proba`` the student learns, or
    ``"dimensional"`` for a regressor, whose ``predict`` gives values (e.g. arousal,
    valence). A teacher without its task's method is refused.
    """
    task = task_of(teacher)
    if not hasattr(teacher, task.method):
        raise ValueError(
            f"the teacher ({type(teacher).__name__}) is a {task.name} model without "
            f"{task.method}: pass a fitted classifier with predict_proba, or a regressor "
            "(a pipeline or an OnnxPipeline)"
        )
    return task.name


def _teacher_outputs(teacher, kind, X, *, verbose, desc, n_clips=None):
    """The teacher's outputs for ``X``, in batches, checked: one run per clip.

    ``X`` may stack ``len(X) // n_clips`` views of ``n_clips`` clips, view after view: a
    bad output then names the user's clip and its view, not a row of the stack.
    """
    rows = []
    batches = range(0, X.shape[0], _TEACHER_BATCH)
    for start in progress(batches, verbose=verbose, desc=desc, unit="batch"):
        batch = X[start : start + _TEACHER_BATCH]
        batch = batch[:, : max(1, int(clip_lengths(batch).max()))]
        out = teacher.predict_proba(batch) if kind == "categorical" else teacher.predict(batch)
        out = np.asarray(out, dtype=np.float64)
        rows.append(out.reshape(len(batch), -1))
    outputs = np.concatenate(rows)
    if not np.isfinite(outputs).all():
        bad = int(np.flatnonzero(~np.isfinite(outputs).all(axis=1))[0])
        where = f"clip {bad} of {desc}"
        if n_clips is not None:
            where = f"clip {bad % n_clips} of X_unlabeled (view {bad // n_clips})"
        raise ValueError(f"the teacher gave NaN or inf for {where}")
    return outputs


def _views(X, *, n_views, augment, crop_samples, augmenter, rng, verbose):
    """``n_views`` random crops of every clip; all but the first are also augmented."""
    lengths = clip_lengths(X)
    width = min(X.shape[1], crop_samples) if crop_samples else X.shape[1]
    views = []
    for view in progress(range(n_views), verbose=verbose, desc="views", unit="view"):
        batch = np.zeros((X.shape[0], width), dtype=np.float32)
        for index, length in enumerate(lengths):
            keep = min(int(length), width)
            start = int(rng.integers(0, length - keep + 1)) if length > keep else 0
            batch[index, :keep] = X[index, start : start + keep]
        if augment and view > 0:
            seed = int(rng.integers(np.iinfo(np.int32).max))
            batch = clone(augmenter).set_params(random_state=seed).fit_transform(batch)
        views.append(batch)
    return np.concatenate(views)


def teacher_min_samples(teacher):
    """The fewest samples a clip needs to reach the teacher's embedder (1 if none says).

    Parameters
    ----------
    teacher : Pipeline or OnnxPipeline
        Its steps' ``min_samples`` (an ``OnnxPipeline``'s metadata) bound the crops
        :func:`distill` can ask it to label.

    Returns
    -------
    min_samples : int

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skser.embedding import AcousticEmbedder
    >>> teacher_min_samples(make_pipeline(AcousticEmbedder(), LogisticRegression()))
    640
    """
    if hasattr(teacher, "metadata_"):  # an OnnxPipeline
        return int(teacher.metadata_.get("min_samples", 1))
    steps = getattr(teacher, "steps", [])
    return max([1, *(getattr(step, "min_samples", 1) for _, step in steps)])


@validate_params(
    {
        "teacher": [HasMethods(["predict"])],
        "X_unlabeled": ["array-like", list],
        "student": [HasMethods(["fit"]), None],
        "y": ["array-like", None],
        "hard_label_weight": [Interval(Real, 0, 1, closed="both")],
        "augment": ["boolean"],
        "augmenter": [HasMethods(["fit_transform"]), None],
        "n_views": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "X_val": ["array-like", list, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def distill(teacher, X_unlabeled, *, student=None, y=None, hard_label_weight=0.5,
            augment=True, augmenter=None, n_views=4, temperature=2.0, X_val=None,
            random_state=None, verbose=False):
    """Train a tiny Wav2Small student to reproduce a fitted teacher from raw waveforms.

    Read more in the :ref:`User Guide <distillation>`.

    1. **Views.** Each unlabeled clip gives ``n_views`` views: random crops of the
       student's ``crop_duration`` (whole clips when it is None or longer), all but the
       first also augmented (``augmenter``, by default a
       :class:`~skser.preprocessing.WaveformAugmenter`: gain, noise, pitch, polarity).
       A few hundred files thus give thousands of targets.
    2. **Targets.** The teacher labels every view once; its outputs are kept, so epochs
       never rerun it. A categorical teacher (``predict_proba`` and ``classes_``: any
       fitted classifier or pipeline, or an exported
       :class:`~skser.export.OnnxPipeline`) gives probabilities, softened by
       ``temperature``; a dimensional one gives ``predict`` values (e.g. arousal,
       valence, dominance).
    3. **Training.** A :class:`Wav2SmallClassifier` fits the softened probabilities by
       the distillation loss (:func:`soft_cross_entropy`, ``T**2 * KL``), mixed with the
       cross-entropy of hard labels ``y`` when given (weight ``hard_label_weight``); a
       :class:`Wav2SmallRegressor` fits the teacher's standardised values by its
       ``loss``: mean squared error, or ``loss="ccc"`` for the mean ``1 - CCC``
       (:func:`skser.regression.ccc_loss`).
    4. **Early stopping** (the student's ``early_stopping``, ``n_iter_no_change``) on
       agreement with the teacher over ``X_val``, clips of **other speakers** than the
       unlabeled ones, whole and unaugmented: top-1 agreement for categories, mean CCC
       for dimensions. Without ``X_val`` the student trains for ``max_iter`` epochs (a
       split of the views would validate on crops of training clips).

    Parameters
    ----------
    teacher : fitted estimator
        Anything with ``predict_proba`` and ``classes_``, or ``predict``, taking waveform
        batches.
    X_unlabeled : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
        Unlabeled clips (16 kHz).
    student : Wav2SmallClassifier or Wav2SmallRegressor, optional
        Its parameters are used (it is cloned); by default the teacher's kind with
        ``random_state``. A classifier for a dimensional teacher (or the reverse) is
        refused.
    y : array-like [shape=(n_clips,)], optional
        Hard labels of ``X_unlabeled`` (the teacher's classes; ``None`` entries are
        unlabeled), for a categorical teacher.
    hard_label_weight : float in [0, 1], default=0.5
        Weight of the hard-label cross-entropy when ``y`` is given.
    augment : bool, default=True
        Augment the views after the first.
    augmenter : transformer, optional
        Its ``fit_transform`` perturbs a batch; ``random_state`` is set per view.
        Default ``WaveformAugmenter()``.
    n_views : int >= 1, default=4
        Views per clip, the first a plain crop.
    temperature : float > 0, default=2.0
        Distillation temperature (categorical teachers).
    X_val : array-like [shape=(n_val, n_samples)] or list of 1-D arrays, optional
        Validation clips of other speakers, labelled by the teacher.
    random_state : int, RandomState instance or None, default=None
        Seeds the crops, the augmentation and the default student.
    verbose : bool, default=False
        Progress bars over views, teacher batches and epochs.

    Returns
    -------
    student : Wav2SmallClassifier or Wav2SmallRegressor
        Fitted, with ``classes_`` the teacher's (categorical), ``n_parameters_``,
        ``validation_scores_`` (agreement per epoch, or None), ``n_views_`` and
        ``teacher_kind_``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skser.datasets import make_emotional_speech
    >>> from skser.embedding import AcousticEmbedder
    >>> X, y, speakers = make_emotional_speech(n_speakers=3, n_clips_per_class=2,
    ...                                        random_state=0)
    >>> teacher = make_pipeline(AcousticEmbedder(), LogisticRegression(max_iter=1000))
    >>> teacher = teacher.fit(X, y)
    >>> held_out = speakers == "synthetic:02"
    >>> student = distill(teacher, X[~held_out], X_val=X[held_out], n_views=2,
    ...                   student=Wav2SmallClassifier(max_iter=2), random_state=0)
    >>> student.classes_.tolist(), len(student.validation_scores_)
    (['ang', 'hap', 'neu', 'sad'], 2)
    """
    kind = teacher_kind(teacher)
    if student is None:
        student = (Wav2SmallClassifier() if kind == "categorical" else Wav2SmallRegressor())
        student.set_params(random_state=random_state)
    expected = Wav2SmallClassifier if kind == "categorical" else Wav2SmallRegressor
    if not isinstance(student, expected):
        raise ValueError(
            f"a {kind} teacher needs a {expected.__name__} student, got "
            f"{type(student).__name__}"
        )
    student = clone(student)
    check_params(student)  # before the teacher labels every view
    if y is not None and kind != "categorical":
        raise ValueError("hard labels y are for a categorical teacher only")
    X = as_batch(X_unlabeled)
    rng = np.random.default_rng(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    crop = student.crop_duration
    crop_samples = None if crop is None else max(round(crop * SAMPLE_RATE),
                                                 student.min_samples)
    minimum = teacher_min_samples(teacher)
    if crop_samples is not None and crop_samples < minimum:
        raise ValueError(
            f"crop_duration={crop} s is shorter than the {minimum} samples the teacher "
            "needs to label a crop"
        )
    views = _views(
        X, n_views=n_views, augment=augment, crop_samples=crop_samples,
        augmenter=WaveformAugmenter() if augmenter is None else augmenter,
        rng=rng, verbose=verbose,
    )
    outputs = _teacher_outputs(teacher, kind, views, verbose=verbose, desc="teacher",
                               n_clips=X.shape[0])
    X_val = None if X_val is None else as_batch(X_val)
    val_outputs = None
    if X_val is not None:
        val_outputs = _teacher_outputs(teacher, kind, X_val, verbose=verbose,
                                       desc="teacher on X_val")
    from ..utils import validate_waveforms

    validate_waveforms(student, views, reset=True)
    if X_val is not None:
        X_val = validate_waveforms(student, X_val, reset=False)
    if kind == "categorical":
        classes = np.asarray(teacher.classes_)
        if outputs.shape[1] != classes.size:
            raise ValueError(f"the teacher gave {outputs.shape[1]} probabilities for "
                             f"{classes.size} classes")
        import torch

        soft = soften(torch.as_tensor(outputs), temperature).numpy()
        hard = None if y is None else np.tile(_encode_labels(y, classes, X.shape[0]), n_views)
        student._fit_soft(views, soft, classes, temperature=temperature, hard=hard,
                          hard_label_weight=hard_label_weight, X_val=X_val,
                          teacher_val=val_outputs)
    else:
        student._one_dimensional = False
        student._fit_values(views, outputs, X_val, val_outputs)
    student.n_views_ = int(views.shape[0])
    student.teacher_kind_ = kind
    return student


def _encode_labels(y, classes, n_clips):
    """Class indices of ``y`` in ``classes``; -1 for unlabeled (None) entries."""
    y = np.asarray(y, dtype=object)
    if y.shape != (n_clips,):
        raise ValueError(f"y must hold one label per unlabeled clip ({n_clips}), "
                         f"got shape {y.shape}")
    known = np.array([label is not None for label in y])
    lookup = {label.item() if hasattr(label, "item") else label: i
              for i, label in enumerate(classes)}
    encoded = np.full(n_clips, -1, dtype=np.int64)
    for index in np.flatnonzero(known):
        label = y[index]
        if label not in lookup:
            raise ValueError(f"y[{index}] = {label!r} is not one of the teacher's classes "
                             f"{classes.tolist()}")
        encoded[index] = lookup[label]
    return encoded
