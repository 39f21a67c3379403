"""Giving freed memory back to the operating system."""

import ctypes
import ctypes.util
import functools

__all__ = ["release_freed_memory"]


@functools.cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc: musl, macOS, Windows
        return None


def release_freed_memory():
    """Ask glibc to return freed heap pages to the system (a no-op elsewhere).

    Tensors of ever-changing sizes (true-length batches) fragment glibc's heap: freed
    blocks are kept, and a process embedding a corpus grows by gigabytes. Trimming after
    each batch keeps the peak at one batch's worth.

    Returns
    -------
    bool
        Whether anything could be asked (glibc present).
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
