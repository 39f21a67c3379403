"""The ``skser`` sub-commands' dimensional side: arousal, valence, dominance."""

import base64
import html
import io
import json
import os
from pathlib import Path

import numpy as np

from ..io import AudioLoader


def is_dimensional(model):
    """Whether a loaded model (pipeline or OnnxPipeline) predicts dimensions."""
    from ..voice_note._dimensional import model_dimensions

    return model_dimensions(model) is not None


def dimensions_of(model):
    from ..voice_note._dimensional import model_dimensions

    return [str(name) for name in model_dimensions(model)]


def predict(args, model):
    """``skser predict`` for a dimensional model: one record per file."""
    rate = getattr(model, "sample_rate", 16000)
    X = AudioLoader(sample_rate=rate).transform([os.fspath(f) for f in args.files])
    values = np.asarray(model.predict(X), dtype=float)
    names = dimensions_of(model)
    rows = [
        {"path": os.fspath(path), **{n: round(float(v), 4) for n, v in zip(names, row)}}
        for path, row in zip(args.files, values)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(row["path"] + "\t" + " ".join(f"{n}={row[n]:.3f}" for n in names))
    return 0


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


def _scatter_png(report):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(report.names), figsize=(3.8 * len(report.names), 3.8))
    report.plot_scatter(np.atleast_1d(axes))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_report(report, path, *, title):
    """Write a :class:`DimensionalReport` (.md or .html) with its scatter plot inline."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        raise ValueError(f"--report must end in .md or .html, got {path}")
    image = f"data:image/png;base64,{_scatter_png(report)}"
    body = report.to_markdown()
    note = ("Targets from category labels are proxies (NRC VAD Lexicon values of each "
            "emotion word), not per-clip ratings.")
    if suffix == ".md":
        text = f"# {title}\n\n{body}\n\n{note}\n\n![true vs predicted]({image})\n"
    else:
        text = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1><pre>{html.escape(body)}</pre>"
            f"<p>{html.escape(note)}</p>"
            f"<img alt='true vs predicted, per dimension' src='{image}'></body></html>\n"
        )
    path.write_text(text)
    return path
