"""Source loaders: turn files named in a task file into query, target and relevance frames.

A loader is a function `(ctx: LoaderContext) -> SourceFrames`, registered by name with `@loader`.
The task file's `source.loader` picks it; `source.files` and `source.params` are passed through.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ..errors import WorkBenchError

_LOADERS: dict[str, Callable[["LoaderContext"], "SourceFrames"]] = {}
# Modules that register loaders; imported on first lookup so `import workbench` stays light.
_MODULES = ["workbench.sources.esco", "workbench.sources.trec", "workbench.sources.esco_related", "workbench.sources.annotated", "workbench.sources.onet_tasks", "workbench.sources.melo"]


@dataclass(frozen=True)
class LoaderContext:
    data_dir: Path
    files: dict[str, Path]
    params: dict[str, Any]
    task_name: str

    def file(self, role: str) -> Path:
        if role not in self.files:
            raise WorkBenchError(f"task {self.task_name}: source.files needs an entry {role!r} (has {sorted(self.files)})")
        return self.files[role]

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass
class SourceFrames:
    """queries: id, text[, split]; targets: id, text; qrels: query_id, target_id[, grade]."""

    queries: pd.DataFrame
    targets: pd.DataFrame
    qrels: pd.DataFrame
    notes: dict[str, Any] = field(default_factory=dict)


def loader(name: str):
    def register(func):
        _LOADERS[name] = func
        return func
    return register


def get_loader(name: str):
    if name not in _LOADERS:
        for module in _MODULES:
            importlib.import_module(module)
    if name not in _LOADERS:
        raise WorkBenchError(f"unknown loader {name!r}; known loaders: {', '.join(sorted(_LOADERS))}")
    return _LOADERS[name]


def known_loaders() -> list[str]:
    for module in _MODULES:
        importlib.import_module(module)
    return sorted(_LOADERS)
