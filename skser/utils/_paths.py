"""Paths given by users: ``~`` expanded once, the same way everywhere."""

import os
from pathlib import Path

__all__ = ["expand_path"]


def expand_path(path):
    """Return ``path`` as a :class:`pathlib.Path` with ``~`` and ``~user`` expanded.

    Every skser parameter that names a file or a folder goes through this, so
    ``memory="~/.cache/skser"`` means the home folder's cache and never a folder
    literally named ``~`` in the working directory.

    Parameters
    ----------
    path : str or os.PathLike
        A file or folder.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import os
    >>> expand_path("~/x") == Path(os.path.expanduser("~")) / "x"
    True
    >>> str(expand_path("relative/file.wav"))
    'relative/file.wav'
    """
    return Path(os.path.expanduser(os.fspath(path)))
