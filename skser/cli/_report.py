"""Session reports written to Markdown or HTML, the confusion matrix embedded."""

import base64
import html
import io

from ..utils._paths import expand_path


def _confusion_png(report):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 4.5))
    report.plot_confusion_matrix(ax=axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_report(report, path, *, title):
    """Write ``report`` to ``path`` (.md or .html) with the confusion matrix inline."""
    path = expand_path(path)
    image = f"data:image/png;base64,{_confusion_png(report)}"
    body = report.to_markdown()
    if path.suffix.lower() in (".html", ".htm"):
        text = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1><pre>{html.escape(body)}</pre>"
            f"<img alt='confusion matrix' src='{image}'></body></html>\n"
        )
    elif path.suffix.lower() == ".md":
        text = f"# {title}\n\n{body}\n\n![confusion matrix]({image})\n"
    else:
        raise ValueError(f"--report must end in .md or .html, got {path}")
    path.write_text(text)
    return path
