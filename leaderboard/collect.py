"""Read, validate and deduplicate result files before anything is averaged.

Nothing a file says about itself (its `created_at`, its name's sort order, a majority of files that agree)
decides the board: identity, the package's data manifest, the verification ledger and the order the
repository received the files (identity.py) do. Every `*.json` file under the results folder is read with
`read_result` (schema check plus the aggregate check that detects edited files). A file is *refused*,
with one reason, when it

- cannot be read or is not a regular file, fails the schema, holds more per-query data than its query
  count (checked before decoding), claims another query count than its task's canonical query set, has
  per-query values outside its metric's range (every metric is a fraction in [0, 1]), stored aggregates
  that disagree with its per-query values, an empty model name, or `official: true` with a `--limit`;
- has a model card the board cannot show (names.py: a name that is not NFKC-normalised, holds separator
  or control characters, or reads like another model's name; negative parameters);
- is for a task outside the leaderboard's task list, or for another split;
- records a task version or spec hash other than the catalog's spec of that task;
- lacks the task's main score;
- is unofficial (`official: false`, e.g. a `--limit` run): such files are never ranked;
- was re-scored by the board's check and did not match (`not-reproduced`, from the verification ledger);
- was computed on other data: its `data_files` checksums differ from the reference. With a data
  directory the reference is the sha256 of each listed file as it is there now; without one it is the
  package's data manifest (`workbench.data.data_manifest`), never a vote among submitted files; a file naming
  a data file the manifest does not list is refused without a data directory;
- does not cover exactly the task's canonical query set (count and hash of the query ids; see
  `query_sets.py` for where the reference comes from) (`query-set`);
- conflicts: another file of the same identity (`workbench.results.result_store.identity_of`: model, revision,
  settings that change scores, run config, task spec, split) holds other per-query values. The same
  experiment cannot have two outcomes, so neither is ranked and both are listed (`conflict`), unless
  exactly one of them is verified (its model re-scored it): that one is used; an identical copy is
  refused as a `duplicate` of the file that is used;
- is one of several versions (identities) of one model name on one task: the version the verification
  ledger verified is used and the others are listed as `other-version`; when none or several are
  verified, the version the repository received first (git history, `received.py`) is used; when the
  history does not order them either, no version is chosen and all are listed (`version-conflict`).
  `created_at` never decides.

One bad file never stops the build: it is listed with its reason and the rest go on.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from workbench.data.data_manifest import MANIFEST
from workbench.data.datafiles import data_file_path
from workbench.errors import WorkBenchError
from workbench.io import sha256_file
from workbench.models.registry import registered_card
from workbench.results.result_file import ResultFile, read_result
from workbench.results.result_store import identity_of
from workbench.taskfiles.spec import TaskSpec

from .names import card_problem, lookalike_of, name_problem
from .query_sets import QuerySet, QuerySetRecord, data_key, from_data
from .received import ReceivedOrder
from .verification import ARCHIVED, MISMATCHED, SELF_REPORTED, VERIFIED, Ledger

# Kinds of refusal, in the order the checks run.
INVALID = "invalid"  # unreadable, schema error, tampered aggregates
CARD = "model-card"  # a name the board cannot show, negative parameters
OUT_OF_SCOPE = "out-of-scope"  # task not on the board, other split
MISMATCH = "spec-mismatch"  # task version / spec hash / main score
UNOFFICIAL = "unofficial"
NOT_REPRODUCED = "not-reproduced"
DATA = "data-mismatch"
QUERY_SET = "query-set"
CONFLICT = "conflict"
DUPLICATE = "duplicate"
OTHER_VERSION = "other-version"
VERSION_CONFLICT = "version-conflict"

# The reference checksum of every data file the package knows: the data manifest, never the files' own say.
MANIFEST_SHA256: dict[str, str] = {entry.path: entry.sha256 for entry in MANIFEST}


@dataclass(frozen=True)
class Refusal:
    path: str  # relative to the results folder, POSIX separators
    kind: str
    reason: str


@dataclass(frozen=True)
class Entry:
    path: str
    result: ResultFile
    sha256: str = ""  # of the file's bytes: the verification ledger's key
    state: str = SELF_REPORTED  # verification.py; None when the board is built without a ledger

    @property
    def verified(self) -> bool:
        return self.state == VERIFIED


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
    verification: bool = False  # built with a verification ledger: only verified rows are ranked
    order: ReceivedOrder | None = None  # the order the repository received the files (identity.py reuses it)


def _created(result: ResultFile) -> datetime:
    """`created_at` must parse (it is recorded and shown), but it never decides anything."""
    stamp = datetime.fromisoformat(result.created_at.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _data_dir_reference(
    data_dir: Path, data_files: dict[str, str], memo: dict[str, str | None]
) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for rel in data_files:
        if rel not in memo:
            path = data_file_path(Path(data_dir), rel)  # None for a key outside the data directory
            memo[rel] = sha256_file(path) if path is not None and path.is_file() else None
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
    ledger: Ledger | None
    sha256: dict[str, str]
    out: Collection
    order: ReceivedOrder = field(default_factory=ReceivedOrder)  # the order the repository received the files
    archived: dict[str, bool] = field(default_factory=dict)  # model name -> its card says reproducible: false


def collect(
    results_dir: Path,
    tasks: list[TaskSpec],
    *,
    split: str = "test",
    data_dir: Path | None = None,
    exclude: Path | None = None,
    record: QuerySetRecord | None = None,
    ledger: Ledger | None = None,
) -> Collection:
    """Validate every result file under `results_dir` against `tasks`; see the module doc for the rules.

    `exclude`: a folder whose files are not results (the leaderboard's own output folder when it lies
    inside the results folder, e.g. `results/leaderboard`), skipped silently. `record`: the canonical
    query sets (default: the committed record). `ledger`: the verification ledger; without one every
    file's state is unknown (None) and nothing is marked verified or self-reported.
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
        ledger,
        {},
        Collection(verification=ledger is not None),
        ReceivedOrder.of(results_dir),
    )
    ctx.out.order = ctx.order
    paths = _result_paths(ctx, exclude)
    ctx.out.inputs_sha256 = _inputs_digest(ctx, paths)
    candidates = _check_names([entry for path in paths if (entry := _check_file(ctx, path)) is not None], ctx)
    valid = _check_query_sets(ctx, _check_data(ctx, candidates))
    for key, group in sorted(_by_model_and_task(valid).items()):
        _choose(ctx, key, _drop_conflicts(ctx, group))
    _revision_warnings(ctx.out)
    ctx.out.refused.sort(key=lambda r: (r.path, r.kind))
    return ctx.out


