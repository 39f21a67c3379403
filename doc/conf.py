"""Sphinx configuration of skser's documentation (``make docs``)."""

import os
import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent
ROOT = DOC.parent
sys.path.insert(0, str(ROOT))  # the skser of this checkout, installed or not
sys.path.insert(0, str(DOC / "sphinxext"))

from skser_api import write_api_pages  # noqa: E402
from skser_inventories import write_inventories  # noqa: E402

import skser  # noqa: E402

os.environ.setdefault("MPLBACKEND", "Agg")

project = "skser"
author = "The skser developers"
copyright = "2026, the skser developers"  # noqa: A001
release = skser.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "skser_benchmarks",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.json"]
root_doc = "index"
default_role = "literal"  # `name` in a docstring is code, as in scikit-learn
nitpicky = True  # `make docs` also passes -n: a broken cross-reference fails the build

# -- API reference ---------------------------------------------------------------------
write_api_pages(DOC / "api")
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_inherit_docstrings = False  # not torch's forward() text on skser modules
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False


def _skip_foreign_member(app, what, name, obj, skip, options):
    """Document the members skser defines, not those it inherits from scikit-learn or torch.

    ``get_params``, ``set_output`` or ``set_fit_request`` are scikit-learn's, documented
    there; their docstrings point into scikit-learn's private modules.
    """
    if skip or what != "class":
        return skip
    function = getattr(obj, "__func__", obj)
    function = getattr(function, "fget", function)  # properties
    module = getattr(function, "__module__", None) or ""
    if not module.startswith("skser"):
        return True
    return None


# Names that skser's docstrings mention but that are private (not in any __all__), so
# they have no page. Listed one by one, so that any other broken reference still fails;
# each is better written as ``code`` (or made public) in its docstring.
nitpick_ignore = [
    ("py:class", "AcousticFeatures"),  # skser.embedding._acoustic_module
    ("py:class", "EmbeddingCache"),  # skser.embedding._cache
    ("py:class", "Standardize"),  # skser.utils._mlp_head
    ("py:data", "STRONG_AROUSAL"),  # skser.datasets._avd
    ("py:func", "avd_prosody"),  # skser.datasets._synthetic
    ("py:func", "average_mlp_heads"),  # skser.utils._head_training
    ("py:func", "preprocess_for_quantization"),  # skser.export._quantize
    ("py:func", "skser.export._distillation.register_student_converters"),
    ("py:mod", "skser.export._speaker"),
    ("py:mod", "skser.io._waveform"),  # the waveform convention's module docstring
    ("py:attr", "adapted"),  # SessionReport.adapted, an attribute without its own entry
    ("py:attr", "scores"),  # BaseReport.scores
    ("py:meth", "check_targets"),  # BaseReport.check_targets
    ("py:data", "HISTORY"),  # skser.utils._training_loop
]
# A reference into a private module (``skser.io._waveform``) points a developer at the
# source; private modules have no page.
nitpick_ignore_regex = [(r"py:.*", r"skser(\.\w+)*\._\w+.*")]

# -- Cross-references to other projects, offline ---------------------------------------
# The build machines reach package registries only, so no objects.inv can be downloaded
# at build time and none is shipped by the pip packages. skser_inventories writes one per
# project from the installed package's own public names, following each site's URL
# scheme, so links point at the real pages online while the build needs no network.
inventories = write_inventories(DOC / "_build" / "inventories")
intersphinx_mapping = {
    name: (url, str(path)) for name, (url, path) in inventories.items()
}
intersphinx_timeout = 1

# -- Gallery ---------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run every plot_*.py at build time
    "ignore_pattern": r"^(?!plot_).*\.py$",  # the other scripts are command-line tools
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,  # a failing example fails the build
    "only_warn_on_example_error": False,
    "doc_module": ("skser",),
    "backreferences_dir": "api/backreferences",
    "reference_url": {"skser": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "min_reported_time": 1,
}

# -- HTML ------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skser {release}"
html_static_path = ["_static"]
html_css_files = ["skser.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "navbar_end": ["navbar-icon-links"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}

# -- Benchmarks ------------------------------------------------------------------------
skser_benchmark_records = str(ROOT / "benchmarks" / "records")
skser_benchmark_scripts = str(ROOT / "benchmarks")


_CODE = re.compile(r"(``.*?``|`[^`]*`)")
_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*?)_(?=[\s,.;:)\]}'\"/]|$)")


def _escape_fitted_names(app, what, name, obj, options, lines):
    """Write ``n_features_in_`` outside backquotes as text, not as a link target.

    In reStructuredText a bare word ending in ``_`` is a reference; numpydoc type lines
    such as ``(n_samples, n_features_in_)`` mean the attribute's name.
    """
    for i, line in enumerate(lines):
        if line.lstrip().startswith(".."):  # a directive's arguments are names
            continue
        parts = _CODE.split(line)
        for j in range(0, len(parts), 2):  # the even parts are outside backquotes
            parts[j] = _TRAILING_UNDERSCORE.sub(r"\1\\_", parts[j])
        lines[i] = "".join(parts)


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_member)
    app.connect("autodoc-process-docstring", _escape_fitted_names)
