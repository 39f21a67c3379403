"""Small helpers shared by skser's modules."""

from ._progress import progress

__all__ = ["progress"]
