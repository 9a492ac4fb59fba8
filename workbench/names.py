"""Names that become folder names, and the one check that a write path stays inside its root.

A model name (or revision) becomes a folder under the output (``OUT/<slug(name)>/``, MTEB's
``OUT/results/<name>/<revision>/``). `slug` keeps dots, so a name made only of dots and separators
(``..``, ``.``, ``../..``) is a path step, not a folder: the result landed beside ``--output`` instead
of in it. Such names, and names with control or invisible format characters (an ANSI escape, a
bidirectional override: Unicode categories Cc and Cf), are refused before any work (`check_name`).
Every write path is also checked after resolution (`inside`): whatever a name does, nothing is
written outside the folder the user chose.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from workbench.errors import WorkBenchError

_PATH_STEPS = set("./\\")


def hidden_character(name: str) -> str | None:
    """The first control or invisible format character of `name` (Unicode categories Cc, Cf), or None."""
    return next((c for c in name if unicodedata.category(c) in ("Cc", "Cf")), None)


def name_problem(name: Any) -> str | None:
    """Why `name` cannot name a model's folder or a board row, or None when it can."""
    if not isinstance(name, str):
        return f"must be text, got {type(name).__name__}"
    if not name.strip():
        return "must not be empty or blank"
    hidden = hidden_character(name)
    if hidden is not None:
        return f"must not hold control or format characters (found {hidden!r})"
    if set(name.strip()) <= _PATH_STEPS:
        return "is a path step ('.', '..' or separators), not a name"
    return None


def check_name(name: Any, what: str = "model name") -> str:
    """`name` itself when it may name a folder; else one line naming the value and the rule."""
    problem = name_problem(name)
    if problem is not None:
        raise WorkBenchError(f"{what} {name!r} {problem}")
    return name


def inside(root: str | Path, path: str | Path) -> Path:
    """`path` unchanged, once it is known to resolve (links and '..' followed) to `root` or below it."""
    base, target = Path(root).resolve(), Path(path).resolve()
    if target != base and base not in target.parents:
        raise WorkBenchError(f"{path}: resolves to {target}, outside {root}; nothing is written there")
    return Path(path)
