"""The paper's pipeline, assembled from skser's steps."""

import os

__all__ = ["make_ser_pipeline", "default_cache_dir", "noise_augmenter"]

# make_ser_pipeline's embedders, and the CLI's --embedder choices; "ssl" is SSLEmbedder
# (wav2vec2, HuBERT, WavLM, data2vec-audio, the Whisper encoder).
EMBEDDERS = ("weight-free", "distilhubert", "ssl")
PIPELINE_EMBEDDERS = EMBEDDERS
TASKS = ("categorical", "dimensional")
AUGMENTATIONS = ("paper", "noise")
# Kaldi's speed perturbation factors (not tuned here; see bench_default_search).
DEFAULT_SPEEDS = (0.9, 1.1)
# The weight-free categorical pipeline's channel views: chosen for phone calls, not for
# clean speech (bench_robustness.py; bench_default_search.py's "studio" is without them).
DEFAULT_CHANNELS = ("telephone",)
# The Trimmer's: in steady noise, also trim the ends within 6 dB of the noise floor (the
# paper's top-dB trimming keeps every second of noise around the speech).
NOISE_MARGIN_DB = 6.0


def default_cache_dir():
    """Where skser caches embeddings: ``$SKSER_CACHE``, else ``~/.cache/skser``.

    An empty or blank ``SKSER_CACHE`` counts as unset (as an empty ``XDG_CACHE_HOME``
    does); ``~`` is expanded.
    """
    folder = os.environ.get("SKSER_CACHE", "").strip() or os.path.join("~", ".cache", "skser")
    return os.path.expanduser(folder)


def noise_augmenter(random_state=None):
    """The noise-aware ``WaveformAugmenter`` of ``make_ser_pipeline(augment="noise")``.

    Noise on every other clip: white (half the time) or babble of 4 other training clips,
    at 5-40 dB SNR against the clip's speech; a synthetic room (RT60 0.2-0.8 s) on a
    quarter of the clips and a band-pass channel (lower edge 150-400 Hz, upper 2.8-4.5
    kHz, as a telephone's) on another quarter; pitch shifts of up to 2 semitones and
    polarity inversion as in the paper; no gain (the ``PeakNormalizer`` undoes it).

    Examples
    --------
    >>> augmenter = noise_augmenter(random_state=0)
    >>> augmenter.snr_db, augmenter.reverb_p, augmenter.band_p
    ((5.0, 40.0), 0.25, 0.25)
    """
    from .preprocessing import WaveformAugmenter

    return WaveformAugmenter(
        gain_p=0.0, noise_p=0.5, snr_db=(5.0, 40.0), babble_p=0.5, babble_talkers=4,
        reverb_p=0.25, band_p=0.25, random_state=random_state,
    )


