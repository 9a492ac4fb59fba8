"""The folders of workbench/ are the stages of docs/architecture.md, and the imports follow them.

- The core knows no plugin: no module of workbench/ (nor of ontologies/, mapped into it) imports the baselines,
  the UWE reference model or the leaderboard (they reach the core through entry points).
- A stage imports only the stages before it (`STAGES`, in the order of the architecture's folder tree), never
  one after it: data flows one way.
- No two modules of the core import each other, directly or around a circle.

The graph is read from the source with `ast` (every import statement, at any depth, relative ones
resolved), so an import hidden inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import workbench
import workbench.ontologies

CORE = Path(workbench.__file__).parent
# a folder of the repository mapped into the namespace (pyproject.toml: package-dir) that belongs to the core
MAPPED = {"workbench.ontologies": Path(workbench.ontologies.__file__).parent}
PLUGINS = (
    "workbench.baselines",
    "workbench.uwe_reference",
    "workbench.leaderboard",
    "baselines",
    "uwe_reference",
    "leaderboard",
)

# The stages, first to last: each a set of packages (workbench.<name>) or top-level modules. A module may
# import its own stage and the stages above it in this list. `ontologies` and `task_files` are folders of the
# repository mapped into the namespace (pyproject.toml: package-dir).
STAGES: tuple[tuple[str, ...], ...] = (
    ("errors", "io", "schema", "names", "plugins", "run_progress"),  # shared plumbing
    ("metrics",),  # per-query metrics over ranks and ties: know nothing of tasks
    ("data",),  # where data lives, checksums, the manifest, fetching
    ("taskfiles", "task_files"),  # the task-file schema and the catalogue
    ("ontologies", "sources"),  # parsing: publishers' files -> query, target and relevance frames
    ("dataset",),  # RankingDataset
    ("models",),  # the model protocol and the registry of models
    ("caches",),  # the layers around a model
    ("scoring",),  # the blocked score matrix
    ("results",),  # the result file, its store, migration, export
    ("running",),  # one task x one model, the run loop, executors, audits, re-scoring
    ("fronts",),  # the command line, workbench.evaluate, the generated docs
)


def _module_name(path: Path) -> str:
    for package, folder in MAPPED.items():
        if path.is_relative_to(folder):
            parts = (*package.split("."), *path.relative_to(folder).with_suffix("").parts)
            break
    else:
        parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def core_files() -> list[Path]:
    """The modules of the core: workbench/ and the folders mapped into it."""
    return sorted(CORE.rglob("*.py")) + [path for folder in MAPPED.values() for path in sorted(folder.rglob("*.py"))]


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


def core_modules() -> dict[str, Path]:
    return {_module_name(path): path for path in core_files()}


def plugin_edges() -> list[str]:
    edges = []
    for path in core_files():
        for module in sorted(imported_modules(path)):
            if any(module == p or module.startswith(p + ".") for p in PLUGINS):
                edges.append(f"{_module_name(path)} imports {module}")
    return edges


def stage_of(module: str) -> int | None:
    """The index in STAGES of a core module (`workbench` itself, the package's front door: None)."""
    parts = module.split(".")
    if parts[0] != "workbench" or len(parts) < 2:
        return None
    for index, members in enumerate(STAGES):
        if parts[1] in members:
            return index
    return None


def _core_edges() -> list[tuple[str, str]]:
    """(importer, imported) between modules of the core; `from workbench.x import name` counts as workbench.x,
    except a module's import of its own package to reach a sibling (`from workbench.metrics import ap` in
    workbench.metrics.evaluate)."""
    modules = core_modules()
    edges = []
    for name, path in modules.items():
        for module in imported_modules(path):
            if module in modules and module not in (name, "workbench") and not name.startswith(module + "."):
                edges.append((name, module))
    return sorted(set(edges))


def backward_edges() -> list[str]:
    """Imports from a stage into a later one."""
    return [
        f"{importer} (stage {stage_of(importer)}) imports {imported} (stage {stage_of(imported)})"
        for importer, imported in _core_edges()
        if stage_of(importer) is not None and stage_of(imported) is not None and stage_of(imported) > stage_of(importer)
    ]


def unstaged_modules() -> list[str]:
    return [name for name in core_modules() if name != "workbench" and stage_of(name) is None]


def import_cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, list[str]] = {name: [] for name in core_modules()}
    for importer, imported in _core_edges():
        graph[importer].append(imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_core_imports_no_plugin():
    assert plugin_edges() == []


def test_every_module_of_the_core_belongs_to_a_stage():
    assert unstaged_modules() == []


def test_a_stage_imports_only_the_stages_before_it():
    assert backward_edges() == []


def test_no_two_modules_of_the_core_import_each_other():
    assert import_cycles() == []


def test_the_walk_sees_relative_and_nested_imports(tmp_path, monkeypatch):
    # the checker itself: a nested relative import of the baselines is an edge
    fake = tmp_path / "workbench"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text(
        "def f():\n    from .baselines import bm25\n    import workbench.uwe_reference.model\n"
        "    from workbench.leaderboard import build\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "CORE", fake)
    assert plugin_edges() == [
        "workbench.bad imports workbench.baselines",
        "workbench.bad imports workbench.baselines.bm25",
        "workbench.bad imports workbench.leaderboard",
        "workbench.bad imports workbench.leaderboard.build",
        "workbench.bad imports workbench.uwe_reference.model",
    ]


def test_the_checker_sees_a_backward_import_and_a_circle(tmp_path, monkeypatch):
    fake = tmp_path / "workbench"
    for package in ("data", "results"):
        (fake / package).mkdir(parents=True)
        (fake / package / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "data" / "fetch.py").write_text("from workbench.data import files\n")
    (fake / "data" / "files.py").write_text("def f():\n    from .fetch import plan\n")
    (fake / "data" / "keys.py").write_text("def f():\n    from ..results import store\n")
    (fake / "results" / "store.py").write_text("from workbench.data.keys import f\n")
    monkeypatch.setattr(sys.modules[__name__], "CORE", fake)
    assert backward_edges() == [
        "workbench.data.keys (stage 2) imports workbench.results (stage 9)",
        "workbench.data.keys (stage 2) imports workbench.results.store (stage 9)",
    ]
    assert import_cycles() == [
        ["workbench.data.fetch", "workbench.data.files"],
        ["workbench.data.keys", "workbench.results.store"],
    ]
