"""`workbench results check RESULTS/MODEL`: is one model's result folder ready for the public board?

A submission is one folder of one model's result files. It passes when
- every file for a task of the suite reads (files for other tasks, e.g. other suites, are left alone),
  validates and survives the leaderboard's own checks (`collect`: schema, edited aggregates, query sets,
  spec version and hash, data checksums against the package's data manifest or `data_dir`, the name and
  card rules of names.py) — run on the folder alone;
- it covers the whole official suite on the official split, each task by an official run (no `--limit`);
- all files record one model: one name, one revision, one set of settings;
- the model card declares its parameter count (>= 0) and its weights' license (a model declaring training
  data "none", such as BM25, has no weights and may leave both empty), and its training data (a list,
  "undisclosed", or "none");
- against the board (`board_dir`, required: the check says what it compared against): its name is not
  a look-alike of a board model's name; it does not carry a board model's name with other weights (another
  revision: a card copied from that model); its weights and settings (`identity.model_identity`) or its
  per-query values are not already on the board under another name (a duplicate).

Each problem is one line naming the file (relative to the folder) or the field; exit status 1 when any.
Whether the values are *true* is `workbench results verify`'s question (reproduce.py), not this one's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import WorkBenchError
from workbench.models.model import NOT_TRAINED
from workbench.results.result_file import ModelRecord
from workbench.taskfiles.catalog import suite_tasks

from .collect import Collection, Entry, collect
from .identity import model_identity, values_digest
from .names import card_problem, lookalike_of

OFFICIAL_SUITE = "workbench-core"
OFFICIAL_SPLIT = "test"
UNKNOWN_LICENSES = {"", "unknown", "n/a"}


@dataclass
class CheckReport:
    folder: Path
    problems: list[str] = field(default_factory=list)
    model: str | None = None
    files: int = 0
    board: str = ""  # what the folder was compared against

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            return [
                f"ok: {self.folder} — model {self.model}, {self.files} result files, "
                f"suite {OFFICIAL_SUITE} complete on split {OFFICIAL_SPLIT}; compared against {self.board}"
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
    negative = card_problem(record.parameters)
    if negative:
        problems.append(negative)
    elif not record.parameters and not untrained:
        problems.append("model.parameters is missing: declare the parameter count")
    if record.license.strip().lower() in UNKNOWN_LICENSES and not untrained:
        problems.append(f"model.license is {record.license!r}: declare the weights' license (SPDX id or name)")
    return problems


def _board_problems(record: ModelRecord, found: dict[str, Entry], board: Collection) -> list[str]:
    """Name look-alikes, a board model's name with other weights, and copies of a board model's files."""
    board_models = {e.result.model.name: e.result.model for e in board.accepted.values()}
    problems = []
    imitated = lookalike_of(record.name, set(board_models) | {record.name})
    if imitated:
        problems.append(f"model.name {record.name!r} reads like the board's {imitated!r}")
    known = board_models.get(record.name)
    if known is not None and known.revision != record.revision:
        problems.append(
            f"model {record.name!r} is on the board at revision {known.revision[:12]}; this folder's model has revision "
            f"{record.revision[:12]} (other weights): a card copied from a known model is refused. Give your model "
            "its own name, or submit that model's own weights"
        )
    mine = model_identity(record)
    same = {n for n, m in board_models.items() if n != record.name and model_identity(m) == mine}
    if same:
        problems.append(
            f"model {record.name!r} (revision {record.revision[:12]}, same settings) is already on the "
            f"board as {', '.join(map(repr, sorted(same)))}: submit it under that name or not at all"
        )
    digests = {values_digest(e): e.path for (n, _), e in board.accepted.items() if n != record.name}
    for _, entry in sorted(found.items()):
        original = digests.get(values_digest(entry))
        if original:
            problems.append(f"{entry.path}: its per-query values equal the board's {original} (a renamed copy)")
    return problems


def _board(board_dir: Path | None, specs, split: str) -> tuple[Collection, str]:
    if board_dir is None:
        raise WorkBenchError(
            "no board to compare against: run inside the repository (leaderboard/results) or pass --board RESULTS"
        )
    if not Path(board_dir).is_dir():
        raise WorkBenchError(f"--board {board_dir} does not exist or is not a folder")
    board = collect(board_dir, specs, split=split)
    models = len({name for name, _ in board.accepted})
    return board, f"the board {board_dir} ({board.files_seen} result files, {models} models)"


def check_submission(
    folder: Path,
    board_dir: Path | None,
    *,
    data_dir: Path | None = None,
    suite: str = OFFICIAL_SUITE,
    split: str = OFFICIAL_SPLIT,
) -> CheckReport:
    """Raises WorkBenchError when `board_dir` is None or not a folder (nothing to compare against)."""
    folder = Path(folder)
    report = CheckReport(folder)
    specs = suite_tasks(suite)
    board, report.board = _board(board_dir, specs, split)
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
    report.problems += _board_problems(first, found, board)
    return report


__all__ = ["OFFICIAL_SPLIT", "OFFICIAL_SUITE", "CheckReport", "card_problems", "check_submission"]