def make_ser_pipeline(
    *,
    task="categorical",
    embedder="weight-free",
    model=None,
    local_files_only=False,
    memory=None,
    augment=False,
    speeds="auto",
    channels="auto",
    random_state=0,
    verbose=False,
    **head_params,
):
    """The paper's speech emotion pipeline as a scikit-learn ``Pipeline``.

    Read more in the :ref:`User Guide <head>`.

    ``AudioLoader`` (file paths or waveforms) -> ``Trimmer(top_db=20, noise_margin_db=6)`` ->
    ``PreEmphasis(0.97)`` -> ``PeakNormalizer(0.95)`` -> [``WaveformAugmenter``] ->
    ``FixedDuration(8 s)`` -> embedder -> ``FocalLossClassifier``, with a training-only
    ``WaveformAugmenter`` where ``augment`` says.

    With ``task="dimensional"`` the head is a ``CCCLossRegressor`` predicting arousal,
    valence and dominance (``y`` of shape ``(n_clips, 3)``, in that order).

    Parameters
    ----------
    task : {"categorical", "dimensional"}, default="categorical"
        Emotion categories (``FocalLossClassifier``) or dimensions
        (``CCCLossRegressor``).
    embedder : {"weight-free", "distilhubert", "ssl"}, default="weight-free"
        ``AcousticEmbedder`` (nothing to download; for emotion categories with its
        spectral dynamics, ``dynamics=True``), ``DistilHuBERTEmbedder`` or
        ``SSLEmbedder`` (a frozen wav2vec2, HuBERT, WavLM, data2vec-audio or Whisper
        encoder, all its hidden states mixed; weights from the Hugging Face Hub or a
        local folder, see ``model``).
    model : str, os.PathLike or None, default=None
        The encoder's weights: a hub id or a folder. None is the embedder's default:
        ``"ntu-spml/distilhubert"``, or ``"microsoft/wavlm-base-plus"`` for ``"ssl"``.
    local_files_only : bool, default=False
        Never reach the network for the weights.
    memory : None, str or os.PathLike, default=None
        The embedder's per-clip cache folder (see ``default_cache_dir``): cross-validation
        then runs the encoder once per clip.
    augment : bool or {"paper", "noise"}, default=False
        Add a training-only ``WaveformAugmenter``: ``"paper"`` (or True) is the paper's,
        after the ``PeakNormalizer`` (gain, Gaussian noise of a fixed amplitude, pitch
        shift, polarity); ``"noise"`` is noise-aware and comes first, where real noise
        enters: white noise or babble of other training clips at 5-40 dB SNR against each
        clip's speech, a synthetic room or a telephone-like band on some clips, before
        trimming and pre-emphasis, plus the pitch shift and polarity (see
        ``noise_augmenter``). Augmented clips are new clips, so the encoder runs on them
        at every fit and the embedding cache cannot help.
    speeds : "auto" or tuple of float, default="auto"
        Speed perturbation of the weight-free embedder: each clip is also embedded at
        these speeds (``AcousticEmbedder(speeds=...)``) and the classifier trains on
        every view and averages its verdict over them (``FocalLossClassifier(n_views=)``).
        ``"auto"`` is ``(0.9, 1.1)`` for the categorical task with the weight-free
        embedder (3 points of UA on unseen speakers, at three times the embedding cost:
        see ``benchmarks/bench_default_search.py``) and ``()`` otherwise; ``()`` embeds
        each clip once.
    channels : "auto" or tuple of {"telephone"}, default="auto"
        Channel views of the weight-free embedder: each clip is also embedded as heard
        through these channels (``AcousticEmbedder(channels=...)``), one more view each,
        which the classifier trains on and averages over like the speeds. ``"auto"`` is
        ``("telephone",)`` for the categorical task with the weight-free embedder (a
        telephone line: without it, phone calls collapse onto one class; with it they
        come within 5 points of clean speech, ``benchmarks/bench_robustness.py``; on clean
        speech it costs about 3 points of leave-one-speaker-out UA within a group of
        speakers (one group of four gains 1.4) and nothing trained on one group and
        tested on another,
        ``bench_default_search.py``'s ``studio``) and ``()`` otherwise; ``()`` is the
        former default, for studio recordings.
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
    from .embedding import AcousticEmbedder, DistilHuBERTEmbedder, SSLEmbedder
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
    speeds = _speeds(speeds, task, embedder)
    channels = _channels(channels, task, embedder)
    views = 1 + len(speeds) + len(channels)
    if embedder == "weight-free":
        # The noise removal costs valence (bench_dimensional): off for dimensions. The
        # spectral dynamics were measured for categories only (bench_default_search).
        categorical = task == "categorical"
        encoder = AcousticEmbedder(denoise=categorical, dynamics=categorical, speeds=speeds,
                                   channels=channels, memory=memory, verbose=verbose)
    elif embedder in ("distilhubert", "ssl"):
        weights = {} if model is None else {"model": model}
        kind = DistilHuBERTEmbedder if embedder == "distilhubert" else SSLEmbedder
        encoder = kind(**weights, local_files_only=local_files_only, memory=memory,
                       verbose=verbose)
    else:
        raise ValueError(f"embedder must be one of {PIPELINE_EMBEDDERS}, got {embedder!r}")
    if augment not in (False, True, *AUGMENTATIONS):
        raise ValueError(f"augment must be a bool or one of {AUGMENTATIONS}, got {augment!r}")
    steps = [AudioLoader()]
    if augment == "noise":
        steps.append(noise_augmenter(random_state=random_state))
    steps += [Trimmer(top_db=20, noise_margin_db=NOISE_MARGIN_DB), PreEmphasis(coef=0.97),
              PeakNormalizer(peak=0.95)]
    if augment is True or augment == "paper":
        steps.append(WaveformAugmenter(random_state=random_state))
    steps += [FixedDuration(duration=8.0), encoder]
    if task == "dimensional":
        from .regression import CCCLossRegressor

        steps.append(CCCLossRegressor(random_state=random_state, **head_params))
    else:
        n_views = head_params.setdefault("n_views", views)
        if n_views != views:
            raise ValueError(
                f"n_views={n_views!r} does not match speeds={speeds!r} and channels="
                f"{channels!r}: the embedder gives {views} views of each clip (the clip as "
                "given, then one per speed and per channel); leave n_views out, it follows "
                "them"
            )
        steps.append(FocalLossClassifier(random_state=random_state, **head_params))
    return make_pipeline(*steps)


def _channels(channels, task, embedder):
    """``make_ser_pipeline``'s ``channels`` as a tuple: ``"auto"`` resolved, others checked."""
    from .embedding._channel_view import check_channel_views

    return _views(channels, "channels", "channel views", DEFAULT_CHANNELS, check_channel_views,
                  task, embedder)


def _speeds(speeds, task, embedder):
    """``make_ser_pipeline``'s ``speeds`` as a tuple: ``"auto"`` resolved, others checked."""
    from .embedding._speed import check_speeds

    if isinstance(speeds, str) and speeds != "auto":
        raise ValueError(f'speeds must be "auto" or a tuple of floats, got {speeds!r}')
    return _views(speeds, "speeds", "speeds", DEFAULT_SPEEDS, check_speeds, task, embedder,
                  " (--speeds none or auto)")


def _views(value, name, views, default, check, task, embedder, hint=""):
    """The embedder's extra views ``name`` as a tuple: ``"auto"`` is ``default`` for the
    weight-free categorical pipeline and none otherwise; views given are checked by
    ``check`` and refused for any other pipeline."""
    auto = task == "categorical" and embedder == "weight-free"
    if isinstance(value, str) and value == "auto":
        return default if auto else ()
    value = tuple(check(value))
    if value and not auto:
        raise ValueError(
            f"{views} are built for the categorical task with the weight-free embedder, got "
            f"task={task!r}, embedder={embedder!r}: pass {name}=() or 'auto'{hint}"
        )
    return value
