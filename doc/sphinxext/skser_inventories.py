"""Intersphinx inventories written offline, from the installed packages.

The machines that build these docs reach package registries only: the ``objects.inv``
files that scikit-learn, numpy, librosa, onnxruntime, torch and Python publish on their
sites cannot be downloaded, and no pip package ships one. So each inventory is written
here from the installed package's own public names, with the URL each site gives that
name. Links then lead to the real pages; the build needs no network, and a name the
installed package does not have still fails the build as a broken reference.

The URL schemes are those of the sites' API pages (one page per object, anchored by the
full name), as of the versions in ``doc/requirements.txt``'s environment.
"""

import importlib
import inspect
import pkgutil
import zlib
from pathlib import Path

PYTHON_BUILTINS = {
    # name -> page of https://docs.python.org/3/
    **dict.fromkeys(["int", "float", "complex", "str", "bytes", "list", "tuple", "dict",
                     "set", "frozenset", "range", "bool", "bytearray", "memoryview"],
                    "library/stdtypes.html"),
    **dict.fromkeys(["object", "type", "callable", "len", "iter", "open", "print", "sorted",
                     "slice", "repr", "hash"], "library/functions.html"),
    **dict.fromkeys(["None", "True", "False", "Ellipsis", "NotImplemented"],
                    "library/constants.html"),
}
PYTHON_MODULES = ["pathlib", "os", "os.path", "json", "logging", "warnings", "tempfile",
                  "concurrent.futures", "collections", "collections.abc", "typing",
                  "dataclasses", "functools", "itertools", "io", "hashlib", "subprocess",
                  "numbers", "contextlib", "threading", "csv", "argparse", "pickle"]

NUMPY_SCALAR_PAGE = "reference/arrays.scalars.html"
NUMPY_PAGES = {
    "numpy.random.Generator": "reference/random/generator.html",
    "numpy.random.RandomState": "reference/random/legacy.html",
    "numpy.random.default_rng": "reference/random/generator.html",
}


def _line(name, role, uri, priority=1):
    return f"{name} py:{role} {priority} {uri} -"


def _role(obj):
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if callable(obj):
        return "function"
    return "data"


def _public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    for name in names:
        try:
            yield name, getattr(module, name)
        except AttributeError:
            continue


def _walk(package, skip=("tests", "externals", "_")):
    """A package and its public submodules, imported (those that fail to import are left)."""
    yield package
    path = getattr(package, "__path__", None)
    if not path:
        return
    for info in pkgutil.iter_modules(path, package.__name__ + "."):
        last = info.name.rsplit(".", 1)[-1]
        if last.startswith(skip) or last in skip:
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # an optional dependency missing: that part is not linked
            continue
        yield from _walk(module, skip)


def _python():
    lines = []
    for name, page in PYTHON_BUILTINS.items():
        lines.append(_line(name, "class" if page == "library/stdtypes.html" else "function",
                           f"{page}#{name}"))
    import builtins

    for name, obj in vars(builtins).items():
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            lines.append(_line(name, "exception", f"library/exceptions.html#{name}"))
    for module_name in PYTHON_MODULES:
        module = importlib.import_module(module_name)
        page = f"library/{module_name}.html"
        lines.append(_line(module_name, "module", f"{page}#module-{module_name}"))
        for name, obj in _public(module):
            if getattr(obj, "__module__", module_name).split(".")[0] not in (
                    module_name.split(".")[0], "posixpath", "_collections_abc", "builtins"):
                continue
            full = f"{module_name}.{name}"
            lines.append(_line(full, _role(obj), f"{page}#{full}"))
            if inspect.isclass(obj):
                for member in vars(obj):
                    if not member.startswith("_"):
                        lines.append(_line(f"{full}.{member}", "method", f"{page}#{full}.{member}"))
    return lines


