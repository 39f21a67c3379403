"""Output paths checked before a command does its work, not after."""

import os

from ..utils import expand_path

REPORT_SUFFIXES = (".md", ".html", ".htm")
PICTURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")
# Commands whose --out is a folder they fill, not a file.
FOLDER_OUTPUTS = ("demo", "embed")


def check_output(path, option, *, folder=False, suffixes=None):
    """Refuse an output path that the command could not write once its work is done.

    The path is expanded (``~``). A file output must not be a folder and must end in one
    of ``suffixes`` when given; a folder output must not be a file. The nearest existing
    parent must be a writable folder (missing ones are created when the command writes).

    Examples
    --------
    >>> check_output("report.txt", "--report", suffixes=(".md", ".html"))
    Traceback (most recent call last):
    ...
    ValueError: --report must end in .md or .html, got report.txt
    """
    path = expand_path(path)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise ValueError(f"{option} must end in {' or '.join(suffixes)}, got {path}")
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path} is a file, not a folder")
    if not folder and path.is_dir():
        raise ValueError(f"{option} {path} is a folder: give the file to write")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{option} {path} cannot be written: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path} cannot be written: {parent} is not writable")
    return path


def check_outputs(args):
    """``check_output`` on every output option of the parsed ``args``."""
    command = getattr(args, "command", None)
    if getattr(args, "out", None):
        check_output(args.out, "--out", folder=command in FOLDER_OUTPUTS)
    if getattr(args, "report", None):
        check_output(args.report, "--report", suffixes=REPORT_SUFFIXES)
    if getattr(args, "plot", None):
        check_output(args.plot, "--plot", suffixes=PICTURE_SUFFIXES)
