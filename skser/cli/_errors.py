"""Turning every failure of a command into one line on stderr and exit status 2."""

import os
import sys

from ..exceptions import SkserError
from ._outputs import check_outputs

# The optional modules skser imports on demand, and the extra that installs each.
EXTRAS = {
    "onnx": "onnx",
    "onnxruntime": "onnx",
    "skl2onnx": "onnx",
    "matplotlib": "plot",
    "pandas": "frame",
    "dask": "dask",
    "distributed": "dask",
    "pyarrow": "corpus",
    "silero_vad": "vad",
    "opensmile": "benchmark",
    "psutil": "benchmark",
}
EXIT_ERROR = 2
DEBUG_VARIABLE = "SKSER_DEBUG"


def missing_dependency_message(exc):
    """One line naming the missing package and the skser extra that installs it."""
    module = (getattr(exc, "name", None) or "").split(".")[0]
    extra = EXTRAS.get(module)
    if extra is None:
        return f"a package skser needs is missing: {exc}"
    return f"this needs the optional package {module!r}: pip install \"skser[{extra}]\""


def error_message(exc):
    """The one line the command prints for ``exc``."""
    if isinstance(exc, ImportError):
        return missing_dependency_message(exc)
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, SkserError | OSError | ValueError | TypeError | ArithmeticError):
        return text
    if isinstance(exc, MemoryError):  # a size the user chose, not a bug
        return (f"out of memory ({text}): the data or the options ask for more than this "
                "machine holds; use fewer or shorter clips, or smaller numbers")
    return (f"{type(exc).__name__}: {text} (set {DEBUG_VARIABLE}=1 for the traceback; "
            "this is a bug in skser if the input was valid)")


def run_command(run, args):
    """Run a sub-command; any exception becomes one line on stderr and status 2.

    ``SKSER_DEBUG=1`` lets the exception through, traceback and all.
    """
    try:
        check_outputs(args)
        return run(args)
    except KeyboardInterrupt:
        print("skser: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get(DEBUG_VARIABLE):
            raise
        print(f"skser: error: {error_message(exc)}", file=sys.stderr)
        return EXIT_ERROR
