"""Small helpers shared by skser's modules."""

from ._paths import expand_path
from ._progress import progress

__all__ = ["expand_path", "progress"]
