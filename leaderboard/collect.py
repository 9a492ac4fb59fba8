"""Read, validate and deduplicate result files before anything is averaged.

Every `*.json` file under the results folder is read with `read_result` (schema check plus the
aggregate check that detects edited files). A file is *refused*, with one reason, when it

- cannot be read or is not a regular file, fails the schema, holds more per-query data than its query
  count (checked before decoding), claims another query count than its task's canonical query set, has
  per-query values outside its metric's range (every metric is a fraction in [0, 1]), stored aggregates
  that disagree with its per-query values, an empty model name, or `official: true` with a `--limit`;
- has a `created_at` later than the build's clock (plus one hour of clock skew): a date in the future
  would make it "newest" (`future-timestamp`);
- is for a task outside the leaderboard's task list, or for another split;
- records a task version or spec hash other than the catalog's spec of that task;
- lacks the task's main score;
- is unofficial (`official: false`, e.g. a `--limit` run): such files are never ranked;
- was computed on other data: its `data_files` checksums differ from the reference. With a data
  directory the reference is the sha256 of each listed file as it is there now; without one it is
  the checksum set most common among the valid official files of that task (ties: the set whose
  canonical JSON sorts first, and a warning says the reference was ambiguous);
- does not cover exactly the task's canonical query set (count and hash of the query ids; see
  `query_sets.py` for where the reference comes from) (`query-set`);
- conflicts: another file of the same (model, revision, settings, run config, task, split) holds other
  per-query values. The same experiment cannot have two outcomes, so neither is ranked and both are
  listed (`conflict`); an identical copy is refused as a `duplicate` of the file that is used;
- is of the same (model name, task, split) as a file of another revision, settings or run config with a
  later `created_at`: the newest wins (ties: the path that sorts last); the others are `superseded`.

One bad file never stops the build: it is listed with its reason and the rest go on.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from workbench.errors import WorkBenchError
from workbench.io import sha256_file
from workbench.result_store import identity_of
from workbench.results import ResultFile, read_result
from workbench.spec import TaskSpec

from .query_sets import QuerySet, QuerySetRecord, data_key, from_data

# Kinds of refusal, in the order the checks run.
INVALID = "invalid"  # unreadable, schema error, tampered aggregates
OUT_OF_SCOPE = "out-of-scope"  # task not on the board, other split
MISMATCH = "spec-mismatch"  # task version / spec hash / main score
UNOFFICIAL = "unofficial"
FUTURE = "future-timestamp"
DATA = "data-mismatch"
QUERY_SET = "query-set"
CONFLICT = "conflict"
DUPLICATE = "duplicate"
SUPERSEDED = "superseded"

CLOCK_SKEW = timedelta(hours=1)  # a result stamped this far ahead of the build's clock is still accepted


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


def _data_dir_reference(
    data_dir: Path, data_files: dict[str, str], memo: dict[str, str | None]
) -> dict[str, str | None]:
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


@dataclass
class _Context:
    """What every check of one build needs."""

    results_dir: Path
    specs: dict[str, TaskSpec]
    split: str
    data_dir: Path | None
    record: QuerySetRecord
    now: datetime
    out: Collection


def collect(
    results_dir: Path,
    tasks: list[TaskSpec],
    *,
    split: str = "test",
    data_dir: Path | None = None,
    exclude: Path | None = None,
    record: QuerySetRecord | None = None,
    now: datetime | None = None,
) -> Collection:
    """Validate every result file under `results_dir` against `tasks`; see the module doc for the rules.

    `exclude`: a folder whose files are not results (the leaderboard's own output folder when it lies
    inside the results folder, e.g. `results/leaderboard`), skipped silently. `record`: the canonical
    query sets (default: the committed record). `now`: the clock that future timestamps are judged by.
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise WorkBenchError(f"results folder {results_dir} does not exist or is not a folder")
    ctx = _Context(
        results_dir,
        {spec.name: spec for spec in tasks},
        split,
        data_dir,
        QuerySetRecord.load() if record is None else record,
        now or datetime.now(timezone.utc),
        Collection(),
    )
    paths = _result_paths(ctx, exclude)
    ctx.out.inputs_sha256 = _inputs_digest(results_dir, paths)
    candidates = [entry for path in paths if (entry := _check_file(ctx, path)) is not None]
    valid = _check_query_sets(ctx, _check_data(ctx, candidates))
    for key, group in sorted(_by_model_and_task(valid).items()):
        _choose(ctx, key, _drop_conflicts(ctx, group))
    _revision_warnings(ctx.out)
    ctx.out.refused.sort(key=lambda r: (r.path, r.kind))
    return ctx.out


