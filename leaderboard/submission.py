"""`workbench results check RESULTS/MODEL`: is one model's result folder ready for the public board?

A submission is one folder of one model's result files. It passes when
- every file for a task of the suite reads (files for other tasks, e.g. other suites, are left alone), validates and survives the leaderboard's own checks (`collect`: schema, edited
  aggregates, query sets, timestamps, spec version and hash) — run on the folder alone;
- it covers the whole official suite on the official split, each task by an official run (no `--limit`);
- every task's version and spec hash equal the catalog's, and its data checksums equal the canonical
  ones: the files in `data_dir` when given, else the checksums of the board's accepted results;
- all files record one model: one name, one revision, one set of settings;
- the model card declares its parameter count and its weights' license (a model declaring training data
  "none", such as BM25, has no weights and may leave both empty), and its training data (a list, "undisclosed", or "none");
- its weights and settings are not already on the board under another name (`identity.model_identity`).

Each problem is one line naming the file (relative to the folder) or the field; exit status 1 when any.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from workbench.catalog import suite_tasks
from workbench.io import sha256_file
from workbench.model import NOT_TRAINED
from workbench.results import ModelRecord

from .collect import Collection, collect
from .identity import drop_renamed_duplicates, model_identity

OFFICIAL_SUITE = "workbench-core"
OFFICIAL_SPLIT = "test"
UNKNOWN_LICENSES = {"", "unknown", "n/a"}


@dataclass
class CheckReport:
    folder: Path
    problems: list[str] = field(default_factory=list)
    model: str | None = None
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            return [
                f"ok: {self.folder} — model {self.model}, {self.files} result files, "
                f"suite {OFFICIAL_SUITE} complete on split {OFFICIAL_SPLIT}"
            ]
        return [f"{self.folder}: {p}" for p in self.problems]


def card_problems(record: ModelRecord) -> list[str]:
    problems = []
    declared = [str(e).strip().lower() for e in record.training_data if str(e).strip()]
    untrained = declared == [NOT_TRAINED]
    if not declared:
        problems.append(
            'model.training_data is empty: list the training data, or declare ["undisclosed"] '
            '(or ["none"] for a model that is not trained)'
        )
    if not record.parameters and not untrained:
        problems.append("model.parameters is missing: declare the parameter count")
    if record.license.strip().lower() in UNKNOWN_LICENSES and not untrained:
        problems.append(f"model.license is {record.license!r}: declare the weights' license (SPDX id or name)")
    return problems


def _canonical_checksums(
    board: Collection, task: str, files: dict[str, str], data_dir: Path | None, model: str
) -> dict[str, str | None]:
    """The data files' sha256 in `data_dir`, else the most common checksum set among the board's other models."""
    if data_dir is not None:
        return {rel: sha256_file(Path(data_dir) / rel) if (Path(data_dir) / rel).is_file() else None for rel in files}
    sets = Counter(
        json.dumps(sorted(e.result.data_files.items()))
        for (name, t), e in board.accepted.items()
        if t == task and name != model
    )
    return dict(json.loads(min(sets, key=lambda k: (-sets[k], k)))) if sets else {}


def check_submission(
    folder: Path,
    board_dir: Path | None,
    *,
    data_dir: Path | None = None,
    suite: str = OFFICIAL_SUITE,
    split: str = OFFICIAL_SPLIT,
) -> CheckReport:
    folder = Path(folder)
    report = CheckReport(folder)
    specs = suite_tasks(suite)
    own = collect(folder, specs, split=split, data_dir=data_dir)
    report.files = own.files_seen
    report.problems += [f"{r.path}: {r.reason} [{r.kind}]" for r in own.refused]
    found = {task: entry for (_, task), entry in own.accepted.items()}
    missing = [s.name for s in specs if s.name not in found]
    if missing:
        report.problems.append(
            f"suite {suite} on split {split} is incomplete: no accepted official result for {', '.join(missing)}"
        )
    records = {(e.result.model.name, e.result.model.revision, model_identity(e.result.model)) for e in found.values()}
    if len(records) > 1:
        report.problems.append(
            f"the folder holds more than one model (name, revision, settings): {sorted((n, r) for n, r, _ in records)}"
        )
    if not found:
        return report
    first = min(found.values(), key=lambda e: e.path).result.model
    report.model = first.name
    report.problems += card_problems(first)

    board = collect(board_dir, specs, split=split) if board_dir is not None else Collection()
    if board_dir is not None:
        drop_renamed_duplicates(board, split)
    for task, entry in sorted(found.items()):
        canonical = _canonical_checksums(board, task, entry.result.data_files, data_dir, first.name)
        if canonical and canonical != entry.result.data_files:
            report.problems.append(
                f"{entry.path}: data checksums differ from the canonical ones of {task} "
                f"(files {sorted(k for k in set(canonical) | set(entry.result.data_files) if canonical.get(k) != entry.result.data_files.get(k))})"
            )
    mine = model_identity(first)
    others = sorted(
        {
            e.result.model.name
            for e in board.accepted.values()
            if model_identity(e.result.model) == mine and e.result.model.name != first.name
        }
    )
    if others:
        report.problems.append(
            f"model {first.name!r} (revision {first.revision[:12]}, same settings) is already on the "
            f"board as {', '.join(map(repr, others))}: submit it under that name or not at all"
        )
    return report


__all__ = ["OFFICIAL_SPLIT", "OFFICIAL_SUITE", "CheckReport", "card_problems", "check_submission"]
