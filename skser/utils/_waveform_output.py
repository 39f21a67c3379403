"""``set_output`` for steps whose output is a waveform batch, not named features."""

__all__ = ["WaveformOutputMixin"]

_CONTAINERS = ("default", "pandas", "polars")


class WaveformOutputMixin:
    """Accept scikit-learn's ``set_output`` and keep returning a waveform batch.

    ``Pipeline.set_output(transform="pandas")`` configures every step. A waveform batch
    (one row per clip, one column per sample, zero-padded) has no feature names, so the
    waveform steps keep returning numpy arrays whatever the setting; the steps that give
    named features (the embedders, :class:`~skser.preprocessing.SpeakerNormalizer`) return
    the configured container.
    """

    def set_output(self, *, transform=None):
        """Accept the output container setting; waveform batches stay numpy arrays.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            The container scikit-learn asks for. It is checked and recorded (``None``
            leaves the setting unchanged); the output is a waveform batch either way.

        Returns
        -------
        self : estimator instance
        """
        if transform is None:
            return self
        if transform not in _CONTAINERS:
            raise ValueError(
                f"set_output(transform={transform!r}): expected one of {_CONTAINERS} or None"
            )
        self._sklearn_output_config = {"transform": transform}
        return self
