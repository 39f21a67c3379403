"""The paper's pipeline, assembled from skser's steps."""

import os

__all__ = ["make_ser_pipeline", "default_cache_dir"]

EMBEDDERS = ("weight-free", "distilhubert")
TASKS = ("categorical", "dimensional")


def default_cache_dir():
    """Where skser caches embeddings: ``$SKSER_CACHE``, else ``~/.cache/skser``."""
    return os.path.expanduser(os.environ.get("SKSER_CACHE", os.path.join("~", ".cache", "skser")))


def make_ser_pipeline(
    *,
    task="categorical",
    embedder="weight-free",
    model="ntu-spml/distilhubert",
    local_files_only=False,
    memory=None,
    augment=False,
    random_state=0,
    verbose=False,
    **head_params,
):
    """The paper's speech emotion pipeline as a scikit-learn ``Pipeline``.

    ``AudioLoader`` (file paths or waveforms) -> ``Trimmer(top_db=20)`` ->
    ``PreEmphasis(0.97)`` -> ``PeakNormalizer(0.95)`` -> [``WaveformAugmenter``] ->
    ``FixedDuration(8 s)`` -> embedder -> ``FocalLossClassifier``.

    With ``task="dimensional"`` the head is a ``CCCLossRegressor`` predicting arousal,
    valence and dominance (``y`` of shape ``(n_clips, 3)``, in that order).

    Parameters
    ----------
    task : {"categorical", "dimensional"}, default="categorical"
        Emotion categories (``FocalLossClassifier``) or dimensions
        (``CCCLossRegressor``).
    embedder : {"weight-free", "distilhubert"}, default="weight-free"
        ``AcousticEmbedder`` (nothing to download) or ``DistilHuBERTEmbedder`` (weights
        from the Hugging Face Hub or a local folder, see ``model``).
    model : str or os.PathLike, default="ntu-spml/distilhubert"
        The DistilHuBERT weights: a hub id or a folder.
    local_files_only : bool, default=False
        Never reach the network for the weights.
    memory : None, str or os.PathLike, default=None
        The embedder's per-clip cache folder (see ``default_cache_dir``): cross-validation
        then runs the encoder once per clip.
    augment : bool, default=False
        Add the paper's training-only ``WaveformAugmenter``. Off by default: augmented
        clips are new clips, so the encoder must run on them at every fit and the
        embedding cache cannot help.
    random_state : int, default=0
        Seeds the augmenter and the head.
    verbose : bool, default=False
        Progress bars for embedding.
    **head_params
        Parameters of the head (``FocalLossClassifier`` or ``CCCLossRegressor``).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline

    Examples
    --------
    >>> pipe = make_ser_pipeline()
    >>> [name for name, _ in pipe.steps]  # doctest: +NORMALIZE_WHITESPACE
    ['audioloader', 'trimmer', 'preemphasis', 'peaknormalizer', 'fixedduration',
     'acousticembedder', 'focallossclassifier']
    >>> make_ser_pipeline(task="dimensional").steps[-1][0]
    'ccclossregressor'
    """
    from sklearn.pipeline import make_pipeline

    from .classification import FocalLossClassifier
    from .embedding import AcousticEmbedder, DistilHuBERTEmbedder
    from .io import AudioLoader
    from .preprocessing import (
        FixedDuration,
        PeakNormalizer,
        PreEmphasis,
        Trimmer,
        WaveformAugmenter,
    )

    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if embedder == "weight-free":
        encoder = AcousticEmbedder(memory=memory, verbose=verbose)
    elif embedder == "distilhubert":
        encoder = DistilHuBERTEmbedder(
            model=model, local_files_only=local_files_only, memory=memory, verbose=verbose
        )
    else:
        raise ValueError(f"embedder must be one of {EMBEDDERS}, got {embedder!r}")
    steps = [AudioLoader(), Trimmer(top_db=20), PreEmphasis(coef=0.97), PeakNormalizer(peak=0.95)]
    if augment:
        steps.append(WaveformAugmenter(random_state=random_state))
    steps += [FixedDuration(duration=8.0), encoder]
    if task == "dimensional":
        from .regression import CCCLossRegressor

        steps.append(CCCLossRegressor(random_state=random_state, **head_params))
    else:
        steps.append(FocalLossClassifier(random_state=random_state, **head_params))
    return make_pipeline(*steps)
