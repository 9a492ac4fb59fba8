"""The task catalog: every YAML file shipped in `tasks/` (package `workbench.task_files`), and named suites.

Files whose name starts with ``_`` are declarations, not task files: ``_suites.yaml`` (suites made of
other suites and tasks) and ``_esco_languages.yaml`` (the ESCO tasks' language variants, see
`workbench.taskfiles.variants`). A language variant is resolved by name (``esco-jobnorm-de``, ``esco-jobnorm-de-en``) and
through the suites its declaration names; `list_tasks` lists task files only.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import Field, RootModel

from workbench.errors import WorkBenchError
from workbench.schema import StrictFrozen
from workbench.taskfiles.spec import TaskSpec, load_declaration, load_task_spec
from workbench.taskfiles.variants import declaration, parse_variant_name, suite_members, variant_spec

# Suites are declared in the task files (`suites:`); `all` is every task.
ALL_SUITE = "all"


def task_files_dir() -> Path:
    return Path(str(resources.files("workbench.task_files")))


@cache
def _catalog_files() -> dict[str, tuple[TaskSpec, Path]]:
    from workbench.plugins import task_folders

    specs: dict[str, tuple[TaskSpec, Path]] = {}
    # our task files first, then those of installed packages (entry points `workbench.tasks`)
    plugin_files = [path for _, folder in task_folders() for path in sorted(folder.glob("*.yaml"))]
    for path in [*sorted(task_files_dir().glob("*.yaml")), *plugin_files]:
        if path.name.startswith("_"):
            continue
        spec = load_task_spec(path)
        if spec.name in specs:
            raise WorkBenchError(f"{path}: task name {spec.name!r} is defined twice in the catalog")
        specs[spec.name] = (spec, path)
    return specs


@cache
def _catalog() -> dict[str, TaskSpec]:
    return {name: spec for name, (spec, _) in _catalog_files().items()}


def task_file(name: str) -> Path | None:
    """The file catalog task `name` was read from; None for a language variant or a name not in the catalog."""
    found = _catalog_files().get(name)
    return found[1] if found else None


def list_tasks() -> list[TaskSpec]:
    return list(_catalog().values())


def _variant(name: str) -> TaskSpec | None:
    decl = declaration(str(task_files_dir()))
    if decl is None:
        return None
    parsed = parse_variant_name(name, set(decl.tasks) & set(_catalog()))
    return variant_spec(_catalog()[parsed[0]], parsed[1], parsed[2], decl) if parsed else None


def get_task_spec(name: str) -> TaskSpec:
    catalog = _catalog()
    if name in catalog:
        return catalog[name]
    variant = _variant(name)
    if variant is not None:
        return variant
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or "/" in name or "\\" in name:  # a path, not a task name
        if not path.exists() and not path.is_symlink():  # a pipe, folder or link loop: read_yaml says which
            raise WorkBenchError(f"no such task file: {name}")
        return load_task_spec(path)
    raise WorkBenchError(
        f"unknown task {name!r}; known tasks: {', '.join(sorted(catalog))} (or pass a path to a task .yaml file)"
    )


class CompositeSuite(StrictFrozen):
    description: str = Field(min_length=10)
    members: list[str] = Field(min_length=1)


class CompositeSuites(RootModel[dict[str, CompositeSuite]]):
    """``tasks/_suites.yaml``: suite name -> its description and members."""


@cache
def composite_suites() -> dict[str, CompositeSuite]:
    declared = load_declaration(task_files_dir() / "_suites.yaml", CompositeSuites)
    return declared.root if declared else {}


def _variant_suites() -> dict[str, str]:
    decl = declaration(str(task_files_dir()))
    return dict(decl.suites) if decl else {}


def variants_note() -> str:
    """One line for `tasks list`: the language variants, which have no task file of their own."""
    decl = declaration(str(task_files_dir()))
    if decl is None:
        return ""
    return (
        f"+ language variants of {', '.join(decl.tasks)}: <task>-<ll> and cross-lingual <task>-<ll>-<tt> for "
        f"{len(decl.languages)} ESCO v{decl.release} languages ({' '.join(decl.languages)}); "
        f"suites {', '.join(decl.suites)}"
    )


def suite_names() -> list[str]:
    names = {suite for spec in _catalog().values() for suite in spec.suites}
    return sorted(names | set(composite_suites()) | set(_variant_suites()) | {ALL_SUITE})


def suite_tasks(suite: str, _seen: tuple[str, ...] = ()) -> list[TaskSpec]:
    if suite == ALL_SUITE:
        return list_tasks()
    if suite in _seen:
        raise WorkBenchError(f"tasks/_suites.yaml: suite {suite!r} contains itself ({' -> '.join(_seen + (suite,))})")
    if suite in composite_suites():
        members: dict[str, TaskSpec] = {}
        for item in composite_suites()[suite].members:
            specs = suite_tasks(item, _seen + (suite,)) if item in suite_names() else [get_task_spec(item)]
            for spec in specs:
                members.setdefault(spec.name, spec)
        return list(members.values())
    if suite in _variant_suites():
        decl = declaration(str(task_files_dir()))
        members = suite_members(decl, _variant_suites()[suite])
        return [variant_spec(_catalog()[base], q, t, decl) for base, q, t in members]
    members = [spec for spec in _catalog().values() if suite in spec.suites]
    if not members:
        raise WorkBenchError(f"unknown suite {suite!r}; known suites: {', '.join(suite_names())}")
    return members


def resolve_task_list(selection: str) -> list[TaskSpec]:
    """Comma-separated task names, suite names or task-file paths, in order, without repeats."""
    seen: dict[str, TaskSpec] = {}
    given_as: dict[str, str] = {}  # task name -> the item of the selection that first gave it
    for item in (part.strip() for part in selection.split(",")):
        if not item:
            continue
        specs = suite_tasks(item) if item in suite_names() else [get_task_spec(item)]
        for spec in specs:
            first = seen.setdefault(spec.name, spec)
            given_as.setdefault(spec.name, item)
            if (first.version, first.spec_hash) != (spec.version, spec.spec_hash):  # which one a result is of: unclear
                raise WorkBenchError(
                    f"--tasks gives two different tasks named {spec.name!r}: {given_as[spec.name]!r} "
                    f"and {item!r} (version or spec hash differs); pass one of them, or rename the "
                    "task in the file"
                )
    if not seen:
        raise WorkBenchError(f"no tasks selected by {selection!r}")
    return list(seen.values())
