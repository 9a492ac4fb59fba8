"""`workbench leaderboard regenerate RESULTS`: recompute committed rows and say whether their numbers drift.

For each selected result file whose model can be obtained here (a registered name: `workbench.models`
entry points; any other row is skipped with the reason), the task and data are checked to be the file's
(`reproduce`: task version and spec hash, data checksums), the row is recomputed through the normal runner
(`runner.evaluate_into`) into a work folder, and its per-query values are compared with the committed ones.
One line per row and task: identical (every per-query float32 value equal), drift within tolerance or drift
beyond it (with the largest |Δ| of a query's value and the Δ of the main score), not comparable (the task,
data, query set or identity differ), failed, or skipped.

Library versions are not identity: a file written by an older sentence-transformers is the same experiment
and compared (a file from before scoring versions is read through `migrate.migrate_result`). Committed files
are never written unless `update` is asked, and then only where the recomputed result has the committed
file's identity (the result store refuses anything else) and differs from it in values or fingerprint.

By default the work runs with a fresh cache (datasets rebuilt from the data files, embeddings computed
again), so nothing an earlier run cached stands in for the recomputation; weights come from where the model
keeps them (a Hugging Face snapshot, a UWE row's cache folder, which is trained from its card's recipe when
missing: name the models to regenerate to avoid that).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.caches.model_memo import lazy_model
from workbench.errors import WorkBenchError
from workbench.results import result_store
from workbench.results.migrate import migrate_result
from workbench.results.result_file import ResultFile, read_result
from workbench.running.reproduce import TOLERANCE, LoadOnce, _task_for, recorded_settings
from workbench.running.runner import _one_line, evaluate_into, output_lock

IDENTICAL, WITHIN, BEYOND = "identical", "within tolerance", "DRIFT beyond tolerance"
NOT_COMPARABLE, FAILED, SKIPPED = "not comparable", "FAILED", "skipped"
FAILING = (BEYOND, NOT_COMPARABLE, FAILED)  # statuses that make the run exit 1


@dataclass
class Row:
    """One committed result file and what regenerating it gave."""

    path: Path
    model: str = "?"
    task: str = "?"
    split: str = "?"
    status: str = SKIPPED
    detail: str = ""
    max_delta: float | None = None  # largest |Δ| of one query's value, over every metric
    main_delta: float | None = None  # Δ of the main score (recomputed - committed)
    updated: bool = False

    def line(self) -> str:
        where = f"{self.model}  {self.task} [{self.split}]"
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.status:<23} {where}{detail}{'  (committed file updated)' if self.updated else ''}"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    tolerance: float = TOLERANCE
    score_tolerance: float = TOLERANCE

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def ok(self) -> bool:
        """No drift beyond tolerance, nothing failed or incomparable, and at least one row compared."""
        compared = self.count(IDENTICAL) + self.count(WITHIN)
        return compared > 0 and not any(row.status in FAILING for row in self.rows)

    def summary(self) -> str:
        return (
            f"{len(self.rows)} rows: {self.count(IDENTICAL)} identical, {self.count(WITHIN)} within tolerance "
            f"({self.tolerance:g} per query, {self.score_tolerance:g} per score), {self.count(BEYOND)} beyond, "
            f"{self.count(NOT_COMPARABLE)} not comparable, {self.count(FAILED)} failed, {self.count(SKIPPED)} "
            f"skipped; {sum(row.updated for row in self.rows)} committed files updated"
        )


def select_rows(
    results_dir: Path,
    *,
    models: list[str] | None = None,
    tasks: list[str] | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> tuple[list[tuple[Row, ResultFile]], list[Row]]:
    """The selected committed files, read ((row, result) in path order), and the unreadable ones (failed rows).
    `sample` draws that many of the selected rows with `seed` (the same draw for the same folder)."""
    chosen, unreadable = [], []
    for path in sorted(p for p in Path(results_dir).rglob("*.json") if not p.name.startswith(".")):
        try:
            result = read_result(path)
        except WorkBenchError as err:
            unreadable.append(Row(path, status=FAILED, detail=str(err).removeprefix(f"{path}: ")))
            continue
        if (models and result.model.name not in models) or (tasks and result.task.name not in tasks):
            continue
        chosen.append((Row(path, result.model.name, result.task.name, result.split), result))
    if sample is not None and sample < len(chosen):
        picked = set(random.Random(seed).sample(range(len(chosen)), sample))
        chosen = [item for k, item in enumerate(chosen) if k in picked]
    return chosen, unreadable


def compare(row: Row, committed: ResultFile, new: ResultFile, tolerance: float, score_tolerance: float) -> None:
    """Set the row's status from the per-query values of two results of one identity and query set."""
    old_values, new_values = committed.per_query.decode(), new.per_query.decode()
    if set(old_values) != set(new_values):
        row.status, row.detail = NOT_COMPARABLE, f"metrics {sorted(old_values)} vs {sorted(new_values)}"
        return
    main = committed.task.main_score
    row.main_delta = new.scores[main] - committed.scores[main]
    if all(np.array_equal(old_values[m], new_values[m]) for m in old_values):
        row.status, row.max_delta, row.detail = IDENTICAL, 0.0, f"{main} {committed.scores[main]:.4f}"
        return
    worst, where, largest = "", 0, -1.0
    for metric in sorted(old_values):
        delta = np.abs(new_values[metric].astype(np.float64) - old_values[metric].astype(np.float64))
        if delta.size and float(delta.max()) > largest:
            worst, where, largest = metric, int(delta.argmax()), float(delta.max())
    row.max_delta = largest
    score_drift = max(abs(new.scores[m] - committed.scores[m]) for m in committed.scores)
    query = (committed.per_query.query_ids or [None] * (where + 1))[where]
    row.status = WITHIN if largest <= tolerance and score_drift <= score_tolerance else BEYOND
    row.detail = (
        f"max |Δ| per query {largest:.3g} ({worst}{f', query {query!r}' if query is not None else ''}), "
        f"Δ {main} {row.main_delta:+.6f} ({committed.scores[main]:.4f} -> {new.scores[main]:.4f})"
    )


