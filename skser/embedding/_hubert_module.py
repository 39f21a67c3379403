"""A HuBERT encoder that pools each clip over its true frames only."""

from ._ssl_module import PooledSSL

__all__ = ["PooledHubert"]


class PooledHubert(PooledSSL):
    """Run a Hugging Face ``HubertModel`` on a padded batch and pool over true frames.

    :class:`PooledSSL` for HuBERT, under the name ``DistilHuBERTEmbedder`` always used
    (modules pickled with it load back). See :class:`PooledSSL` for how a clip's output
    stays independent of its batch and its padding.

    Parameters
    ----------
    model : transformers.HubertModel
        The encoder; only its modules are used (no copy).
    layers : list of int
        Hidden states to pool, indices into ``(encoder input, layer 1, ..., layer L)``.
    pooling : {"mean", "mean+std"}
        The statistics of each hidden state, concatenated in ``layers`` order.
    normalize : bool
        Zero-mean, unit-variance each clip over its true length first (the model's
        feature extractor ``do_normalize``).
    weights : list of float, optional
        Pool one weighted sum of the ``layers`` (one weight each) instead of each layer.
    """
