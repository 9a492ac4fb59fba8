"""The task catalog: every YAML file shipped in `tasks/` (package `workbench.task_files`), and named suites."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import WorkBenchError
from .spec import TaskSpec, load_task_spec

# Suites are declared in the task files (`suites:`); `all` is every task.
ALL_SUITE = "all"


def task_files_dir() -> Path:
    return Path(str(resources.files("workbench.task_files")))


@lru_cache(maxsize=None)
def _catalog() -> dict[str, TaskSpec]:
    specs: dict[str, TaskSpec] = {}
    for path in sorted(task_files_dir().glob("*.yaml")):
        spec = load_task_spec(path)
        if spec.name in specs:
            raise WorkBenchError(f"{path}: task name {spec.name!r} is defined twice in the catalog")
        specs[spec.name] = spec
    return specs


def list_tasks() -> list[TaskSpec]:
    return list(_catalog().values())


def get_task_spec(name: str) -> TaskSpec:
    catalog = _catalog()
    if name in catalog:
        return catalog[name]
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_task_spec(path)
    raise WorkBenchError(f"unknown task {name!r}; known tasks: {', '.join(sorted(catalog))} (or pass a path to a task .yaml file)")


def suite_names() -> list[str]:
    names = {suite for spec in _catalog().values() for suite in spec.suites}
    return sorted(names | {ALL_SUITE})


def suite_tasks(suite: str) -> list[TaskSpec]:
    if suite == ALL_SUITE:
        return list_tasks()
    members = [spec for spec in _catalog().values() if suite in spec.suites]
    if not members:
        raise WorkBenchError(f"unknown suite {suite!r}; known suites: {', '.join(suite_names())}")
    return members


def resolve_task_list(selection: str) -> list[TaskSpec]:
    """Comma-separated task names, suite names or task-file paths, in order, without repeats."""
    seen: dict[str, TaskSpec] = {}
    for item in (part.strip() for part in selection.split(",")):
        if not item:
            continue
        specs = suite_tasks(item) if item in suite_names() else [get_task_spec(item)]
        for spec in specs:
            seen.setdefault(spec.name, spec)
    if not seen:
        raise WorkBenchError(f"no tasks selected by {selection!r}")
    return list(seen.values())
