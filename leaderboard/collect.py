"""Read, validate and deduplicate result files before anything is averaged.

Every `*.json` file under the results folder is read with `read_result` (schema check plus the
aggregate check that detects edited files). A file is *refused*, with one reason, when it

- cannot be read, fails the schema, or its stored aggregates disagree with its per-query values;
- is for a task outside the leaderboard's task list, or for another split;
- records a task version or spec hash other than the catalog's spec of that task;
- lacks the task's main score;
- is unofficial (`official: false`, e.g. a `--limit` run): such files are never ranked;
- was computed on other data: its `data_files` checksums differ from the reference. With a data
  directory the reference is the sha256 of each listed file as it is there now; without one it is
  the checksum set most common among the valid official files of that task (ties: the set whose
  canonical JSON sorts first, and a warning says the reference was ambiguous);
- is a duplicate of the same (model name, task, split): the newest `created_at` wins (ties: the
  path that sorts last); the others are refused as superseded.

One bad file never stops the build: it is listed with its reason and the rest go on.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from workbench.errors import WorkBenchError
from workbench.io import sha256_file
from workbench.results import ResultFile, read_result
from workbench.spec import TaskSpec

# Kinds of refusal, in the order the checks run.
INVALID = "invalid"          # unreadable, schema error, tampered aggregates
OUT_OF_SCOPE = "out-of-scope"  # task not on the board, other split
MISMATCH = "spec-mismatch"   # task version / spec hash / main score
UNOFFICIAL = "unofficial"
DATA = "data-mismatch"
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Refusal:
    path: str  # relative to the results folder, POSIX separators
    kind: str
    reason: str


@dataclass(frozen=True)
class Entry:
    path: str
    result: ResultFile


@dataclass
class Collection:
    """Accepted results keyed by (model name, task name), plus every refused file with its reason."""

    accepted: dict[tuple[str, str], Entry] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)
    # files for other tasks or splits: a results folder usually holds several suites, so these are
    # counted, not reported one by one (and do not fail --strict)
    skipped: list[Refusal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files_seen: int = 0
    inputs_sha256: str = ""


def _created(result: ResultFile) -> datetime:
    stamp = datetime.fromisoformat(result.created_at.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _checksum_key(data_files: dict[str, str]) -> str:
    return json.dumps(sorted(data_files.items()))


def _data_dir_reference(data_dir: Path, data_files: dict[str, str], memo: dict[str, str | None]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for rel in data_files:
        if rel not in memo:
            path = Path(data_dir) / rel
            memo[rel] = sha256_file(path) if path.is_file() else None
        out[rel] = memo[rel]
    return out


def _data_problem(data_files: dict[str, str], reference: dict[str, str | None]) -> str | None:
    for rel in sorted(data_files):
        expected = reference.get(rel)
        if expected is None:
            return f"data file {rel!r} is not in the data directory, so the result cannot be verified"
        if expected != data_files[rel]:
            return f"data file {rel!r} has sha256 {data_files[rel][:12]}… but the reference is {expected[:12]}…"
    missing = sorted(set(reference) - set(data_files))
    if missing:
        return f"data files {missing} of the reference are not recorded in the result"
    return None


def collect(results_dir: Path, tasks: list[TaskSpec], *, split: str = "test", data_dir: Path | None = None,
            exclude: Path | None = None) -> Collection:
    """Validate every result file under `results_dir` against `tasks`; see the module doc for the rules.

    `exclude`: a folder whose files are not results (the leaderboard's own output folder when it lies
    inside the results folder, e.g. `results/leaderboard`), skipped silently.
    """
    import hashlib

    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise WorkBenchError(f"results folder {results_dir} does not exist or is not a folder")
    specs = {spec.name: spec for spec in tasks}
    out = Collection()
    digest = hashlib.sha256()
    candidates: list[Entry] = []

    skip = Path(exclude).resolve() if exclude is not None else None
    paths = sorted(p for p in results_dir.rglob("*.json")
                   if p.is_file() and not (skip is not None and skip in p.resolve().parents))
    out.files_seen = len(paths)
    for path in paths:
        rel = path.relative_to(results_dir).as_posix()
        digest.update(rel.encode("utf-8") + b"\0" + sha256_file(path).encode("ascii") + b"\n")

        def refuse(kind: str, reason: str) -> None:
            (out.skipped if kind == OUT_OF_SCOPE else out.refused).append(Refusal(rel, kind, reason))

        try:
            result = read_result(path)
            _created(result)
        except WorkBenchError as err:
            refuse(INVALID, str(err).replace(str(path), rel, 1).removeprefix(f"{rel}: "))
            continue
        except Exception as err:  # noqa: BLE001 - corrupt base64, bad dates, ...: report, skip, go on
            refuse(INVALID, f"unreadable result file ({type(err).__name__}: {err})")
            continue
        spec = specs.get(result.task.name)
        if spec is None:
            refuse(OUT_OF_SCOPE, f"task {result.task.name!r} is not on this leaderboard")
        elif result.split != split:
            refuse(OUT_OF_SCOPE, f"split {result.split!r}; the leaderboard ranks split {split!r}")
        elif result.task.version != spec.version:
            refuse(MISMATCH, f"task version {result.task.version}, but the suite's {spec.name} is version {spec.version}")
        elif result.task.spec_hash != spec.spec_hash:
            refuse(MISMATCH, f"spec_hash {result.task.spec_hash[:12]}… differs from the suite's {spec.key} ({spec.spec_hash[:12]}…): the task file changed")
        elif spec.main_score not in result.scores:
            refuse(MISMATCH, f"main score {spec.main_score!r} is missing from the scores")
        elif not result.official:
            refuse(UNOFFICIAL, "unofficial run (official: false, e.g. --limit); never ranked")
        else:
            candidates.append(Entry(rel, result))
    out.inputs_sha256 = digest.hexdigest()

    # Data checksums: against the data directory, else against the most common set per task.
    memo: dict[str, str | None] = {}
    reference: dict[str, dict[str, str]] = {}
    if data_dir is None:
        for task in sorted({e.result.task.name for e in candidates}):
            counts = Counter(_checksum_key(e.result.data_files) for e in candidates if e.result.task.name == task)
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
                out.warnings.append(f"task {task}: no majority data checksum set ({len(ranked)} sets tie); "
                                    "the first in sorted order is the reference — pass --data-dir to verify")
            reference[task] = dict(json.loads(ranked[0][0]))
    valid: list[Entry] = []
    for entry in candidates:
        files = entry.result.data_files
        ref = _data_dir_reference(Path(data_dir), files, memo) if data_dir is not None else reference[entry.result.task.name]
        problem = _data_problem(files, ref)
        if problem:
            out.refused.append(Refusal(entry.path, DATA, problem))
        else:
            valid.append(entry)

    # Duplicates of (model, task): newest created_at wins, ties go to the path that sorts last.
    by_key: dict[tuple[str, str], list[Entry]] = {}
    for entry in valid:
        by_key.setdefault((entry.result.model.name, entry.result.task.name), []).append(entry)
    for key in sorted(by_key):
        group = sorted(by_key[key], key=lambda e: (_created(e.result), e.path))
        winner = group[-1]
        out.accepted[key] = winner
        for loser in group[:-1]:
            out.refused.append(Refusal(loser.path, SUPERSEDED,
                                       f"duplicate of ({key[0]}, {key[1]}, {split}); {winner.path} "
                                       f"(created {winner.result.created_at}) is newer and is used"))

    revisions: dict[str, set[str]] = {}
    for (model, _), entry in out.accepted.items():
        revisions.setdefault(model, set()).add(entry.result.model.revision)
    for model in sorted(revisions):
        if len(revisions[model]) > 1:
            out.warnings.append(f"model {model}: results come from {len(revisions[model])} revisions "
                                f"({', '.join(sorted(revisions[model]))})")
    out.refused.sort(key=lambda r: (r.path, r.kind))
    return out
