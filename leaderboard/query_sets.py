"""Canonical query sets: which queries a result file of a task must cover, so that a file scored on a
subset (one easy query, a --limit run relabelled official) cannot be ranked.

A query set is the count and the sha256 of the newline-joined query ids, as `encode_per_query` records
them. The reference for a (task, spec hash, split, data checksums) comes from, in order:

1. the record `leaderboard/query_sets.json`, made from the data (`workbench leaderboard query-sets
   --data-dir D`) or from results whose query sets all agree (`workbench leaderboard query-sets RESULTS`);
2. with a data directory, the task's dataset built from it;
3. otherwise the query set most common among the task's files that passed every other check (a warning
   says so: a record is the stronger reference).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkBenchError
from workbench.io import atomic_write_json, sha256_text, stable_hash
from workbench.taskfiles.spec import TaskSpec

RECORD_PATH = Path(__file__).resolve().parent / "query_sets.json"
RECORD_VERSION = 1


@dataclass(frozen=True)
class QuerySet:
    queries: int
    query_ids_sha256: str


def data_key(data_files: dict[str, str]) -> str:
    """One hash for a result's data checksums (which files, which contents)."""
    return stable_hash(sorted(data_files.items()))


def _key(task: str, spec_hash: str, split: str, data: str) -> tuple[str, str, str, str]:
    return task, spec_hash, split, data


class QuerySetRecord:
    """The recorded reference query sets, looked up by (task, spec hash, split, data key)."""

    def __init__(self, entries: list[dict]):
        self.sets: dict[tuple[str, str, str, str], QuerySet] = {}
        for entry in entries:
            key = _key(entry["task"], entry["spec_hash"], entry["split"], entry["data_files_sha256"])
            self.sets[key] = QuerySet(int(entry["queries"]), str(entry["query_ids_sha256"]))

    @classmethod
    def load(cls, path: Path | None = RECORD_PATH) -> QuerySetRecord:
        if path is None or not Path(path).is_file():
            return cls([])
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("version") != RECORD_VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {RECORD_VERSION}")
            return cls(list(data["sets"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise WorkBenchError(f"{path}: not a query-set record ({err})") from None

    def get(self, task: str, spec_hash: str, split: str, data: str) -> QuerySet | None:
        return self.sets.get(_key(task, spec_hash, split, data))


def from_data(spec: TaskSpec, split: str, data_dir: Path) -> tuple[str, QuerySet]:
    """(data key, query set) of the task's `split` built from the files in `data_dir`."""
    from workbench.running.task import Task

    task = Task(spec, data_dir=data_dir)
    ids = task.dataset(split).query_ids.tolist()
    return data_key(task.data_checksums), QuerySet(len(ids), sha256_text("\n".join(ids)))


def write_record(entries: dict[tuple[str, str, str, str], QuerySet], path: Path = RECORD_PATH) -> None:
    rows = [
        {
            "task": t,
            "spec_hash": h,
            "split": s,
            "data_files_sha256": d,
            "queries": qs.queries,
            "query_ids_sha256": qs.query_ids_sha256,
        }
        for (t, h, s, d), qs in sorted(entries.items())
    ]
    atomic_write_json(path, {"version": RECORD_VERSION, "sets": rows})


def record_from_results(results_dir: Path) -> dict[tuple[str, str, str, str], QuerySet]:
    """The query sets of the official result files under `results_dir`; files of one (task, spec hash,
    split, data) that disagree are an error (a record is only made from results that agree)."""
    from workbench.results.result_file import read_result

    found: dict[tuple[str, str, str, str], tuple[QuerySet, str]] = {}
    for path in sorted(Path(results_dir).rglob("*.json")):
        result = read_result(path)
        if not result.official:
            continue
        key = _key(result.task.name, result.task.spec_hash, result.split, data_key(result.data_files))
        qs = QuerySet(result.sizes["queries"], result.per_query.query_ids_sha256)
        if key in found and found[key][0] != qs:
            raise WorkBenchError(
                f"{path}: query set {qs} differs from {found[key][1]}'s {found[key][0]} "
                f"for task {key[0]} split {key[2]}; no record made"
            )
        found.setdefault(key, (qs, str(path)))
    return {key: qs for key, (qs, _) in found.items()}
