"""``skser predict``: label audio files (or give their dimensions) with a saved model."""

import json
import os
import sys

import numpy as np

from ..utils import task_of
from ._options import check_min_confidence_option, model_help
from ._shared import dimensions_of, load_model, predictions, printable

__all__ = ["add_parser", "run"]


def add_parser(commands):
    """Add ``predict`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser("predict", help="label audio files with a saved model")
    command.add_argument("model", help=model_help())
    command.add_argument("files", nargs="+", help="audio files")
    command.add_argument("--json", action="store_true", help="JSON instead of lines")
    command.add_argument("--speakers", help="CSV with columns path,speaker (speaker-adapted "
                         "model): each speaker standardised by their enrolled or own clips")
    command.add_argument("--speaker-stats", help="enrolled speakers' statistics (.json)")
    command.add_argument("--min-confidence", type=float, metavar="P",
                         help="label a clip 'uncertain' where its top probability is under "
                              "P (0-1) instead of forcing a class")
    command.set_defaults(run=run)
    return command


def run(args):
    """One line (or JSON record) per file. A file the model cannot take is named on
    stderr and makes the exit status 1; the other files still get theirs."""
    check_min_confidence_option(args)  # before the model is loaded
    model = load_model(args.model)
    task = task_of(model)
    outputs, files, failed = predictions(model, args.files, args, method=task.method)
    if task.is_dimensional:
        if args.min_confidence is not None:
            raise ValueError("--min-confidence is for classifiers: a dimensional model has "
                             "no class probabilities")
        rows, lines = _dimensions(model, np.asarray(outputs, dtype=float), files)
    else:
        rows, lines = _classes(model, np.asarray(outputs, dtype=float), files,
                               args.min_confidence)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for line in lines:
            print(line)
    for file, message in failed.items():
        print(f"skser: error: {file}: {message}", file=sys.stderr)
    return 1 if failed else 0


def _classes(model, probabilities, files, min_confidence=None):
    """Each file's label and class probabilities: JSON records and text lines; a label
    under ``min_confidence`` is "uncertain"."""
    from ..utils import abstain, check_min_confidence

    classes = np.asarray(model.classes_)
    labels = classes[probabilities.argmax(axis=1)] if len(files) else []
    if min_confidence is not None:
        check_min_confidence(min_confidence)
        labels = abstain(probabilities, classes, min_confidence)
    rows = [
        {
            "file": os.fspath(path),
            "label": label.item() if hasattr(label, "item") else label,
            "probabilities": {str(c): round(float(p), 4) for c, p in zip(classes, row)},
        }
        for path, label, row in zip(files, labels, probabilities)
    ]
    lines = [printable(row["file"]) + f"\t{row['label']}\t"
             + " ".join(f"{c}={p:.2f}" for c, p in row["probabilities"].items())
             for row in rows]
    return rows, lines


def _dimensions(model, values, files):
    """Each file's arousal, valence, dominance...: JSON records and text lines."""
    names = dimensions_of(model)
    rows = [
        {"path": os.fspath(path), **{n: round(float(v), 4) for n, v in zip(names, row)}}
        for path, row in zip(files, values)
    ]
    lines = [printable(row["path"]) + "\t" + " ".join(f"{n}={row[n]:.3f}" for n in names)
             for row in rows]
    return rows, lines
