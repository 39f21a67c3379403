"""Numeric constants shared by the estimators and their ONNX graphs."""

import numpy as np

__all__ = ["SMALLEST_NORMAL"]

# The smallest normal float32: a peak or a norm below it is treated as silence, in numpy
# (PeakNormalizer) and in the exported graph alike.
SMALLEST_NORMAL = float(np.finfo(np.float32).tiny)