def _result_paths(ctx: _Context, exclude: Path | None) -> list[Path]:
    skip = Path(exclude).resolve() if exclude is not None else None
    # a board built earlier inside the results folder (its leaderboard.json beside an index.html) is output
    boards = {p.parent for p in ctx.results_dir.rglob("index.html") if (p.parent / "leaderboard.json").is_file()}
    paths = sorted(
        p
        for p in ctx.results_dir.rglob("*.json")
        if p.is_file() and not (skip is not None and skip in p.resolve().parents) and not boards & set(p.parents)
    )
    ctx.out.files_seen = len(paths)
    return paths


def _inputs_digest(ctx: _Context, paths: list[Path]) -> str:
    """One digest of every input file (path and bytes); each file's sha256 is kept for the ledger."""
    digest = hashlib.sha256()
    for path in paths:
        rel = path.relative_to(ctx.results_dir).as_posix()
        try:
            content = ctx.sha256[rel] = sha256_file(path)
        except OSError:
            content = "unreadable"
        digest.update(rel.encode("utf-8") + b"\0" + content.encode("ascii") + b"\n")
    return digest.hexdigest()


def _canonical_count(ctx: _Context):
    """For `read_result`: the raw JSON's canonical query count, when its task is on the board and its
    (spec, split, data) is recorded. (A file naming other data is refused by the data check later.) An
    unofficial file (`official: false`, a `--limit` run) covers fewer queries by design: it has no canonical
    count, so it is refused as `unofficial` (never ranked), not as `invalid`; its per-query data are still
    bounded by its own count."""

    def count(raw: dict) -> int | None:
        if raw.get("official") is False:
            return None
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
    del created  # parsed for validity only: a date never decides
    problem = _scope_problem(ctx, result) or _card_problem(result)
    if problem:
        refuse(*problem)
        return None
    sha = ctx.sha256.get(rel, "")
    state = None if ctx.ledger is None else ctx.ledger.state_of(sha)
    if state == MISMATCHED:
        verdict = ctx.ledger.verdict(sha)
        refuse(NOT_REPRODUCED, f"the board's check re-scored it and it did not match ({verdict.detail})")
        return None
    if state is not None and state != VERIFIED:  # not loadable, or never verified
        state = ARCHIVED if _archived(ctx, result.model.name) else SELF_REPORTED
    return Entry(rel, result, sha, state)


