"""Source loaders: turn files named in a task file into query, target and relevance frames.

A loader is a function `(ctx: LoaderContext) -> SourceFrames`, registered by name with `@loader` (ours)
or by an entry point of group `workbench.source_loaders` (another package's).
The task file's `source.loader` picks it; `source.files` and `source.params` are passed through.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import WorkBenchError
from ..registry import Registry

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


def loader(name: str, *, assigns_splits: bool = True):
    """Register ``func`` under ``name``; ``assigns_splits=False`` declares that it gives queries no split
    (so `tasks validate` can refuse splits.method source / partition before any data is read)."""

    def register(func):
        _LOADERS.add(name, func, origin="workbench", replace=True)
        if not assigns_splits:
            _NO_SPLITS.add(name)
        return func

    return register


def assigns_splits(name: str) -> bool:
    get_loader(name)
    return name not in _NO_SPLITS


def get_loader(name: str):
    _import_loader_modules()
    try:
        return _LOADERS.get(name)
    except KeyError:
        raise WorkBenchError(f"unknown loader {name!r}; known loaders: {', '.join(known_loaders())}") from None


def known_loaders() -> list[str]:
    _import_loader_modules()
    return sorted(_LOADERS.names())