def _result_paths(ctx: _Context, exclude: Path | None) -> list[Path]:
    skip = Path(exclude).resolve() if exclude is not None else None
    paths = sorted(
        p
        for p in ctx.results_dir.rglob("*.json")
        if p.is_file() and not (skip is not None and skip in p.resolve().parents)
    )
    ctx.out.files_seen = len(paths)
    return paths


def _inputs_digest(results_dir: Path, paths: list[Path]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in paths:
        rel = path.relative_to(results_dir).as_posix()
        try:
            content = sha256_file(path)
        except OSError:
            content = "unreadable"
        digest.update(rel.encode("utf-8") + b"\0" + content.encode("ascii") + b"\n")
    return digest.hexdigest()


def _canonical_count(ctx: _Context):
    """For `read_result`: the raw JSON's canonical query count, when its task is on the board and its
    (spec, split, data) is recorded. (A file naming other data is refused by the data check later.)"""

    def count(raw: dict) -> int | None:
        task = raw.get("task") if isinstance(raw.get("task"), dict) else {}
        spec = ctx.specs.get(task.get("name")) if isinstance(task.get("name"), str) else None
        files = raw.get("data_files")
        if (
            spec is None
            or task.get("spec_hash") != spec.spec_hash
            or raw.get("split") != ctx.split
            or not isinstance(files, dict)
        ):
            return None
        try:
            recorded = ctx.record.get(spec.name, spec.spec_hash, ctx.split, data_key(files))
        except TypeError:  # unsortable or unhashable checksums: the schema check names them
            return None
        return recorded.queries if recorded is not None else None

    return count


def _check_file(ctx: _Context, path: Path) -> Entry | None:
    """The file as a candidate, or None after recording why it is refused (or skipped)."""
    rel = path.relative_to(ctx.results_dir).as_posix()

    def refuse(kind: str, reason: str) -> None:
        (ctx.out.skipped if kind == OUT_OF_SCOPE else ctx.out.refused).append(Refusal(rel, kind, reason))

    try:
        result = read_result(path, canonical_queries=_canonical_count(ctx))
        created = _created(result)
    except WorkBenchError as err:
        refuse(INVALID, str(err).replace(str(path), rel, 1).removeprefix(f"{rel}: "))
        return None
    except Exception as err:
        refuse(INVALID, f"unreadable result file ({type(err).__name__}: {err})")
        return None
    problem = _scope_problem(ctx, result)
    if problem:
        refuse(*problem)
        return None
    if created > ctx.now + CLOCK_SKEW:
        refuse(
            FUTURE,
            f"created_at {result.created_at} lies in the future (the build's clock reads "
            f"{ctx.now.replace(microsecond=0).isoformat()}); never ranked",
        )
        return None
    return Entry(rel, result)


def _scope_problem(ctx: _Context, result: ResultFile) -> tuple[str, str] | None:
    spec = ctx.specs.get(result.task.name)
    if spec is None:
        return OUT_OF_SCOPE, f"task {result.task.name!r} is not on this leaderboard"
    if result.split != ctx.split:
        return OUT_OF_SCOPE, f"split {result.split!r}; the leaderboard ranks split {ctx.split!r}"
    if result.task.version != spec.version:
        return MISMATCH, f"task version {result.task.version}, but the suite's {spec.name} is version {spec.version}"
    if result.task.spec_hash != spec.spec_hash:
        return MISMATCH, (
            f"spec_hash {result.task.spec_hash[:12]}… differs from the suite's {spec.key} "
            f"({spec.spec_hash[:12]}…): the task file changed"
        )
    if spec.main_score not in result.scores:
        return MISMATCH, f"main score {spec.main_score!r} is missing from the scores"
    if not result.official:
        return UNOFFICIAL, "unofficial run (official: false, e.g. --limit); never ranked"
    return None


def _check_data(ctx: _Context, candidates: list[Entry]) -> list[Entry]:
    """Data checksums: against the data directory, else against the most common set per task."""
    memo: dict[str, str | None] = {}
    reference: dict[str, dict[str, str]] = {}
    if ctx.data_dir is None:
        for task in sorted({e.result.task.name for e in candidates}):
            counts = Counter(_checksum_key(e.result.data_files) for e in candidates if e.result.task.name == task)
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
                ctx.out.warnings.append(
                    f"task {task}: no majority data checksum set ({len(ranked)} sets tie); "
                    "the first in sorted order is the reference — pass --data-dir to verify"
                )
            reference[task] = dict(json.loads(ranked[0][0]))
    valid: list[Entry] = []
    for entry in candidates:
        files = entry.result.data_files
        ref = (
            _data_dir_reference(Path(ctx.data_dir), files, memo)
            if ctx.data_dir is not None
            else reference[entry.result.task.name]
        )
        problem = _data_problem(files, ref)
        if problem:
            ctx.out.refused.append(Refusal(entry.path, DATA, problem))
        else:
            valid.append(entry)
    return valid


def _query_set(result: ResultFile) -> QuerySet:
    return QuerySet(result.sizes["queries"], result.per_query.query_ids_sha256)


def _reference_query_set(ctx: _Context, spec: TaskSpec, entries: list[Entry]) -> tuple[QuerySet | None, str]:
    """The canonical query set of `spec` for these entries' data, and where it comes from."""
    recorded = ctx.record.get(spec.name, spec.spec_hash, ctx.split, data_key(entries[0].result.data_files))
    if recorded is not None:
        return recorded, "the recorded query set"
    if ctx.data_dir is not None:
        try:
            key, built = from_data(spec, ctx.split, Path(ctx.data_dir))
            if key == data_key(entries[0].result.data_files):
                return built, "the query set built from the data directory"
        except WorkBenchError as err:
            ctx.out.warnings.append(f"task {spec.name}: query set not built from the data directory ({err})")
    counts = Counter(_query_set(e.result) for e in entries)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].query_ids_sha256))
    ctx.out.warnings.append(
        f"task {spec.name}: no recorded query set for its data; the most common among "
        f"{len(entries)} files is the reference ({ranked[0][0].queries} queries)"
        + ("; several tie" if len(ranked) > 1 and ranked[0][1] == ranked[1][1] else "")
    )
    return ranked[0][0], "the query set most files cover"


