"""`build_leaderboard`: validate result files, aggregate, test, and write every output file.

Outputs (in `out_dir`): leaderboard.md, leaderboard.csv, leaderboard.json, index.html and the PNG plots
that apply. Nothing in them depends on the clock or on where the folders are: paths are relative to
the results folder, JSON keys are sorted, random draws are seeded, PNGs carry no software/time
metadata. Building twice from the same inputs gives byte-identical files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import WorkBenchError
from workbench.io import atomic_write_bytes
from workbench.names import inside
from workbench.taskfiles.catalog import get_task_spec
from workbench.taskfiles.spec import TaskSpec

from .aggregate import build_board
from .collect import Refusal, collect
from .html import render
from .identity import drop_renamed_duplicates
from .plots import write_plots
from .tables import to_csv, to_data, to_json, to_markdown
from .transfer import build_transfer
from .verification import Ledger

PLOT_NAMES = ("per_task.png", "transfer.png", "latency.png")


@dataclass
class BuildReport:
    out_dir: Path
    files: list[str]
    files_seen: int
    accepted: int
    refused: list[Refusal] = field(default_factory=list)
    skipped: int = 0  # files for other tasks or splits
    models: int = 0
    ranked: int = 0
    variants: int = 0  # models listed beside the ranking (their card names variant_of)
    unverified: int = 0  # models listed as self-reported or archived (a board built with a ledger)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.files_seen} result files: {self.accepted} accepted, {len(self.refused)} refused, "
            f"{self.skipped} for other tasks or splits; "
            f"{self.models} models, {self.ranked} ranked (complete), {self.variants} variants, "
            f"{self.unverified} self-reported or archived; wrote {', '.join(self.files)} to {self.out_dir}"
        ]
        lines += [f"  refused {r.path}: [{r.kind}] {r.reason}" for r in self.refused]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _tasks_from_results(results_dir: Path, exclude: Path | None = None) -> list[TaskSpec]:
    """suite=None and no task list: every catalog task that some result file names."""
    import json

    from workbench.results.result_file import _read_regular

    names = set()
    skip = Path(exclude).resolve() if exclude is not None else None
    for path in sorted(Path(results_dir).rglob("*.json")):
        if skip is not None and skip in path.resolve().parents:
            continue
        try:  # a pipe, a device or an oversized file is never read (collect names it, refused)
            names.add(json.loads(_read_regular(path).decode("utf-8"))["task"]["name"])
        except (WorkBenchError, OSError, ValueError, KeyError, TypeError, RecursionError):
            continue
    specs = []
    for name in sorted(names):
        try:
            specs.append(get_task_spec(name))
        except WorkBenchError:
            continue  # skipped later as "not on this leaderboard"
    return specs


def resolve_tasks(
    results_dir: Path, suite: str | None, tasks: list[TaskSpec] | None, exclude: Path | None = None
) -> list[TaskSpec]:
    if tasks is not None:
        specs = list(tasks)
    elif suite is not None:
        from workbench.taskfiles.catalog import suite_tasks

        specs = suite_tasks(suite)
    else:
        specs = _tasks_from_results(results_dir, exclude)
    if not specs:
        raise WorkBenchError("no tasks to rank: pass a suite, a task list, or results for catalog tasks")
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise WorkBenchError(f"task list names a task twice: {names}")
    return specs


def _check_out_dir(results_dir: Path, out_dir: Path) -> None:
    """The board's folder may lie inside the results folder (its files are then not read), never be it
    or contain it: the board's own JSON would be read as results, or the results hidden as its output."""
    results, out = results_dir.resolve(), out_dir.resolve()
    if out == results or out in results.parents:
        raise WorkBenchError(
            f"--out {out_dir} is the results folder {results_dir} or contains it; write the board "
            f"to another folder (e.g. {out_dir / 'leaderboard'} inside the results folder is fine)"
            if out == results
            else f"--out {out_dir} contains the results folder {results_dir}; write the board to another folder"
        )