def _comparable_form(committed: ResultFile) -> ResultFile:
    """A file from before scoring versions as `workbench results migrate` would write it (library versions out
    of its settings and revision); as it is when it cannot be migrated."""
    try:
        return migrate_result(committed)[0]
    except WorkBenchError:
        return committed


def _check_same_experiment(committed: ResultFile, new: ResultFile) -> str | None:
    """Why two results are not one experiment on one query set, or None."""
    held, got = result_store.identity_of(committed), result_store.identity_of(new)
    if held != got:
        return f"the recomputed result differs in {result_store._differences(held, got)}"
    if committed.per_query.query_ids_sha256 != new.per_query.query_ids_sha256:
        return "the recomputed result has another query set"
    return None


@dataclass
class _Run:
    """What every row of one regeneration shares."""

    work: Path
    data_dir: Path | None
    cache_dir: Path
    tolerance: float
    score_tolerance: float
    update: bool
    load_model: Callable[..., Any]
    log: Callable[[str], None]
    models: LoadOnce = field(init=False)  # each (name, settings) through the runner's lazy loader, once

    def __post_init__(self) -> None:
        self.models = LoadOnce(self._lazy_model)

    def _lazy_model(self, name: str, **settings: Any) -> Any:
        try:
            return lazy_model(name, self.load_model, self.cache_dir, settings=settings)
        except Exception as err:  # a model that cannot be obtained here skips its rows, with the reason
            raise WorkBenchError(str(err) if isinstance(err, WorkBenchError) else _one_line(err)) from None


def _model(run: _Run, name: str, settings: dict[str, Any]) -> Any:
    """The model, loaded once per (name, settings) through the runner's lazy loader; raises why it cannot be."""
    return run.models(name, **settings)


def _regenerate_row(run: _Run, row: Row, committed: ResultFile, settings: dict[str, Any]) -> None:
    try:
        task = _task_for(committed, run.data_dir, run.cache_dir)
    except WorkBenchError as err:
        row.status, row.detail = NOT_COMPARABLE, str(err)
        return
    try:
        model = _model(run, committed.model.name, settings)
    except WorkBenchError as err:
        row.status, row.detail = SKIPPED, f"the model cannot be obtained here ({err})"
        return
    config = committed.config
    new_path, _ = evaluate_into(
        model,
        task,
        committed.split,
        run.work,
        ties=config.get("ties", "average"),
        limit=config.get("limit"),
        settings=settings or None,
        progress=False,
        log=run.log,
    )
    new = read_result(new_path)
    comparable = _comparable_form(committed)
    problem = _check_same_experiment(comparable, new)
    if problem:
        row.status, row.detail = NOT_COMPARABLE, problem
        return
    compare(row, comparable, new, run.tolerance, run.score_tolerance)
    if run.update and (row.status != IDENTICAL or committed.fingerprint != new.fingerprint):
        try:
            result_store.store(row.path, new)  # the store refuses a file of another identity
            row.updated = True
        except WorkBenchError as err:
            row.detail += f"; not updated: {err}"


def regenerate(
    results_dir: Path,
    *,
    load_model: Callable[..., Any],
    registered: Callable[[], list[str]],
    accepted: Callable[[str], list[str]],
    models: list[str] | None = None,
    tasks: list[str] | None = None,
    sample: int | None = None,
    seed: int = 0,
    tolerance: float = TOLERANCE,
    score_tolerance: float = TOLERANCE,
    update: bool = False,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    work_dir: Path | None = None,
    log: Callable[[str], None] = lambda line: None,
    on_row: Callable[[Row], None] = lambda row: None,
) -> Report:
    """Regenerate the selected rows of `results_dir` (module doc); `on_row` is called as each row is done."""
    chosen, unreadable = select_rows(results_dir, models=models, tasks=tasks, sample=sample, seed=seed)
    report = Report(rows=list(unreadable), tolerance=tolerance, score_tolerance=score_tolerance)
    for row in unreadable:
        on_row(row)
    known = {name.lower() for name in registered()}
    with ExitStack() as stack:
        work = (
            Path(work_dir) if work_dir else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wb-regen-")))
        )
        stack.enter_context(output_lock(work / "results"))
        if update:  # no other run writes into the committed folder meanwhile
            stack.enter_context(output_lock(Path(results_dir)))
        run = _Run(
            work / "results",
            data_dir,
            Path(cache_dir) if cache_dir else work / "cache",
            tolerance,
            score_tolerance,
            update,
            load_model,
            log,
        )
        for row, committed in chosen:
            if committed.model.name.lower() not in known:
                row.detail = "not a registered model here (no `workbench.models` entry point names it)"
            else:
                try:
                    _regenerate_row(run, row, committed, recorded_settings(row.path, committed, accepted))
                except Exception as err:  # one row that fails never stops the others
                    row.status, row.detail = FAILED, str(err) if isinstance(err, WorkBenchError) else _one_line(err)
            report.rows.append(row)
            on_row(row)
    return report
