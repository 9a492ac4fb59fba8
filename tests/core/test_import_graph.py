"""The core knows no plugin: no module of workbench/ imports the baselines or the UWE reference model.

The graph is read from the source with `ast` (every import statement, at any depth, relative ones
resolved), so an import hidden inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import workbench

CORE = Path(workbench.__file__).parent
PLUGINS = ("workbench.baselines", "workbench.uwe_reference", "baselines", "uwe_reference")


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module an import statement of `path` names (`from a import b` names a and a.b)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def plugin_edges() -> list[str]:
    edges = []
    for path in sorted(CORE.rglob("*.py")):
        for module in sorted(imported_modules(path)):
            if any(module == p or module.startswith(p + ".") for p in PLUGINS):
                edges.append(f"{path.relative_to(CORE.parent)} imports {module}")
    return edges


def test_core_imports_no_plugin():
    assert plugin_edges() == []


def test_the_walk_sees_relative_and_nested_imports(tmp_path, monkeypatch):
    # the checker itself: a nested relative import of the baselines is an edge
    fake = tmp_path / "workbench"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text(
        "def f():\n    from .baselines import bm25\n    import workbench.uwe_reference.model\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "CORE", fake)
    assert plugin_edges() == [
        "workbench/bad.py imports workbench.baselines",
        "workbench/bad.py imports workbench.baselines.bm25",
        "workbench/bad.py imports workbench.uwe_reference.model",
    ]
