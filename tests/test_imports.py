"""skser's own modules import each other's public names only."""

import ast
from pathlib import Path

import skser

PACKAGE = Path(skser.__file__).parent


def _is_private(name):
    return name.startswith("_") and not name.endswith("__")  # __version__ is public


def _private_imports(source, own):
    """``(line, module, names)`` for each import of another subpackage's private part,
    in the source of a module of the subpackage ``own``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 0 and not (node.module or "").startswith("skser."):
            continue
        parts = (node.module or "").split(".")
        if node.level == 0:
            parts = parts[1:]  # skser.x._y -> x, _y
        elif node.level == 1:
            continue  # from ._y import ...: its own subpackage
        target = parts[0] if parts else ""
        if target == own:
            continue
        private = [p for p in parts if _is_private(p)]
        private += [alias.name for alias in node.names if _is_private(alias.name)]
        if private:
            found.append((node.lineno, ".".join(parts), private))
    return found


def test_no_module_imports_another_subpackages_private_names():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) > 1 and (hits := _private_imports(path.read_text(), parts[0])):
            offenders["/".join(parts)] = hits
    assert not offenders, offenders


def test_the_scan_finds_a_private_import():
    """The check above can fail: only the cross-subpackage private import is reported."""
    source = ("from ..utils._paths import expand_path\nfrom ._graphs import x\n"
              "from ..io import _check_file\nfrom .. import __version__\n"
              "from skser.export._splice import splice_graph\n")
    assert _private_imports(source, "export") == [
        (1, "utils._paths", ["_paths"]), (3, "io", ["_check_file"])]
