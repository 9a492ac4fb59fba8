"""The size record: queries × targets (and positives, dataset statistics) per split of every catalog task,
counted once from the published data and shipped beside the task files (`_sizes.json` in each task folder),
so that `workbench tasks list` shows sizes at once, without the data and without building any dataset.

An entry holds the task's version and spec hash: an entry of another spec (the task file was edited) counts
as absent. `workbench tasks sizes --write` rebuilds entries from the data (the one way the file is made);
`workbench tasks sizes` compares the record with the data; tests/catalog/test_task_sizes.py checks both.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from workbench.errors import WorkBenchError
from workbench.io import atomic_write_json
from workbench.schema import StrictFrozen
from workbench.taskfiles.catalog import get_task_spec, task_file, task_files_dir
from workbench.taskfiles.spec import TaskSpec

RECORD_NAME = "_sizes.json"
RECORD_VERSION = 1
WRITE_COMMAND = "workbench tasks sizes --write"


class SizeEntry(StrictFrozen):
    version: int
    spec_hash: str
    sizes: dict[str, dict[str, int]]


class SizeRecord(StrictFrozen):
    version: Literal[1]
    generated_by: str
    tasks: dict[str, SizeEntry]


def record_path(name: str) -> Path:
    """The record that holds task `name`: beside its task file; a language variant's is ours."""
    path = task_file(name)
    return (path.parent if path is not None else task_files_dir()) / RECORD_NAME


def read_record(path: Path) -> dict[str, SizeEntry]:
    """Task name -> entry of the record at `path`; no file is an empty record, a bad one one clear line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise WorkBenchError(f"{path}: size record not readable ({err.strerror or err})") from None
    try:
        return dict(SizeRecord.model_validate(json.loads(text)).tasks)
    except json.JSONDecodeError as err:
        raise WorkBenchError(f"{path}: size record is not JSON ({err})") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise WorkBenchError(
            f"{path}: not a size record: {where}: {first['msg']} (regenerate: {WRITE_COMMAND})"
        ) from None


@cache
def _cached_record(path: Path) -> dict[str, SizeEntry]:
    return read_record(path)


def recorded_entry(name: str) -> SizeEntry | None:
    """The entry of task `name` in its record, whatever spec it was counted for (None: no entry)."""
    return _cached_record(record_path(name)).get(name)


def recorded_sizes(spec: TaskSpec) -> tuple[dict | None, str | None]:
    """(sizes per split, None) from the shipped record, or (None, why not and how to get them); a record that
    cannot be read is a why, never an error: a listing goes on without its sizes."""
    path = record_path(spec.name)
    try:
        entry = _cached_record(path).get(spec.name)
    except WorkBenchError as err:
        return None, str(err)
    if entry is not None and (entry.version, entry.spec_hash) == (spec.version, spec.spec_hash):
        return {split: dict(entry.sizes[split]) for split in spec.splits.available if split in entry.sizes}, None
    why = "has no entry for it" if entry is None else "is of another version of its task file"
    return None, f"{path} {why}: `{WRITE_COMMAND} --tasks {spec.name}` counts it from the data"


def entry_from_data(spec: TaskSpec, data_dir: Path | str | None, cache_dir: Path | str | None = None) -> SizeEntry:
    """The entry of `spec` counted from the data (builds the task's dataset: seconds to minutes)."""
    from workbench.running.task import Task

    sizes = Task(spec, data_dir=data_dir, cache_dir=cache_dir).sizes()
    return SizeEntry(version=spec.version, spec_hash=spec.spec_hash, sizes=sizes)


def write_entries(entries: dict[str, SizeEntry]) -> dict[Path, int]:
    """Write `entries` into their records (see `record_path`), keeping the entries there that are still current
    (their task still exists with the same spec); returns how many were written into each record."""
    by_record: dict[Path, dict[str, SizeEntry]] = {}
    for name, entry in entries.items():
        by_record.setdefault(record_path(name), {})[name] = entry
    for path, new in by_record.items():
        try:
            old = read_record(path)
        except WorkBenchError:  # a broken record: rewritten with what is counted now
            old = {}
        merged = {name: entry for name, entry in old.items() if _current(name, entry)}
        merged.update(new)
        record = SizeRecord(version=RECORD_VERSION, generated_by=WRITE_COMMAND, tasks=dict(sorted(merged.items())))
        atomic_write_json(path, record.model_dump(mode="json"))
    _cached_record.cache_clear()
    return {path: len(new) for path, new in by_record.items()}


def _current(name: str, entry: SizeEntry) -> bool:
    try:
        spec = get_task_spec(name)
    except WorkBenchError:  # the task is gone (or renamed)
        return False
    return (entry.version, entry.spec_hash) == (spec.version, spec.spec_hash)


def compare_with_record(name: str, built: SizeEntry) -> list[str]:
    """What differs between task `name`'s recorded entry and `built` (empty: the same); a broken record is one."""
    try:
        recorded = recorded_entry(name)
    except WorkBenchError as err:
        return [str(err)]
    return differences(recorded, built)


def differences(recorded: SizeEntry | None, built: SizeEntry) -> list[str]:
    """What differs between a recorded entry and one counted from the data (empty: the same)."""
    if recorded is None:
        return ["no entry"]
    if (recorded.version, recorded.spec_hash) != (built.version, built.spec_hash):
        return ["recorded for another version of the task file"]
    out = []
    for split in sorted(set(recorded.sizes) | set(built.sizes)):
        was, now = recorded.sizes.get(split), built.sizes.get(split)
        if was != now:
            out.append(f"{split}: recorded {was}, data {now}")
    return out
