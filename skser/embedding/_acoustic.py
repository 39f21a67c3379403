"""AcousticEmbedder: prosodic and spectral statistics, with no pretrained weights."""

import hashlib
import math
from numbers import Integral, Real

import torch

from ..utils import Interval, StrOptions
from ._acoustic_module import AcousticFeatures, acoustic_feature_names
from ._base import ClipEmbedder, memory_constraint
from ._channel_view import check_channel_views
from ._speed import SpeedViews, check_speeds

__all__ = ["AcousticEmbedder"]


class AcousticEmbedder(ClipEmbedder):
    """Embed clips as prosodic and spectral statistics: nothing to download.

    The weight-free embedder skser uses by default until it is pointed at DistilHuBERT
    weights. It computes, over each clip's true length, statistics of loudness (level,
    spread, percentiles, slope, flux, pauses), pitch (f0 level, spread and slope in
    semitones, their frame-to-frame change, voiced fraction, harmonics-to-noise ratio,
    level change between voiced frames), MFCCs 1-12 with
    deltas (also over voiced frames alone), 40 log-mel bands, spectral slope, alpha ratio,
    Hammarberg index, centroid and flux, rhythm (the loudness envelope's modulation in the
    syllable band) and the duration: 171 named features (see ``get_feature_names_out``),
    in the spirit of eGeMAPS. The spectra are first cleaned of each clip's own steady
    noise (see :class:`AcousticFeatures`), so a noise floor or a hiss moves the features
    little. The computation is one torch module (:class:`AcousticFeatures`) of
    convolutions and matrix products, so it runs fast on one core and exports to ONNX.

    Parameters
    ----------
    n_mels : int >= 8, default=40
        Mel bands of the log-mel statistics and the MFCCs.
    f0_min : float > 0, default=60.0
        Lowest pitch searched, in Hz.
    f0_max : float > 0, default=500.0
        Highest pitch searched, in Hz.
    denoise : bool or "both", default=True
        Clean each clip's spectra of its own steady noise before computing features
        (robust to a hiss or a noise floor). It costs some information of clean speech:
        the weak bands it floors carry valence, so ``make_ser_pipeline(task="dimensional")``
        turns it off (see :ref:`dimensional`). ``"both"`` gives both: the
        171 features of the cleaned spectra, then the 171 of the spectra as recorded
        (``raw_loudness_mean``...), 342 in all (502 with ``dynamics``): more accurate on
        clean studio speech without the dynamics, no more so with them, and fragile
        under any noise (see ``benchmarks/bench_default_search.py``).
    dynamics : bool, default=False
        Add 80 features of how the spectrum moves (251 per view): for each of 8 groups of
        adjacent mel bands, the share of its envelope's modulation in 0.5-2, 2-4, 4-8,
        8-16 and 16-50 Hz (``modulation0_0.5-2hz``...), and the spread of each log-mel
        band's delta (``logmel0_delta_std``...). ``make_ser_pipeline()`` turns it on for
        emotion categories: 3.9 points of UA on unseen RAVDESS speakers and 1.2 on EmoDB
        (mean of two seeds), and steadier under a noise floor (see
        ``benchmarks/bench_default_search.py``).
    speeds : tuple of float, default=()
        Also embed each clip played at these speeds (speed perturbation: 0.9 is 10% slower
        and lower, see :func:`~skser.embedding.speed_ratio`): the output is then ``1 +
        len(speeds)`` blocks of the 171 (or 251, 342, 502) features, the clip as given
        first, the others named ``speed0.9_loudness_mean``... Each view is resampled inside
        the torch module (scipy's polyphase filter, as a convolution), so it exports to ONNX
        too. A head given ``n_views=1 + len(speeds) + len(channels)``
        (``FocalLossClassifier``) trains on every view and averages its verdict over them:
        the default pipeline's ``(0.9, 1.1)`` (see ``benchmarks/bench_default_search.py``).
    channels : tuple of {"telephone"}, default=()
        Also embed each clip as heard through these channels, after the speeds' blocks
        (``telephone_loudness_mean``...): ``"telephone"`` is a narrow-band line, the
        300-3400 Hz band and G.711 mu-law (:class:`~skser.embedding.TelephoneChannel`, a
        torch module, so it exports to ONNX too). A head trained on every view then hears
        each training clip on a phone line as well, and averages its verdict over the
        views of a clip (see :ref:`recording_conditions`).
    batch_size : int >= 1, default=32
        Clips per forward pass (batched with clips of similar lengths).
    device : str, default="cpu"
        Torch device.
    memory : None, str, os.PathLike or joblib.Memory, default=None
        A folder in which each clip's features are stored, keyed by its samples and the
        options; repeated transforms of the same clips are then read back.
    short_clips : {"error", "pad"}, default="error"
        What to do with clips shorter than 640 samples (40 ms, one pitch window): raise a
        ValueError naming them, or pad them with zeros to 640 samples.
    verbose : bool, default=False
        Show a progress bar.

    Attributes
    ----------
    module_ : AcousticFeatures
        The torch module computing the features.
    feature_names_out_ : np.ndarray of str
        The 171 feature names (251 with ``dynamics``, twice as many with
        ``denoise="both"``), times ``1 + len(speeds) + len(channels)``.
    fingerprint_ : str
        A hash of the options, ``FEATURE_VERSION`` and skser's version (the cache
        namespace).
    n_features_in_ : int
        Width of the batch seen in ``fit`` (informative, not enforced).

    Examples
    --------
    >>> from skser.datasets import make_emotional_speech
    >>> X, y, groups = make_emotional_speech(n_speakers=2, n_clips_per_class=1, random_state=0)
    >>> embedder = AcousticEmbedder().fit(X)
    >>> features = embedder.transform(X)
    >>> features.shape, features.dtype
    ((8, 171), dtype('float32'))
    >>> embedder.get_feature_names_out()[:3].tolist()
    ['loudness_mean', 'loudness_std', 'loudness_p10']
    >>> fast = AcousticEmbedder(speeds=(0.9, 1.1)).fit(X)
    >>> fast.transform(X).shape, fast.get_feature_names_out()[171]
    ((8, 513), 'speed0.9_loudness_mean')
    >>> phone = AcousticEmbedder(channels=("telephone",)).fit(X)
    >>> phone.transform(X).shape, phone.get_feature_names_out()[171]
    ((8, 342), 'telephone_loudness_mean')
    >>> both = AcousticEmbedder(denoise="both").fit(X)
    >>> both.transform(X).shape, both.get_feature_names_out()[171]
    ((8, 342), 'raw_loudness_mean')
    >>> dynamic = AcousticEmbedder(dynamics=True).fit(X)
    >>> dynamic.transform(X).shape, dynamic.get_feature_names_out()[171]
    ((8, 251), 'modulation0_0.5-2hz')
    """

    FEATURE_VERSION = 2

    _parameter_constraints: dict = {
        "n_mels": [Interval(Integral, 8, 128, closed="both")],
        "f0_min": [Interval(Real, 0, None, closed="neither")],
        "f0_max": [Interval(Real, 0, None, closed="neither")],
        "denoise": ["boolean", StrOptions({"both"})],
        "dynamics": ["boolean"],
        "speeds": ["array-like"],
        "channels": ["array-like"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "memory": memory_constraint(),
        "short_clips": [StrOptions({"error", "pad"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_mels=40,
        f0_min=60.0,
        f0_max=500.0,
        denoise=True,
        dynamics=False,
        speeds=(),
        channels=(),
        batch_size=32,
        device="cpu",
        memory=None,
        short_clips="error",
        verbose=False,
    ):
        self.n_mels = n_mels
        self.f0_min = f0_min
        self.f0_max = f0_max
        self.denoise = denoise
        self.dynamics = dynamics
        self.speeds = speeds
        self.channels = channels
        self.batch_size = batch_size
        self.device = device
        self.memory = memory
        self.short_clips = short_clips
        self.verbose = verbose

    @property
    def min_samples(self):
        """640 samples (one pitch window), more where a faster view would be shorter."""
        fastest = max([1.0, *self._speeds()])
        return math.ceil(AcousticFeatures.min_samples * fastest)

    def _speeds(self):
        return check_speeds(self.speeds)

    def _build(self):
        speeds = self._speeds()
        channels = check_channel_views(self.channels)
        if not 20 <= self.f0_min < self.f0_max <= 2000:
            raise ValueError(
                f"need 20 <= f0_min < f0_max <= 2000 Hz, got f0_min={self.f0_min}, "
                f"f0_max={self.f0_max}"
            )
        module = AcousticFeatures(n_mels=self.n_mels, f0_min=self.f0_min, f0_max=self.f0_max,
                                  denoise=self.denoise, dynamics=self.dynamics)
        names = acoustic_feature_names(n_mels=self.n_mels, denoise=self.denoise,
                                       dynamics=self.dynamics)
        both = isinstance(self.denoise, str)
        options = (type(self).__name__, self.n_mels, float(self.f0_min), float(self.f0_max),
                   self.denoise if both else bool(self.denoise))
        if self.dynamics:  # (the keys of the features without them stay as they were)
            options += ("dynamics",)
        if speeds or channels:
            module = SpeedViews(module, speeds, channels)
            names = names + [f"{view}_{name}" for view in
                             [f"speed{speed:g}" for speed in speeds] + channels
                             for name in names]
            options += (tuple(speeds),)
        if channels:  # (the keys of the features without them stay as they were)
            options += (("channels", *channels),)
        fingerprint = hashlib.blake2b(repr(options).encode(), digest_size=16).hexdigest()
        return module, names, fingerprint
