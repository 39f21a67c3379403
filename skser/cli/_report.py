"""Session reports written as an HTML page or as Markdown with its pictures beside it.

The text is the report's own Markdown (:meth:`SessionReport.to_markdown`): paragraphs and
pipe tables. HTML renders those tables as ``<table>`` elements and embeds the pictures, so
the page is one file; Markdown links each picture as a PNG file next to the report (GitHub
renders no ``data:`` URIs). A report kind with more tables or pictures (dimensional models'
CCC) adds them to ``to_markdown`` and to :func:`report_figures`.
"""

import base64
import html
import io

from ..utils import expand_path

__all__ = ["markdown_to_html", "report_figures", "report_title", "write_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f0f3f7; }
td:first-child, th:first-child { text-align: left; }
tr.summary td { font-weight: bold; background: #fafafa; }
td.diagonal { background: #e3eefb; font-weight: bold; }
figure { margin: 1em 0; }
figcaption { color: #555; font-size: 0.9em; }
"""


def report_title(corpus, report, extra=None):
    """The corpus, the protocol and the clip counts, in one line."""
    import numpy as np

    counts = f"{len(corpus)} clips, {len(np.unique(corpus.groups))} groups"
    title = f"skser evaluation: {corpus.name} ({counts}); {report.description}"
    if extra is not None:
        title += f"; plus {extra.name} ({len(extra)} clips) for training only"
    return title


def _png(draw):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 4.5))
    draw(axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def report_figures(report):
    """The report's pictures: ``[(file name stem, caption, PNG bytes), ...]``."""
    if report.task.is_dimensional:  # a DimensionalReport: one panel per dimension
        caption = "True vs out-of-fold predicted values, per dimension"
        return [("scatter", caption, _scatter_png(report))]
    figures = []
    for stem, part in [("confusion", report), ("confusion-adapted", report.adapted)]:
        if part is None:
            continue
        caption = (f"Confusion matrix, {part.protocol} protocol: summed over folds, rows "
                   "normalized (true class: rows)")
        figures.append((stem, caption, _png(lambda ax, r=part: r.plot_confusion_matrix(ax=ax))))
        if part.y_proba is not None:
            caption = (f"Reliability diagram, {part.protocol} protocol: accuracy against the "
                       "top probability, out-of-fold clips in 10 bins")
            figures.append((stem.replace("confusion", "reliability"), caption,
                            _png(lambda ax, r=part: r.plot_reliability_diagram(ax=ax))))
    return figures


def _scatter_png(report):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    n_dims = len(report.names)
    figure, axes = plt.subplots(1, n_dims, figsize=(3.8 * n_dims, 3.8))
    report.plot_scatter(np.atleast_1d(axes))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table_html(lines):
    header, rows = _cells(lines[0]), [_cells(line) for line in lines[2:]]
    square = header[0].startswith("true")  # a confusion table: highlight the diagonal
    parts = ["<table>", "<thead><tr>"]
    parts += [f"<th>{html.escape(cell)}</th>" for cell in header]
    parts.append("</tr></thead><tbody>")
    for index, row in enumerate(rows):
        summary = row[0].startswith("mean")
        parts.append("<tr class='summary'>" if summary else "<tr>")
        for column, cell in enumerate(row):
            diagonal = square and column == index + 1
            attribute = " class='diagonal'" if diagonal else ""
            parts.append(f"<td{attribute}>{html.escape(cell)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def markdown_to_html(text):
    """The paragraphs and pipe tables of a report's Markdown as HTML.

    Examples
    --------
    >>> print(markdown_to_html("Folds:\\n\\n| a |\\n|---|\\n| 1 |"))
    <p>Folds:</p>
    <table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>
    """
    blocks = []
    for block in text.strip().split("\n\n"):
        lines = block.strip().splitlines()
        if len(lines) >= 2 and all(line.lstrip().startswith("|") for line in lines):
            blocks.append(_table_html(lines))
        else:
            blocks.append(f"<p>{html.escape(' '.join(lines))}</p>")
    return "\n".join(blocks)


def write_report(report, path, *, title):
    """Write ``report`` to ``path``: a self-contained ``.html`` page, or ``.md``.

    The Markdown report links its pictures, written beside it as
    ``<stem>-confusion.png`` (and ``<stem>-confusion-adapted.png`` for
    a speaker-adapted report). Returns the report's path.
    """
    path = expand_path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        raise ValueError(f"--report must end in .md or .html, got {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    body = report.to_markdown()
    if hasattr(report, "plot_scatter"):
        body += ("\n\nTargets from category labels are proxies (NRC VAD Lexicon values of "
                 "each emotion word), not per-clip ratings.")
    figures = report_figures(report)
    if suffix == ".md":
        links = []
        for stem, caption, png in figures:
            picture = path.with_name(f"{path.stem}-{stem}.png")
            picture.write_bytes(png)
            links.append(f"![{caption}]({picture.name})")
        path.write_text(f"# {title}\n\n{body}\n" + "".join(f"\n{link}\n" for link in links))
        return path
    pictures = "".join(
        f"<figure><img alt='{html.escape(caption)}' "
        f"src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for _, caption, png in figures
    )
    path.write_text(
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>"
        f"<h1>{html.escape(title)}</h1>\n{markdown_to_html(body)}\n{pictures}\n</body></html>\n"
    )
    return path
