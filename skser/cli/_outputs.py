"""Output paths checked before a command does its work, not after."""

import os

from ..utils import expand_path

REPORT_SUFFIXES = (".md", ".html", ".htm")
PICTURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")
# Commands whose --out is a folder they fill, not a file.
FOLDER_OUTPUTS = ("demo", "embed")


def check_output(path, option, *, folder=False, suffixes=None, refused_suffixes=()):
    """Refuse an output path that the command could not write once its work is done.

    The path is expanded (``~``). It must not be empty. A file output must not be a folder,
    must end in one of ``suffixes`` when given and in none of ``refused_suffixes``; a
    folder output must not be a file. The nearest existing parent must be a writable
    folder (missing ones are created when the command writes).

    Examples
    --------
    >>> check_output("report.txt", "--report", suffixes=(".md", ".html"))
    Traceback (most recent call last):
    ...
    ValueError: --report must end in .md or .html, got report.txt
    """
    if not str(path).strip():
        raise ValueError(f"{option} is empty: give the path to write")
    path = expand_path(path)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise ValueError(f"{option} must end in {' or '.join(suffixes)}, got {path}")
    if path.suffix.lower() in refused_suffixes:
        raise ValueError(
            f"{option} {path}: this command writes a joblib pickle, not a "
            f"{path.suffix.lower()} file (use .joblib)"
        )
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


# What each command's --out must (or must not) end in: what it writes.
OUT_SUFFIXES = {"export": (".onnx",), "enroll": (".json",)}
PICKLE_OUTPUTS = ("train", "distill")
# What a pickle output must not end in: another command's format.
PICKLE_REFUSED = (".onnx", ".json")
# Parsed arguments that name files or folders a command reads.
INPUT_OPTIONS = {
    "model": "MODEL", "teacher": "TEACHER", "file": "FILE", "files": "FILES",
    "unlabeled": "--unlabeled", "calibration": "--calibration", "speakers": "--speakers",
    "speaker_stats": "--speaker-stats", "features": "--features", "root": "--root",
    "data": "--data", "extra_train_data": "--extra-train-data", "label_map": "--label-map",
    "validation": "--validation", "extra_root": "--extra-root",
}


def input_paths(args):
    """``(option, resolved path)`` of every file or folder the parsed ``args`` read."""
    found = []
    for name, option in INPUT_OPTIONS.items():
        value = getattr(args, name, None)
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if isinstance(item, str | os.PathLike) and str(item).strip():
                found.append((option, os.path.realpath(expand_path(item))))
    return found


def check_not_an_input(path, option, inputs):
    """Refuse an output that resolves to a file or folder the command reads."""
    resolved = os.path.realpath(path)
    for input_option, input_path in inputs:
        if resolved == input_path:
            raise ValueError(
                f"{option} {path} is also {input_option}: writing it would replace what "
                "this command reads; give another path"
            )


def check_outputs(args):
    """``check_output`` on every output option of the parsed ``args``."""
    command = getattr(args, "command", None)
    inputs = input_paths(args)
    outputs = []
    if getattr(args, "out", None) is not None:
        outputs.append(("--out", check_output(
            args.out, "--out", folder=command in FOLDER_OUTPUTS,
            suffixes=OUT_SUFFIXES.get(command),
            refused_suffixes=PICKLE_REFUSED if command in PICKLE_OUTPUTS else (),
        )))
    if getattr(args, "save", None) is not None:  # evaluate --save: a pickle, as train --out
        outputs.append(("--save", check_output(args.save, "--save",
                                               refused_suffixes=PICKLE_REFUSED)))
    if getattr(args, "report", None) is not None:
        outputs.append(("--report", check_output(args.report, "--report",
                                                 suffixes=REPORT_SUFFIXES)))
    if getattr(args, "plot", None) is not None:
        outputs.append(("--plot", check_output(args.plot, "--plot", suffixes=PICTURE_SUFFIXES)))
    written = {}
    for option, path in outputs:
        check_not_an_input(path, option, inputs)
        other = written.setdefault(os.path.realpath(path), option)
        if other != option:
            raise ValueError(f"{option} {path} is also {other}: one would be written over "
                             "the other; give another path")
