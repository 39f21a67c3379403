"""The shared base of skser's stateless waveform transformers."""

from sklearn.base import BaseEstimator, TransformerMixin

from ..io import clip_lengths
from ..utils import WaveformOutputMixin, check_params, validate_waveforms


class WaveformTransformer(WaveformOutputMixin, TransformerMixin, BaseEstimator):
    """Base of transformers that map each clip on its own and learn nothing.

    Subclasses implement ``_transform_batch(X, lengths)``; this class validates parameters
    and input, so ``transform`` works unfitted (``requires_fit=False``) and every subclass
    refuses bad input the same way.
    """

    _parameter_constraints: dict = {}

    def _check_params(self):
        """Validate the parameters (subclasses add checks constraints cannot state)."""
        check_params(self)

    def fit(self, X, y=None):
        """Check the parameters and the batch; nothing is learnt.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
            The clips.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._check_params()
        validate_waveforms(self, X, reset=True)
        return self

    def transform(self, X):
        """Apply the transform to each clip at its true length.

        Parameters
        ----------
        X : array-like [shape=(n_clips, n_samples)] or list of 1-D arrays
            The clips.

        Returns
        -------
        X_out : np.ndarray [shape=(n_clips, n_samples_out), dtype=float32]
        """
        self._check_params()
        X = validate_waveforms(self, X, reset=False)
        return self._transform_batch(X, clip_lengths(X))

    def _transform_batch(self, X, lengths):
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