def _per_object_site(root_package, page_of, module_page_of):
    """Entries for a site with one page per object (scikit-learn, numpy, librosa, torch)."""
    lines, seen = [], set()
    for module in _walk(importlib.import_module(root_package)):
        lines.append(_line(module.__name__, "module", module_page_of(module.__name__)))
        for name, obj in _public(module):
            if inspect.ismodule(obj):
                continue
            defined = getattr(obj, "__module__", None) or ""
            if not (inspect.isclass(obj) or callable(obj)) or not defined.startswith(root_package):
                continue
            full = f"{module.__name__}.{name}"
            if full in seen:
                continue
            seen.add(full)
            page = page_of(full)
            lines.append(_line(full, _role(obj), f"{page}#{full}"))
            if inspect.isclass(obj):
                for member, value in vars(obj).items():
                    if not member.startswith("_") and callable(value):
                        lines.append(_line(f"{full}.{member}", "method",
                                           f"{page}#{full}.{member}"))
    return lines


def _sklearn():
    return _per_object_site(
        "sklearn", lambda full: f"modules/generated/{full}.html",
        lambda module: f"api/{module}.html#module-{module}")


def _numpy():
    def page(full):
        import numpy as np

        name = full.rsplit(".", 1)[-1]
        if full in NUMPY_PAGES:
            return NUMPY_PAGES[full]
        obj = getattr(np, name, None) if full.count(".") == 1 else None
        if inspect.isclass(obj) and issubclass(obj, np.generic):
            return NUMPY_SCALAR_PAGE
        return f"reference/generated/{full}.html"

    lines = _per_object_site("numpy", page, lambda m: f"reference/index.html#module-{m}")
    lines.append(_line("numpy.ndarray", "class", "reference/generated/numpy.ndarray.html"
                       "#numpy.ndarray", priority=0))
    return lines


def _librosa():
    return _per_object_site("librosa", lambda full: f"generated/{full}.html",
                            lambda m: f"{m.split('.')[-1]}.html#module-{m}")


def _torch():
    return _per_object_site("torch.nn", lambda full: f"generated/{full}.html",
                            lambda m: f"{m.replace('torch.', '')}.html#module-{m}")


def _onnxruntime():
    import onnxruntime

    page = "api_summary.html"
    lines = [_line("onnxruntime", "module", f"{page}#module-onnxruntime")]
    for name, obj in _public(onnxruntime):
        if inspect.isclass(obj) or inspect.isfunction(obj):
            lines.append(_line(f"onnxruntime.{name}", _role(obj), f"{page}#onnxruntime.{name}"))
    return lines


SITES = {
    # name: (site, entries, project, version module)
    "python": ("https://docs.python.org/3/", _python, "Python", "sys"),
    "numpy": ("https://numpy.org/doc/stable/", _numpy, "NumPy", "numpy"),
    "sklearn": ("https://scikit-learn.org/stable/", _sklearn, "scikit-learn", "sklearn"),
    "librosa": ("https://librosa.org/doc/latest/", _librosa, "librosa", "librosa"),
    "onnxruntime": ("https://onnxruntime.ai/docs/api/python/", _onnxruntime, "ONNX Runtime",
                    "onnxruntime"),
    "torch": ("https://docs.pytorch.org/docs/stable/", _torch, "PyTorch", "torch"),
}


def _version(module_name):
    module = importlib.import_module(module_name)
    return getattr(module, "__version__", None) or module.version.split()[0]


def write_inventories(out_dir):
    """Write ``<name>.inv`` for each site; return ``{name: (site URL, inventory path)}``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    found = {}
    for name, (url, entries, project, version_module) in SITES.items():
        path = out_dir / f"{name}.inv"
        version = _version(version_module)
        header = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
                  "# The remainder of this file is compressed using zlib.\n")
        stamp = out_dir / f"{name}.version"
        if not (path.exists() and stamp.exists() and stamp.read_text() == version):
            body = "\n".join(sorted(set(entries()))) + "\n"
            path.write_bytes(header.encode() + zlib.compress(body.encode()))
            stamp.write_text(version)
        found[name] = (url, path)
    return found
