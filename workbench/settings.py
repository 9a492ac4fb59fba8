"""Where data, caches and results live: explicit argument, then environment variable, then default."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import WorkBenchError

DATA_DIR_ENV = "WORKBENCH_DATA_DIR"
CACHE_DIR_ENV = "WORKBENCH_CACHE_DIR"


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    raw = explicit if explicit is not None else os.environ.get(DATA_DIR_ENV)
    if not raw:
        raise WorkBenchError(
            f"no data directory: pass --data-dir or set {DATA_DIR_ENV} "
            "(a folder holding esco/, onet/, skill-extraction/, ... as the publishers ship them)"
        )
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise WorkBenchError(f"data directory {path} does not exist or is not a folder")
    return path


def resolve_cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    raw = explicit if explicit is not None else os.environ.get(CACHE_DIR_ENV)
    if raw:
        path = Path(raw).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
        path = Path(base) / "workbench"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()
