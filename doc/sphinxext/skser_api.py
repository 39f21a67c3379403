"""Write the API reference's pages from each subpackage's ``__all__``.

One page per public subpackage: its docstring, then its classes, functions and
constants, each class and function with a page of its own (autosummary). A name that
several subpackages re-export (an exception, say) is documented once, where it is
defined, and the others link to it. Generating the lists keeps the rule "every public
name" true without anyone updating them: a name added to ``__all__`` appears at the next
build, and a removed one disappears.
"""

import importlib
import inspect
from pathlib import Path

# In the order of the API index; the title is what a reader looks for.
SUBPACKAGES = {
    "skser.io": "Audio input",
    "skser.preprocessing": "Waveform preprocessing and speaker adaptation",
    "skser.embedding": "Embedders",
    "skser.classification": "Classification heads",
    "skser.regression": "Dimensional regression heads",
    "skser.distillation": "Distillation",
    "skser.model_selection": "Model selection and evaluation",
    "skser.metrics": "Metrics",
    "skser.datasets": "Datasets",
    "skser.export": "ONNX export and runtime",
    "skser.voice_note": "Voice notes",
    "skser.pipeline": "Pipelines",
    "skser.hub": "Model cards and the Hugging Face Hub",
    "skser.exceptions": "Exceptions and warnings",
    "skser.utils": "Utilities for developers",
}


def _kind(obj):
    if inspect.isclass(obj):
        return "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "function"
    return "data"


def _owner(name, obj, exported):
    """The public subpackage that documents ``obj``: where it is defined, else the first."""
    module = getattr(obj, "__module__", None) if _kind(obj) != "data" else None
    if module:
        for package in SUBPACKAGES:
            if (module == package or module.startswith(package + ".")) and name in exported[
                package
            ]:
                return package
    for package, names in exported.items():
        if name in names and (module is None or module.startswith("skser")):
            return package
    return None  # defined outside skser (scikit-learn's, re-exported)


def _section(title, char="-"):
    return [title, char * len(title), ""]


def write_api_pages(out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    modules = {package: importlib.import_module(package) for package in SUBPACKAGES}
    exported = {package: list(module.__all__) for package, module in modules.items()}
    for package, module in modules.items():
        lines = _section(f":mod:`{package}`: {SUBPACKAGES[package]}", "=")
        lines += [f".. automodule:: {package}", "   :no-members:", "   :no-inherited-members:",
                  "", f".. currentmodule:: {package}", ""]
        own = {"class": [], "function": [], "data": []}
        elsewhere, upstream = [], []
        for name in sorted(exported[package], key=str.lower):
            obj = getattr(module, name)
            owner = _owner(name, obj, exported)
            if owner == package:
                own[_kind(obj)].append(name)
            elif owner is None:
                upstream.append(name)
            else:
                elsewhere.append((name, owner, _kind(obj)))
        for kind, title, template in (("class", "Classes", "class.rst"),
                                      ("function", "Functions", "function.rst")):
            if own[kind]:
                lines += _section(title)
                lines += [".. autosummary::", "   :toctree: generated/",
                          f"   :template: {template}", "", *(f"   {n}" for n in own[kind]), ""]
        if own["data"]:
            lines += _section("Constants")
            for name in own["data"]:
                lines += [f".. autodata:: {package}.{name}", ""]
        if elsewhere:
            # A target under this module's name too, so that a docstring here may write
            # :class:`ExportError`; ``:canonical:`` ties it to the documented object.
            lines += _section("Also available here")
            for name, owner, kind in elsewhere:
                directive = {"class": "class", "function": "function"}.get(kind, "data")
                lines += [f".. py:{directive}:: {name}", f"   :canonical: {owner}.{name}",
                          "   :no-index-entry:", "",
                          f"   Re-exported from :mod:`{owner}`: see "
                          f":{'class' if kind == 'class' else 'obj'}:`{owner}.{name}`.", ""]
        if upstream:
            lines += _section("Re-exported from scikit-learn")
            lines += ["These names are scikit-learn's parameter validation "
                      "(``sklearn.utils._param_validation``), or the subset of it that skser "
                      "vendors when scikit-learn is not installed; see "
                      "``LICENSES/scikit-learn.txt``.", ""]
            lines += [f"- ``{name}``" for name in upstream]
            lines.append("")
        text = "\n".join(lines)
        path = out_dir / f"{package}.rst"
        if not path.exists() or path.read_text() != text:  # keep mtimes: no needless rebuild
            path.write_text(text)
    return list(SUBPACKAGES)
