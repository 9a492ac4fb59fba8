"""Helpers shared by the ontology loaders: error types, column checks, label splitting, cache keys.

Nothing here knows a publisher's layout; the loader modules do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import pandas as pd

from workbench.data.file_hashes import content_key
from workbench.errors import WorkBenchError

# One text dtype for every loader: pandas' nullable string type (pd.NA for missing), on pandas 2 and 3 alike.
STRING = pd.StringDtype()


class OntologyFileNotFoundError(WorkBenchError, FileNotFoundError):
    """An expected publisher file is absent; the message names the file and the folder searched."""


class OntologyFormatError(WorkBenchError, ValueError):
    """A publisher file is unreadable or lacks columns; the message names the file and what is wrong."""


def stat_key(path: str | os.PathLike) -> tuple[str, str]:
    """(resolved path, content key): the in-process parse cache's key, so an edited file is parsed again,
    also one whose size and mtime were put back (cp -p, os.utime). One xxh3 pass: 2 ms for an ESCO zip."""
    resolved = Path(path).resolve()
    return str(resolved), content_key(resolved)


def require_columns(frame: pd.DataFrame, required: Iterable[str], where: str) -> None:
    """Raise OntologyFormatError naming the file, the missing columns and the columns found."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise OntologyFormatError(f"{where}: missing column(s) {missing}; columns found: {list(frame.columns)}")


_NEWLINES = re.compile(r"\r\n|\r|\n")


def split_labels(cell: object) -> list[str]:
    """One label per line: split on newlines, strip, drop empties and exact duplicates, keep order."""
    if not isinstance(cell, str) or not cell:
        return []
    return list(dict.fromkeys(p.strip() for p in _NEWLINES.split(cell) if p.strip()))


def is_safe_member(name: str) -> bool:
    """False for zip member names that are absolute or climb out with '..' (never read or extracted)."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return False
    return ".." not in PurePosixPath(name.replace("\\", "/")).parts


def to_string(series: pd.Series, missing: Iterable[str] = ()) -> pd.Series:
    """Cast to the nullable string dtype; values listed in `missing` become pd.NA."""
    out = series.astype(STRING)
    missing = list(missing)
    if missing:
        out = out.mask(out.isin(missing))
    return out
