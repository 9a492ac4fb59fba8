"""Source loaders: turn files named in a task file into query, target and relevance frames.

A loader is a function `(ctx: LoaderContext) -> SourceFrames`, registered by name with `@loader` (ours)
or by an entry point of group `workbench.source_loaders` (another package's).
The task file's `source.loader` picks it; `source.files` and `source.params` are passed through.

Each loader declares what it reads: its file roles and its parameters with their types
(`@loader(name, files=(...), params={name: type})`, stored on the function as `workbench_accepts`; an
entry-point loader may set that attribute itself). A role or parameter it does not declare, or a
parameter of the wrong type, is an error of `tasks validate` and of every run (`source_problems`):
`params: {relation_typs: [essential]}` was silently ignored and built every relation type.
A loader that declares nothing (another package's, older) is not checked.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ConfigDict, TypeAdapter, ValidationError

from workbench.errors import WorkBenchError
from workbench.plugins import Registry

# Loaders by name. Ours register with @loader when their module is imported: every module of this
# package, found on disk on first lookup (so `import workbench` stays light and no list is kept by hand);
# other packages' come from entry points `workbench.source_loaders` ("name = package.module:function").
_LOADERS = Registry("source loader", "workbench.source_loaders")
_imported = {"done": False}


def _import_loader_modules() -> None:
    if not _imported["done"]:
        for module in pkgutil.iter_modules(__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{__name__}.{module.name}")
        _imported["done"] = True


@dataclass(frozen=True)
class LoaderContext:
    data_dir: Path
    files: dict[str, Path]
    params: dict[str, Any]
    task_name: str

    def file(self, role: str) -> Path:
        if role not in self.files:
            raise WorkBenchError(
                f"task {self.task_name}: source.files needs an entry {role!r} (has {sorted(self.files)})"
            )
        return self.files[role]

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass
class SourceFrames:
    """queries: id, text[, split]; targets: id, text; qrels: query_id, target_id[, grade];
    excluded (optional): query_id, target_id pairs removed from the query's ranking."""

    queries: pd.DataFrame
    targets: pd.DataFrame
    qrels: pd.DataFrame
    notes: dict[str, Any] = field(default_factory=dict)
    excluded: pd.DataFrame | None = None


_NO_SPLITS: set[str] = set()  # loaders whose queries carry no `split` column: only splits.method hash works


@dataclass(frozen=True)
class Accepts:
    """What a loader reads from its task file: file roles, and parameters with their types (checked strictly)."""

    files: tuple[str, ...]
    params: dict[str, Any]


def loader(
    name: str,
    *,
    files: Iterable[str] | None = None,
    params: dict[str, Any] | None = None,
    assigns_splits: bool = True,
):
    """Register ``func`` under ``name``. ``files`` and ``params`` declare the file roles and parameters it
    reads (``params``: name -> type, e.g. ``{"relation_types": list[str]}``); ``assigns_splits=False``
    declares that it gives queries no split (so `tasks validate` can refuse splits.method source /
    partition before any data is read)."""

    def register(func):
        if files is not None or params is not None:
            func.workbench_accepts = Accepts(tuple(files or ()), dict(params or {}))
        _LOADERS.add(name, func, origin="workbench", replace=True)
        if not assigns_splits:
            _NO_SPLITS.add(name)
        return func

    return register


def assigns_splits(name: str) -> bool:
    get_loader(name)
    return name not in _NO_SPLITS


def get_loader(name: str, task=None):
    """The loader named ``name``; given ``task`` (a TaskSpec), only once its source passes `source_problems`."""
    _import_loader_modules()
    try:
        found = _LOADERS.get(name)
    except KeyError:
        raise WorkBenchError(f"unknown loader {name!r}; known loaders: {', '.join(known_loaders())}") from None
    problems = source_problems(task.source) if task is not None else []
    if problems:
        raise WorkBenchError(f"task {task.name}: " + "; ".join(problems))
    return found


def source_problems(source) -> list[str]:
    """One line per file role or parameter of ``source`` (a task file's `source`) that its loader does not
    declare, and per parameter of the wrong type; [] for a loader that declares nothing."""
    accepts = getattr(get_loader(source.loader), "workbench_accepts", None)
    if not isinstance(accepts, Accepts):
        return []
    what = f"loader {source.loader!r}"
    problems = [
        f"source.files.{role}: {what} reads no such file role (accepted: {', '.join(sorted(accepts.files))})"
        for role in source.files
        if role not in accepts.files
    ]
    for key, value in source.params.items():
        if key not in accepts.params:
            accepted = ", ".join(sorted(accepts.params)) or "none"
            problems.append(f"source.params.{key}: {what} has no such parameter (accepted: {accepted})")
            continue
        try:
            _param_adapter(accepts.params[key]).validate_python(value, strict=True)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in (key, *first["loc"]))
            problems.append(f"source.params.{where}: {first['msg']} (got {first['input']!r})")
    return problems


def _param_adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind, config=ConfigDict(strict=True))


def known_loaders() -> list[str]:
    _import_loader_modules()
    return sorted(_LOADERS.names())
