"""The ``skser`` sub-commands' dimensional side: arousal, valence, dominance."""

import json
import os
import sys

import numpy as np


def is_dimensional(model):
    """Whether a loaded model (pipeline or OnnxPipeline) predicts dimensions."""
    from ..utils import model_dimensions

    return model_dimensions(model) is not None


def dimensions_of(model):
    from ..utils import model_dimensions

    return [str(name) for name in model_dimensions(model)]


def predict(args, model):
    """``skser predict`` for a dimensional model: one record per file."""
    from ._commands import _probabilities, printable

    # The categorical path's: speakers and statistics applied, a bad file named, not fatal.
    values, files, failed = _probabilities(model, args.files, args, method="predict")
    values = np.asarray(values, dtype=float)
    names = dimensions_of(model)
    rows = [
        {"path": os.fspath(path), **{n: round(float(v), 4) for n, v in zip(names, row)}}
        for path, row in zip(files, values)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(printable(row["path"]) + "\t" + " ".join(f"{n}={row[n]:.3f}" for n in names))
    for file, message in failed.items():
        print(f"skser: error: {file}: {message}", file=sys.stderr)
    return 1 if failed else 0


def analyze_json(result, path):
    """``skser analyze --json`` for a dimensional model: path and the three values first."""
    record = result.to_dict()
    record.pop("source", None)
    names = record["dimensions"]
    head = {"path": os.fspath(path), **{name: record.pop(name) for name in names}}
    return json.dumps({**head, **record}, indent=2)


def export_check(pipe, runtime_predict, check):
    """The export command's parity line for a dimensional model."""
    from ..metrics import concordance_correlation_coefficient

    expected = np.asarray(pipe.predict(check), dtype=float)
    exported = np.asarray(runtime_predict(check), dtype=float)
    agreement = concordance_correlation_coefficient(expected, exported, multioutput="raw_values")
    names = dimensions_of(pipe)
    difference = np.abs(expected - exported).max()
    return (f"check on {len(check)} clips: max |difference| {difference:.2e}, "
            "CCC with scikit-learn " + ", ".join(f"{n} {v:.4f}" for n, v in zip(names, agreement)))