def _check_query_sets(ctx: _Context, entries: list[Entry]) -> list[Entry]:
    """Every file must cover exactly its task's canonical query set (data is already one version per task)."""
    valid: list[Entry] = []
    for name in sorted({e.result.task.name for e in entries}):
        group = [e for e in entries if e.result.task.name == name]
        reference, source = _reference_query_set(ctx, ctx.specs[name], group)
        for entry in group:
            found = _query_set(entry.result)
            if found == reference:
                valid.append(entry)
            else:
                ctx.out.refused.append(
                    Refusal(
                        entry.path,
                        QUERY_SET,
                        (
                            f"covers {found.queries} queries (ids sha256 {found.query_ids_sha256[:12]}…), but {source} of "
                            f"{name} has {reference.queries} (ids sha256 {reference.query_ids_sha256[:12]}…)"
                        ),
                    )
                )
    return valid


def _by_model_and_task(entries: list[Entry]) -> dict[tuple[str, str], list[Entry]]:
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.result.model.name, entry.result.task.name), []).append(entry)
    return groups


def _same_values(a: ResultFile, b: ResultFile) -> bool:
    left, right = a.per_query.decode(), b.per_query.decode()
    return set(left) == set(right) and all(np.array_equal(left[m], right[m]) for m in left)


def _drop_conflicts(ctx: _Context, group: list[Entry]) -> list[Entry]:
    """One entry per experiment (identity): identical copies are duplicates, differing ones a conflict."""
    by_identity: dict[str, list[Entry]] = {}
    for entry in sorted(group, key=lambda e: e.path):
        by_identity.setdefault(json.dumps(identity_of(entry.result), sort_keys=True), []).append(entry)
    kept: list[Entry] = []
    for same in by_identity.values():
        first = same[0]
        if all(_same_values(first.result, other.result) for other in same[1:]):
            kept.append(first)
            ctx.out.refused.extend(
                Refusal(other.path, DUPLICATE, f"identical to {first.path}, which is used") for other in same[1:]
            )
            continue
        for entry in same:
            others = ", ".join(o.path for o in same if o is not entry)
            ctx.out.refused.append(
                Refusal(
                    entry.path,
                    CONFLICT,
                    (
                        f"conflicts with {others}: same model, revision, settings, task and split but other per-query "
                        "values; neither is ranked until one is removed"
                    ),
                )
            )
    return kept


def _choose(ctx: _Context, key: tuple[str, str], entries: list[Entry]) -> None:
    """Results of one (model name, task) from other revisions or settings: the newest is used."""
    if not entries:
        return
    ordered = sorted(entries, key=lambda e: (_created(e.result), e.path))
    winner = ordered[-1]
    ctx.out.accepted[key] = winner
    for loser in ordered[:-1]:
        ctx.out.refused.append(
            Refusal(
                loser.path,
                SUPERSEDED,
                (
                    f"duplicate of ({key[0]}, {key[1]}, {ctx.split}) from another revision or settings; {winner.path} "
                    f"(created {winner.result.created_at}) is newer and is used"
                ),
            )
        )


def _revision_warnings(out: Collection) -> None:
    revisions: dict[str, set[str]] = {}
    for (model, _), entry in out.accepted.items():
        revisions.setdefault(model, set()).add(entry.result.model.revision)
    for model in sorted(revisions):
        if len(revisions[model]) > 1:
            out.warnings.append(
                f"model {model}: results come from {len(revisions[model])} revisions "
                f"({', '.join(sorted(revisions[model]))})"
            )
