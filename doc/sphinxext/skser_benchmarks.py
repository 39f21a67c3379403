"""Benchmark pages rendered from the records that ``benchmarks/bench_*.py`` write.

At ``builder-inited`` this writes ``doc/benchmarks/<script>.rst`` for every benchmark
script: what it measures (its docstring), how to run it, and the figures of its record
(``benchmarks/records/<script>.json`` and any ``<script>-<variant>.json``) as tables, with
the command, commit, CPU, thread count and date they were measured with. A script without
a record says so and names the command that writes one. No figure is copied by hand.
"""

import ast
import json
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

_INDEX_INTRO = """\
.. _benchmarks:

==========
Benchmarks
==========

Each script in ``benchmarks/`` prints its figures and writes them as a record in
``benchmarks/records/`` (the command, the commit, the CPU model, the thread count, the
date and the numbers). These pages are rendered from the committed records when the site
is built, so every figure here comes from one run of one script. The scripts read the
shared RAVDESS and EmoDB copies (``../shared/data``, or ``--data``); ratios are measured
side by side in one run. DistilHuBERT figures use the exact architecture with **random
weights**: its timings are real, its accuracies are not.

Timings depend on the CPU and on what else runs on the machine: compare figures of one
record, or of records made on the same CPU.

"""


def _escape(text):
    """Text for a table cell: reStructuredText's markup characters taken literally."""
    text = str(text).replace("\n", " ")
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text) if text else "-"


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) >= 1e4 or (value and abs(value) < 1e-3) \
            else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, dict)):
        return _escape(json.dumps(value, ensure_ascii=False))
    return _escape(value)


def _table(header, rows, numeric=None):
    lines = [".. list-table::", "   :header-rows: 1", "   :class: skser-record", ""]
    for i, row in enumerate([header, *rows]):
        for j, value in enumerate(row):
            text = _escape(value) if i == 0 else _cell(value)
            lines.append(f"   {'* -' if j == 0 else '  -'} {text}")
    return lines + [""]


def _flatten(mapping, prefix=""):
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{name} / ")
        else:
            yield name, value


def _heading(text, char):
    text = _escape(text)
    return [text, char * len(text), ""]


def _figures(figures):
    """The record's figures: scalars in one two-column table, each table of rows its own."""
    lines, scalars = [], []
    for key, value in figures.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            header = list(dict.fromkeys(k for row in value for k in row))
            lines += _heading(key, "~")
            lines += _table(header, [[row.get(k) for k in header] for row in value])
        elif isinstance(value, dict):
            lines += _heading(key, "~")
            lines += _table(["figure", "value"], list(_flatten(value)))
        else:
            scalars.append((key, value))
    if scalars:
        lines = _table(["figure", "value"], scalars) + lines
    return lines


def _provenance(record):
    commit = record.get("commit") or "unknown"
    flags = ", ".join(record.get("cpu_flags") or []) or "none of avx2, avx512, vnni, amx"
    versions = ", ".join(f"{k} {v}" for k, v in (record.get("versions") or {}).items() if v)
    rows = [
        ("command", f"``{record.get('command')}``"),
        ("commit", f"``{commit[:12]}``" + (" (with uncommitted changes)"
                                           if record.get("dirty") else "")),
        ("date", _escape(record.get("date"))),
        ("CPU", _escape(f"{record.get('cpu')} ({record.get('cpu_count')} logical CPUs; "
                        f"flags: {flags})")),
        ("threads", _escape(record.get("threads") if record.get("threads") is not None
                            else "not recorded")),
        ("load average at the end", _escape(record.get("load_average"))),
        ("wall time", _escape(f"{record.get('seconds')} s")),
        ("versions", _escape(versions)),
    ]
    lines = [".. list-table::", "   :class: skser-provenance", "   :widths: 20 80", ""]
    for key, value in rows:
        lines += [f"   * - {key}", f"     - {value}"]
    return lines + [""]


def _docstring(path):
    text = ast.get_docstring(ast.parse(path.read_text())) or path.stem
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def _page(script, records):
    title, body = _docstring(script)
    lines = [f".. _{script.stem}:", ""]
    lines += [f"``{script.name}``", "=" * (len(script.name) + 4), ""]
    lines += [f"**{_escape(title)}**", ""]
    if records:
        for name, record in records:
            if name != script.stem:
                lines += _heading(f"Record {name}", "-")
            else:
                lines += _heading("Figures", "-")
            if record.get("notes"):
                lines += [_escape(record["notes"]), ""]
            lines += _provenance(record)
            lines += _figures(record.get("figures") or {})
    else:
        lines += [".. note::", "",
                  f"   No record yet: ``python benchmarks/{script.name}`` writes "
                  f"``benchmarks/records/{script.stem}.json``. Commit it, and the figures "
                  "appear here at the next build.", ""]
    lines += _heading("What it measures", "-")
    lines += [".. code-block:: text", "   :class: skser-docstring", ""]
    lines += [f"   {line}" if line else "" for line in body.splitlines()] + [""]
    return title, "\n".join(lines)


def _load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:  # a broken record fails the build (-W)
        logger.warning("benchmark record %s cannot be read: %s", path, error)
        return None


def write_benchmark_pages(app):
    scripts = Path(app.config.skser_benchmark_scripts)
    records = Path(app.config.skser_benchmark_records)
    out = Path(app.srcdir) / "benchmarks"
    out.mkdir(exist_ok=True)
    index = [_INDEX_INTRO]
    rows = []
    for script in sorted(scripts.glob("bench_*.py")):
        found = []
        for path in sorted(records.glob(f"{script.stem}*.json")):
            name = path.stem
            if name == script.stem or name.startswith(script.stem + "-"):
                record = _load(path)
                if record is not None:
                    found.append((name, record))
        title, text = _page(script, found)
        target = out / f"{script.stem}.rst"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
        latest = max((r.get("date") or "" for _, r in found), default="")
        cpu = found[0][1].get("cpu") if found else ""
        rows.append((f":doc:`{script.name} <{script.stem}>`", _escape(title),
                     _escape(latest[:10]) if found else "**no record yet**",
                     _escape(cpu) if found else "-"))
    index += [".. list-table::", "   :header-rows: 1", "   :widths: 22 48 12 18", "",
              "   * - script", "     - what it measures", "     - record of", "     - CPU"]
    for row in rows:
        index += [f"   * - {row[0]}"] + [f"     - {cell}" for cell in row[1:]]
    index += ["", ".. toctree::", "   :hidden:", ""]
    index += [f"   {Path(row[0].split('<')[1].rstrip('>`')).name}" for row in rows]
    text = "\n".join(index) + "\n"
    target = out / "index.rst"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


def setup(app):
    app.add_config_value("skser_benchmark_records", "", "env")
    app.add_config_value("skser_benchmark_scripts", "", "env")
    app.connect("builder-inited", write_benchmark_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
