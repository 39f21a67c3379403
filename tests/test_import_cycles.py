"""Imports flow one way: no module of skser imports one that imports it back.

Imports are read with ``ast`` from the source, those inside functions included: an import
moved into a function to dodge a cycle is still a cycle.
"""

import ast
import sys
from pathlib import Path

import skser

PACKAGE = Path(skser.__file__).parent


def module_files(package_dir):
    """``{dotted name: file}`` of every module under ``package_dir`` (a package)."""
    root = Path(package_dir)
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imported(node, module, is_package):
    """The dotted names an ``import`` or ``from ... import`` node may refer to."""
    if isinstance(node, ast.Import):
        return [[alias.name] for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        parts = package.split(".")
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join(parts + ([base] if base else []))
    # ``from package import name``: the submodule ``package.name`` if it is one.
    return [[f"{base}.{alias.name}", base] for alias in node.names]


def import_graph(package_dir):
    """``{module: set of modules of the package it imports}``, anywhere in its source.

    A module importing from a package that contains it (``from .. import __version__``)
    is left out: a package's ``__init__`` re-exporting its own children is no cycle.
    """
    modules = module_files(package_dir)
    graph = {module: set() for module in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for candidates in _imported(node, module, is_package):
                target = next((name for name in candidates if name in modules), None)
                if target is not None and target != module \
                        and not module.startswith(target + "."):
                    graph[module].add(target)
    return graph


def import_cycles(graph):
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for module in sorted(graph):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(cycles)


def test_skser_has_no_import_cycle():
    assert import_cycles(import_graph(PACKAGE)) == []


def test_cli_imports_flow_from_the_commands_to_the_leaves():
    """``skser.cli`` imports the commands; a command imports leaves; a leaf, no command
    (not even inside a function)."""
    from skser.cli import COMMANDS

    graph = import_graph(PACKAGE)
    commands = {command.__name__ for command in COMMANDS}
    leaves = {m for m in graph if m.startswith("skser.cli.") and m not in commands}
    assert commands <= graph["skser.cli"]
    assert "skser.cli._shared" in graph["skser.cli._predict"]
    assert {leaf: sorted(graph[leaf] & commands) for leaf in sorted(leaves)} == {
        leaf: [] for leaf in sorted(leaves)}


def test_a_cycle_is_found_through_imports_inside_functions(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("from .sub import b\n\ndef f():\n    return b.g()\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("def g():\n    from ..c import h\n    return h()\n")
    (package / "c.py").write_text("def h():\n    import pkg.a\n    return pkg.a\n")
    (package / "leaf.py").write_text("from . import c\nfrom .sub import b\n")
    assert import_cycles(import_graph(package)) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    (package / "c.py").write_text("def h():\n    return 1\n")
    assert import_cycles(import_graph(package)) == []