def build_leaderboard(
    results_dir: Path,
    out_dir: Path,
    *,
    suite: str | None = "workbench-core",
    data_dir: Path | None = None,
    seed: int = 0,
    n_bootstrap: int = 1000,
    tasks: list[TaskSpec] | None = None,
    split: str = "test",
    ledger: Ledger | None = None,
) -> BuildReport:
    """Build the leaderboard of `results_dir` into `out_dir`.

    Tasks: `tasks` if given (TaskSpec objects, in column order), else `suite_tasks(suite)`, else (suite
    None) every catalog task that appears in the results. `data_dir`: verify each result's data
    checksums against the files there (else against the package's data manifest). `ledger`: the
    verification ledger (the public board passes the committed one: only verified rows are ranked);
    without one nothing is marked verified and every row is ranked as self-reported by its files.
    """
    results_dir, out_dir = Path(results_dir), Path(out_dir)
    if n_bootstrap < 1:
        raise WorkBenchError(f"n_bootstrap must be at least 1, got {n_bootstrap}")
    if seed < 0:
        raise WorkBenchError(f"seed must be a non-negative integer, got {seed}")
    if data_dir is not None and not Path(data_dir).is_dir():
        raise WorkBenchError(f"data directory {data_dir} does not exist or is not a folder")
    _check_out_dir(results_dir, out_dir)
    specs = resolve_tasks(results_dir, suite, tasks, exclude=out_dir)
    label = suite if tasks is None else None
    collection = collect(results_dir, specs, split=split, data_dir=data_dir, exclude=out_dir, ledger=ledger)
    if not collection.accepted:  # refused files alone make no board: nothing was done, exit non-zero
        first = collection.refused[0] if collection.refused else None
        refused = f" ({len(collection.refused)} refused, e.g. {first.path}: {first.reason})" if first else ""
        raise WorkBenchError(
            f"nothing to rank: none of the {collection.files_seen} result files in {results_dir} "
            f"is a valid result for split {split!r} and a task of the board ({len(specs)} tasks){refused}"
        )
    drop_renamed_duplicates(collection, split, results_dir)
    board = build_board(collection, specs, suite=label, split=split, seed=seed, n_bootstrap=n_bootstrap)
    transfer = build_transfer(board)

    files = write_board(out_dir, board, collection, transfer)
    return BuildReport(
        out_dir=out_dir,
        files=files,
        files_seen=collection.files_seen,
        accepted=len(collection.accepted),
        refused=list(collection.refused),
        skipped=len(collection.skipped),
        models=len(board.models),
        ranked=sum(1 for r in board.main if r.complete),
        variants=len(board.variants),
        unverified=len(board.self_reported) + len(board.archived),
        warnings=board.notes + collection.warnings,
    )


def _stage_folder(out_dir: Path) -> Path:
    """A fresh hidden folder inside `out_dir` (same file system: the swap is renames); `out_dir` is made."""
    if out_dir.exists() and not out_dir.is_dir():
        raise WorkBenchError(f"--out {out_dir} exists and is not a folder; the board is written into a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".board-build-", dir=out_dir))
    except OSError as err:
        raise WorkBenchError(f"--out {out_dir} cannot be written ({err.strerror or err})") from None


def write_board(out_dir: Path, board, collection, transfer) -> list[str]:
    """Write every file of the board into a temporary folder, then move them over the old ones.

    A write that fails (a full disk, a file-size limit) leaves the old board whole: nothing is moved until
    every new file is written; the temporary folder is removed either way. Other files in `out_dir` (notes
    of one's own) are kept; plots the new board no longer has are removed after the swap."""
    stage = _stage_folder(out_dir)
    try:
        try:
            plots = write_plots(board, transfer, stage)
            outputs = {
                "leaderboard.md": to_markdown(board, collection, transfer, plots),
                "leaderboard.csv": to_csv(board),
                "leaderboard.json": to_json(to_data(board, collection, transfer, plots)),
                "index.html": render(board, collection, transfer, plots, stage),
            }
            for name, text in outputs.items():
                atomic_write_bytes(inside(stage, stage / name), text.encode("utf-8"))
        except OSError as err:
            raise WorkBenchError(
                f"the board could not be written into {out_dir} ({err.strerror or err}); the board there is unchanged"
            ) from None
        files = sorted([*outputs, *plots])
        for name in files:  # renames within one file system: no space needed, each file whole
            os.replace(stage / name, inside(out_dir, out_dir / name))
        for stale in set(PLOT_NAMES) - set(plots):
            (out_dir / stale).unlink(missing_ok=True)
        return files
    finally:
        shutil.rmtree(stage, ignore_errors=True)
