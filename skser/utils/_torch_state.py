"""Fitted torch estimators as plain data: pickles and skops files without torch objects.

skops (``skops.io``, the model format scikit-learn recommends for files from others)
refuses torch modules. :class:`TorchStateMixin` pickles an estimator's ``module_`` as its
architecture (plain Python) and its weights (NumPy arrays), and rebuilds it on load;
:func:`skops_trusted_types` lists the skser types a skops file of a skser model holds.
"""

import numpy as np
import torch

__all__ = ["TorchStateMixin", "skops_trusted_types"]

# Every public skser estimator, as skops names it (module.qualname); tests check the list
# against the public API and against skops' own report on fitted pipelines.
_TRUSTED = (
    "skser.classification._classifier.FocalLossClassifier",
    "skser.distillation._student.Wav2SmallClassifier",
    "skser.distillation._student.Wav2SmallRegressor",
    "skser.distillation._student.Wav2SmallStudent",
    "skser.embedding._acoustic.AcousticEmbedder",
    "skser.embedding._distilhubert.DistilHuBERTEmbedder",
    "skser.embedding._ssl.SSLEmbedder",
    "skser.io._loader.AudioLoader",
    "skser.preprocessing._augment.WaveformAugmenter",
    "skser.preprocessing._base.WaveformTransformer",
    "skser.preprocessing._copies.NoisyCopies",
    "skser.preprocessing._duration.FixedDuration",
    "skser.preprocessing._emphasis.PreEmphasis",
    "skser.preprocessing._normalize.PeakNormalizer",
    "skser.preprocessing._speaker.SpeakerNormalizer",
    "skser.preprocessing._trim.Trimmer",
    "skser.regression._regressor.CCCLossRegressor",
)


def skops_trusted_types():
    """The skser types a skops file of a skser model may hold, to pass as ``trusted``.

    skops loads only the types it is told to trust; scikit-learn's and NumPy's it trusts
    by default. These are skser's estimators, whose fitted state is plain Python and NumPy
    arrays (their torch modules are stored as weights, see :class:`TorchStateMixin`).
    Check a file from someone else with ``skops.io.get_untrusted_types`` first: anything
    it names beyond this list deserves a look.

    Returns
    -------
    types : list of str
        Fully qualified names, as ``skops.io.get_untrusted_types`` gives them.

    Examples
    --------
    >>> import skops.io as sio  # doctest: +SKIP
    >>> sio.dump(fitted_pipeline, "model.skops")  # doctest: +SKIP
    >>> model = sio.load("model.skops", trusted=skops_trusted_types())  # doctest: +SKIP
    """
    return list(_TRUSTED)


class TorchStateMixin:
    """Pickle ``module_`` as its architecture and its weights; rebuild it on load.

    The estimator's state (``__getstate__``, what pickle, joblib and skops store) holds
    ``_module_config`` (plain Python) and ``_module_weights`` (``state_dict`` as NumPy
    arrays) in place of the torch ``module_``; ``__setstate__`` rebuilds ``module_`` on
    the CPU, in eval mode, with the same weights bit for bit. Building the module does not
    touch torch's global random state. A pickle written before this mixin (holding the
    module itself) loads as it is.

    Subclasses implement ``_module_config(module)`` (plain Python) and
    ``_module_from_config(config)`` (a module of that architecture, any weights); the
    latter runs after the rest of the state is restored, so it may read ``self``.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())
        module = state.pop("module_", None)
        if module is not None:
            state["_module_config"] = self._module_config(module)
            state["_module_weights"] = {
                name: tensor.detach().cpu().numpy().copy()
                for name, tensor in module.state_dict().items()
            }
        return state

    def __setstate__(self, state):
        state = dict(state)
        weights = state.pop("_module_weights", None)
        config = state.pop("_module_config", None)
        super().__setstate__(state)
        if weights is not None:
            with torch.random.fork_rng(devices=[]):
                module = self._module_from_config(config)
            module.load_state_dict({name: torch.tensor(np.asarray(value))
                                    for name, value in weights.items()})
            self.module_ = module.eval()