def _archived(ctx: _Context, name: str) -> bool:
    """The package's card of `name` (the registry's, never the file's) says `reproducible: false`."""
    if name not in ctx.archived:
        try:
            card = registered_card(name)
        except WorkBenchError:  # a broken registration: not this file's fault, and no card to go by
            card = None
        ctx.archived[name] = card is not None and card.get("reproducible") is False
    return ctx.archived[name]


def _card_problem(result: ResultFile) -> tuple[str, str] | None:
    problem = name_problem(result.model.name) or card_problem(result.model.parameters)
    return (CARD, problem) if problem else None


def _check_names(entries: list[Entry], ctx: _Context) -> list[Entry]:
    """A name written with look-alike letters of another model's name on this board is refused."""
    names = {e.result.model.name for e in entries}
    kept = []
    for entry in entries:
        imitated = lookalike_of(entry.result.model.name, names)
        if imitated is None:
            kept.append(entry)
        else:
            ctx.out.refused.append(
                Refusal(entry.path, CARD, f"model.name {entry.result.model.name!r} reads like {imitated!r}")
            )
    return kept


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
    """Data checksums: against the data directory, else against the package's data manifest."""
    memo: dict[str, str | None] = {}
    valid: list[Entry] = []
    for entry in candidates:
        files = entry.result.data_files
        if ctx.data_dir is not None:
            problem = _data_problem(files, _data_dir_reference(Path(ctx.data_dir), files, memo))
        else:
            problem = _data_problem(files, {rel: MANIFEST_SHA256.get(rel) for rel in files})
            if problem and any(rel not in MANIFEST_SHA256 for rel in files):
                problem = problem.replace("the data directory", "the package's data manifest") + (
                    "; pass --data-dir to check it against the files"
                )
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
    """One entry per experiment (identity): identical copies are duplicates, differing ones a conflict.

    In a conflict the one file the verification ledger verified is used (its model re-scored it); with
    none or several verified, neither is ranked. The files' dates or paths never pick one."""
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
        verified = [e for e in same if e.verified]
        winner = verified[0] if len(verified) == 1 else None
        kept += [winner] if winner is not None else []
        for entry in same:
            if entry is winner:
                continue
            others = ", ".join(o.path for o in same if o is not entry)
            outcome = (
                f"{winner.path} is the verified one and is used"
                if winner is not None
                else "neither is ranked until one is removed or verified"
            )
            ctx.out.refused.append(
                Refusal(
                    entry.path,
                    CONFLICT,
                    f"conflicts with {others}: same model, revision, settings, task and split but other per-query "
                    f"values; {outcome}",
                )
            )
    return kept


def _version_label(result: ResultFile) -> str:
    ident = identity_of(result)
    return f"revision {result.model.revision[:12]}, settings {ident['settings'][:8]}, run config {ident['config'][:8]}"


def _choose(ctx: _Context, key: tuple[str, str], entries: list[Entry]) -> None:
    """Versions (identities) of one model name on one task: the one verified version is used; else the version
    the repository received first (git history: a pull request's new version waits for its verification);
    else none. A file's own `created_at` or path never picks a version."""
    if len(entries) == 1:
        ctx.out.accepted[key] = entries[0]
        return
    ordered = sorted(entries, key=lambda e: e.path)
    verified = [e for e in ordered if e.verified]
    winner, why = (verified[0], "the verified version") if len(verified) == 1 else (None, "")
    if winner is None:  # none (or several) verified: the history may say
        first = ctx.order.first_of([e.path for e in (verified or ordered)])
        if first is not None:
            winner, why = next(e for e in ordered if e.path == first), "the version the repository received first"
    if winner is not None:
        ctx.out.accepted[key] = winner
        ctx.out.refused.extend(
            Refusal(
                other.path,
                OTHER_VERSION,
                f"another version of ({key[0]}, {key[1]}) ({_version_label(other.result)}); {why}, "
                f"{winner.path} ({_version_label(winner.result)}), is ranked until this one is verified",
            )
            for other in ordered
            if other is not winner
        )
        return
    for entry in ordered:
        others = ", ".join(o.path for o in ordered if o is not entry)
        ctx.out.refused.append(
            Refusal(
                entry.path,
                VERSION_CONFLICT,
                f"one of {len(entries)} versions of ({key[0]}, {key[1]}) ({_version_label(entry.result)}; also "
                f"{others}); {'several are' if verified else 'none is'} verified and {ctx.order.why_undecided([e.path for e in ordered])}, "
                "so none is ranked: the verification ledger or the removal of the other versions decides, never a file's date",
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
