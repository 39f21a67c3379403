"""Model cards and the Hugging Face Hub: what a saved model is, and where it goes.

Every model skser saves carries a :class:`ModelCard` (task and labels, training data,
evaluations with their protocols, calibration, the data licence the user states).
:func:`save_pretrained` writes a model as a Hub repo folder (model file, ``README.md``
holding the card, ``config.json``), :func:`from_pretrained` reads one back from a folder
or the Hub, and :func:`push_to_hub` uploads it. ONNX folders load in the deployment
install.
"""

from ._card import ModelCard
from ._pretrained import from_pretrained, push_to_hub, read_card, save_pretrained

__all__ = ["ModelCard", "from_pretrained", "push_to_hub", "read_card", "save_pretrained"]
