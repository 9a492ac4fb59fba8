"""The WorkBench leaderboard: validated result files → Markdown, CSV, JSON, a self-contained HTML page, plots.

`build_leaderboard` (leaderboard.build) does it all; `leaderboard_cli` (leaderboard.cli) is its command.
Modules: collect (read, validate, dedupe), aggregate (board, macro scores, tests), stats (bootstrap,
randomisation), zeroshot (`overlaps`), transfer (trained_on × task matrix), tables (md/csv/json),
plots (PNG), html (index.html from template.html + sort.js).
"""

from __future__ import annotations

__all__ = ["BuildReport", "build_leaderboard", "leaderboard_cli", "overlaps"]


def __getattr__(name: str):
    if name in ("BuildReport", "build_leaderboard"):
        from . import build

        return getattr(build, name)
    if name == "leaderboard_cli":
        from .cli import leaderboard_cli

        return leaderboard_cli
    if name == "overlaps":
        from .zeroshot import overlaps

        return overlaps
    raise AttributeError(f"module 'workbench.leaderboard' has no attribute {name!r}")
