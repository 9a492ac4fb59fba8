"""Turn accepted results into the board: per-task cells, group means, macro scores, ranks, statistics.

Rules:
- a cell is the task's main score on the leaderboard split; a missing result leaves the cell empty;
- a group mean is the mean of the main scores of the group's tasks, and only exists when the model
  has every task of the group;
- the headline is macro MAP (and macro RP@10): the mean over all tasks of the board of that metric.
  A model missing any task gets no macro score (it is listed as incomplete, k/n), never a partial mean;
- ranked models are ordered by macro MAP (ties, as shown to two decimals, share a rank: 1, 1, 3); incomplete
  ones follow, unranked;
- per (model, task) and for the macro scores: 95 % percentile bootstrap intervals over queries;
- sections: a model whose card names `variant_of` (a transfer run, ablation or replicate of a submitted
  model) is listed apart from the main ranking; ranks, the best of each task and the rank-1 model are
  taken among the main models only (variants are still tested against them);
- verification (verification.py): on a board built with the verification ledger, a model is ranked only
  when every one of its files is `verified`; other models are listed under "Self-reported" (or "Archived —
  not reproducible" when the card says `reproducible: false`), never bold, never best, never the reference
  of a significance mark (they are still tested against the best);
- zero-shot per cell: yes / no / unknown (None) when the model declares no training data (zeroshot.zero_shot);
- each model is compared with the best model of each task (and with the rank-1 model on macro MAP)
  by a paired randomisation test on per-query values; pairs need equal `query_ids_sha256`, otherwise
  the test is skipped and the reason is kept. p < 0.05 marks the difference as significant (no
  multiple-comparison correction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

import numpy as np

from workbench.results.result_file import ModelRecord, ResultFile
from workbench.taskfiles.spec import TaskSpec

from .collect import Collection
from .stats import ALPHA, interval, paired_randomisation, resampled_means, rng_for
from .verification import ARCHIVED, SELF_REPORTED, VERIFIED
from .zeroshot import zero_shot

HEADLINE = ("map", "rp@10")
RANK_METRIC = "map"
# Keys read from `result.latency`, first found wins (milliseconds per query, mean over queries).
LATENCY_KEYS = ("ms_per_query_mean", "mean_ms", "ms_per_query", "mean_ms_per_query")


@dataclass
class Cell:
    model: str
    task: str
    score: float
    scores: dict[str, float]
    per_query: dict[str, np.ndarray]
    query_ids_sha256: str
    n_queries: int
    path: str
    result: ResultFile
    zero_shot: bool | None  # None: unknown (no training data declared)
    ci: tuple[float, float] | None = None
    replicates: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    is_best: bool = False
    p_vs_best: float | None = None
    test_note: str | None = None
    above_best: bool = False  # a variant scoring above the best submitted model: never marked "below"
    state: str | None = None  # the file's verification state; None: the board has no ledger

    @property
    def significant(self) -> bool:
        """Significantly below the best (the test is two-sided; a cell above the best is never marked)."""
        return self.p_vs_best is not None and self.p_vs_best < ALPHA and not self.above_best

    @property
    def latency_ms(self) -> float | None:
        return latency_ms(self.result)


@dataclass
class ModelRow:
    name: str
    record: ModelRecord
    tasks_completed: int
    macro: dict[str, float | None]
    macro_ci: dict[str, tuple[float, float] | None]
    group_means: dict[str, float | None]
    not_zero_shot: list[str]
    unknown_zero_shot: list[str] = field(default_factory=list)
    rank: int | None = None
    macro_p_vs_best: float | None = None
    macro_test_note: str | None = None
    latency_ms: float | None = None
    macro_above_best: bool = False  # a variant above the leader: never marked "below"
    state: str | None = None  # verified / self-reported / archived; None: the board has no ledger

    @property
    def rankable(self) -> bool:
        return self.state in (None, VERIFIED)

    @property
    def complete(self) -> bool:
        return self.macro.get(RANK_METRIC) is not None

    @property
    def macro_significant(self) -> bool:
        return self.macro_p_vs_best is not None and self.macro_p_vs_best < ALPHA and not self.macro_above_best

    @property
    def is_variant(self) -> bool:
        return bool(self.record.variant_of)

    @property
    def zero_shot(self) -> bool | None:
        """False when any task is not zero-shot, None (unknown) when any is unknown, else True."""
        if self.not_zero_shot:
            return False
        return None if self.unknown_zero_shot else True


@dataclass
class Board:
    suite: str | None
    split: str
    tasks: list[TaskSpec]
    groups: list[str]
    models: list[ModelRow]
    cells: dict[tuple[str, str], Cell]
    seed: int
    n_bootstrap: int
    best: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def cell(self, model: str, task: str) -> Cell | None:
        return self.cells.get((model, task))

    @property
    def main(self) -> list[ModelRow]:
        """The main ranking: one row per submitted, verified model (no variants)."""
        return [r for r in self.models if r.rankable and not r.is_variant]

    @property
    def variants(self) -> list[ModelRow]:
        return [r for r in self.models if r.rankable and r.is_variant]

    @property
    def self_reported(self) -> list[ModelRow]:
        return [r for r in self.models if r.state == SELF_REPORTED]

    @property
    def archived(self) -> list[ModelRow]:
        return [r for r in self.models if r.state == ARCHIVED]


def latency_ms(result: ResultFile) -> float | None:
    """Mean milliseconds per query from `result.latency` (keys in LATENCY_KEYS), or None."""
    for key in LATENCY_KEYS:
        value = (result.latency or {}).get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value) and value > 0:
            return float(value)
    return None


def _pair_note(a: Cell, b: Cell) -> str | None:
    if a.query_ids_sha256 != b.query_ids_sha256 or a.n_queries != b.n_queries:
        return (
            f"query ids differ from {b.model}'s ({a.query_ids_sha256[:8]}… vs {b.query_ids_sha256[:8]}…), "
            "so the per-query values cannot be paired; no test"
        )
    return None


def _cells(collection: Collection, tasks: list[TaskSpec]) -> dict[tuple[str, str], Cell]:
    specs = {t.name: t for t in tasks}
    cells: dict[tuple[str, str], Cell] = {}
    for (model, task), entry in collection.accepted.items():
        result, spec = entry.result, specs[task]
        cells[(model, task)] = Cell(
            model=model,
            task=task,
            score=result.scores[spec.main_score],
            scores=dict(result.scores),
            per_query=result.per_query.decode(),
            query_ids_sha256=result.per_query.query_ids_sha256,
            n_queries=int(result.sizes.get("queries", 0)),
            path=entry.path,
            result=result,
            zero_shot=zero_shot(result.model, spec),
            state=entry.state,
        )
    return cells


def _row_state(cells: list[Cell]) -> str | None:
    """verified when every file is; archived when any is; else self-reported (None: no ledger)."""
    states = {c.state for c in cells}
    if None in states:
        return None
    if states == {VERIFIED}:
        return VERIFIED
    return ARCHIVED if ARCHIVED in states else SELF_REPORTED


def _test_tasks(
    cells: dict[tuple[str, str], Cell],
    tasks: list[TaskSpec],
    variants: set[str],
    unranked: set[str],
    seed: int,
    n_bootstrap: int,
) -> dict[str, str]:
    """Bootstrap every cell; per task mark the best main model and test every other cell against it."""
    best: dict[str, str] = {}
    for spec in tasks:
        in_task = sorted((c for c in cells.values() if c.task == spec.name), key=lambda c: (-c.score, c.model))
        for c in in_task:
            wanted = {m: c.per_query[m] for m in sorted({spec.main_score, *HEADLINE}) if m in c.per_query}
            c.replicates = resampled_means(wanted, rng_for(seed, "bootstrap", spec.name, c.model), n_bootstrap)
            c.ci = interval(c.replicates[spec.main_score])
        # the best is taken among submitted verified models; verified variants only when a task has no main
        # model at all; a self-reported or archived model is never the best
        rankable = [c for c in in_task if c.model not in unranked]
        pool = [c for c in rankable if c.model not in variants] or rankable
        if not pool:
            continue
        top = pool[0]
        top.is_best = True
        best[spec.name] = top.model
        for c in in_task:
            if c is top:
                continue
            c.above_best = c.score > top.score
            c.test_note = _pair_note(c, top)
            if c.test_note is None:
                c.p_vs_best = paired_randomisation(
                    [c.per_query[spec.main_score]],
                    [top.per_query[spec.main_score]],
                    rng_for(seed, "paired", spec.name, c.model, top.model),
                    n_bootstrap,
                )
    return best


def _model_row(model: str, cells: dict[tuple[str, str], Cell], tasks: list[TaskSpec], groups: list[str]) -> ModelRow:
    names = [t.name for t in tasks]
    mine = {t: cells[(model, t)] for t in names if (model, t) in cells}
    card = mine[next(t for t in names if t in mine)]  # the first task's card; a date never picks it
    macro: dict[str, float | None] = {}
    macro_ci: dict[str, tuple[float, float] | None] = {}
    for metric in HEADLINE:
        complete = len(mine) == len(names) and all(metric in mine[t].replicates for t in names)
        if complete:
            # Tasks were resampled independently; a macro replicate is the mean of the task replicates.
            macro[metric] = float(np.mean([mine[t].scores[metric] for t in names]))
            macro_ci[metric] = interval(np.mean([mine[t].replicates[metric] for t in names], axis=0))
        else:
            macro[metric], macro_ci[metric] = None, None
    group_means = {}
    for group in groups:
        members = [t.name for t in tasks if t.group == group]
        group_means[group] = (
            float(np.mean([mine[t].score for t in members])) if all(t in mine for t in members) else None
        )
    latencies = [c.latency_ms for c in mine.values() if c.latency_ms is not None]
    return ModelRow(
        state=_row_state(list(mine.values())),
        name=model,
        record=card.result.model,
        tasks_completed=len(mine),
        macro=macro,
        macro_ci=macro_ci,
        group_means=group_means,
        not_zero_shot=[t for t in names if t in mine and mine[t].zero_shot is False],
        unknown_zero_shot=[t for t in names if t in mine and mine[t].zero_shot is None],
        latency_ms=float(median(latencies)) if latencies else None,
    )


def shown_score(value: float) -> str:
    """A score as the board shows it (x100, two decimals; `tables.pct`): what a reader compares."""
    return f"{100 * value:.2f}"


def competition_ranks(scores: list[float]) -> list[int]:
    """Ranks of scores sorted best first, ties sharing the best rank of their run ("1, 1, 3"). Scores that the
    board shows alike are tied: a rank must not part two rows whose shown macro MAP is the same."""
    ranks: list[int] = []
    for i, score in enumerate(scores):
        tied = i and shown_score(score) == shown_score(scores[i - 1])
        ranks.append(ranks[-1] if tied else i + 1)
    return ranks


def _rank(
    rows: list[ModelRow], cells: dict[tuple[str, str], Cell], names: list[str], seed: int, n_bootstrap: int
) -> list[ModelRow]:
    """Main models ranked by macro MAP (ties share a rank), then incomplete ones, then the variants by macro
    MAP (unranked); every complete model other than the leader is tested against the leader."""
    by_score = lambda r: (-r.macro[RANK_METRIC], r.name)  # noqa: E731
    ranked = sorted((r for r in rows if r.complete and r.rankable and not r.is_variant), key=by_score)
    for row, rank in zip(ranked, competition_ranks([r.macro[RANK_METRIC] for r in ranked]), strict=True):
        row.rank = rank
    by_count = lambda r: (-r.tasks_completed, r.name)  # noqa: E731
    unranked = sorted((r for r in rows if not r.complete and r.rankable and not r.is_variant), key=by_count)
    variants = sorted((r for r in rows if r.complete and r.rankable and r.is_variant), key=by_score) + sorted(
        (r for r in rows if not r.complete and r.rankable and r.is_variant), key=by_count
    )
    # self-reported and archived rows: listed by score in their own sections, never ranked
    listed = sorted((r for r in rows if r.complete and not r.rankable), key=by_score) + sorted(
        (r for r in rows if not r.complete and not r.rankable), key=by_count
    )
    if ranked:
        leader = ranked[0]
        for row in ranked[1:] + [v for v in variants + listed if v.complete]:
            pairs = [(cells[(row.name, t)], cells[(leader.name, t)]) for t in names]
            problems = [f"{t}: {n}" for t, n in ((a.task, _pair_note(a, b)) for a, b in pairs) if n]
            if problems:
                row.macro_test_note = "not paired on " + "; ".join(problems)
                continue
            row.macro_above_best = row.macro[RANK_METRIC] > leader.macro[RANK_METRIC]
            row.macro_p_vs_best = paired_randomisation(
                [a.per_query[RANK_METRIC] for a, _ in pairs],
                [b.per_query[RANK_METRIC] for _, b in pairs],
                rng_for(seed, "macro-paired", row.name, leader.name),
                n_bootstrap,
            )
    return ranked + unranked + variants + listed


def build_board(
    collection: Collection,
    tasks: list[TaskSpec],
    *,
    suite: str | None,
    split: str = "test",
    seed: int = 0,
    n_bootstrap: int = 1000,
) -> Board:
    names = [t.name for t in tasks]
    cells = _cells(collection, tasks)
    notes: list[str] = []
    for metric in HEADLINE:
        lacking = [t.name for t in tasks if metric not in t.metrics]
        if lacking:
            notes.append(f"macro {metric} is undefined: task(s) {', '.join(lacking)} do not compute it")
    variants = {e.result.model.name for e in collection.accepted.values() if e.result.model.variant_of}
    models = sorted({m for m, _ in cells})
    unranked = {m for m in models if _row_state([c for c in cells.values() if c.model == m]) not in (None, VERIFIED)}
    best = _test_tasks(cells, tasks, variants, unranked, seed, n_bootstrap)
    groups = list(dict.fromkeys(t.group for t in tasks))
    rows = [_model_row(model, cells, tasks, groups) for model in models]
    return Board(
        suite=suite,
        split=split,
        tasks=list(tasks),
        groups=groups,
        models=_rank(rows, cells, names, seed, n_bootstrap),
        cells=cells,
        seed=seed,
        n_bootstrap=n_bootstrap,
        best=best,
        notes=notes,
    )
