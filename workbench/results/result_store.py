"""The result store: the one owner of where a result file lives, whether a file there may be reused or
replaced, and how it is written. The runners (local and Ray) and `results merge` only ask it.

Path: OUTPUT/<model slug>/<task>__v<version>__<split>[__<tag>...].json. The tags name what the run was
told that changes scores: `ties-<rule>` (not the default), `limit<N>`, `settings-<hash>` (model settings
given on the command line, but `name`, which names the model folder: `stable_hash(settings)[:10]`). Whatever else changes scores (model revision, the model's settings, the
task's spec hash) is compared with the file already at the path, its *identity*. Library versions,
hardware, threads and dates are the result's `environment`: never identity, never fingerprint. The
fingerprint is the identity plus the data checksums, the schema and the scoring version
(`results/scoring_version.py`: the code that builds datasets and computes scores):

- nothing there: write;
- a result with the same fingerprint: reuse it, untouched;
- a result of the same identity but another fingerprint (the data, the schema or the scoring version
  changed; or a file written before scoring versions, which has none): stale, recompute and replace;
- a file written before scoring versions that records library versions among its model's settings
  (sentence-transformers, torch): those are not part of its identity, so a run with other versions is
  the same experiment (stale: recomputed and replaced, not a clash);
- a result of another identity (another model that maps to the same folder, another revision, other
  settings, an edited task file of the same name and version): a clash, an error naming both; the file
  is never replaced without being asked (by removing it, or for a file written before scoring versions
  by `workbench results migrate`, which takes library versions out of a lexical model's revision);
- an unreadable or invalid file, or one whose task, version or split is not the path's (copied there by
  hand): not this path's result, replaced;
- anything but a regular file (named pipe, folder, device, symbolic link): an error; it is never opened
  (a pipe would block forever) nor replaced.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from workbench.errors import WorkBenchError
from workbench.io import stable_hash
from workbench.results.migrate import legacy_identity_settings
from workbench.results.result_file import ResultFile, read_result, result_path, write_result


def tagged_path(
    path: Path, *, ties: str = "average", limit: int | None = None, settings: dict[str, Any] | None = None
) -> Path:
    """A run with non-default settings gets its own tagged file (`__ties-R`, `__limitN`, `__settings-<hash>`), so a
    --limit, --ties or -s run never replaces the default one.
    The settings tag hashes every setting given but `name`, which places the file by itself (the model folder)."""
    tags = ([f"ties-{ties}"] if ties != "average" else []) + ([f"limit{limit}"] if limit is not None else [])
    tagged = {key: value for key, value in (settings or {}).items() if key != "name"}
    if tagged:
        tags.append(f"settings-{stable_hash(tagged)[:10]}")
    return path.with_name(f"{path.stem}__{'__'.join(tags)}{path.suffix}") if tags else path


def identity(
    *,
    model: str,
    revision: str,
    settings: dict[str, Any],
    task: str,
    version: int,
    spec_hash: str,
    split: str,
    config: dict[str, Any],
) -> dict[str, Any]:
    """Everything but the data that decides a result's scores: two files of one identity are one experiment."""
    return {
        "model": model,
        "revision": revision,
        "settings": stable_hash(settings),
        "task": task,
        "version": version,
        "spec_hash": spec_hash,
        "split": split,
        "config": stable_hash(config),
    }


def identity_of(result: ResultFile) -> dict[str, Any]:
    return identity(
        model=result.model.name,
        revision=result.model.revision,
        settings=legacy_identity_settings(result),  # a file from before scoring versions: without library versions
        task=result.task.name,
        version=result.task.version,
        spec_hash=result.task.spec_hash,
        split=result.split,
        config=result.config,
    )


NAME_MAX = 255  # bytes in one file name on ext4, XFS, APFS, NTFS

# Parts of the identity the path itself names; the model name only up to its slug ('a b' and 'a_b' share a
# folder), so it is compared with the rest.
PLACED_BY_PATH = ("task", "version", "split")


def _differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    labels = {
        "model": "model",
        "revision": "model revision",
        "settings": "model settings",
        "task": "task",
        "version": "task version",
        "spec_hash": "task spec hash",
        "split": "split",
        "config": "run settings",
    }
    return ", ".join(labels[k] for k in old if old[k] != new.get(k))


def require_regular_or_absent(path: Path) -> bool:
    """True if a regular file is at `path`, False if nothing is; an error for anything else (never opened)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    except OSError as err:
        raise WorkBenchError(f"{path}: cannot be checked ({err.strerror})") from None
    if not stat.S_ISREG(mode):
        kind = (
            "a named pipe"
            if stat.S_ISFIFO(mode)
            else "a folder"
            if stat.S_ISDIR(mode)
            else "a symbolic link"
            if stat.S_ISLNK(mode)
            else "not a regular file"
        )
        raise WorkBenchError(
            f"{path} is {kind}; a result is only ever written over a regular file: remove it or use another --output"
        )
    return True


def decide(path: Path, wanted: dict[str, Any], fingerprint: str) -> bool:
    """True: the file at `path` is this exact result, reuse it. False: (re)compute and write. Raises on a clash."""
    too_long = [part for part in path.parts[-2:] if len(part.encode("utf-8")) > NAME_MAX]
    if too_long:  # known before anything is computed, not when the finished result is written
        size = len(too_long[0].encode("utf-8"))
        raise WorkBenchError(
            f"{path}: the file name {too_long[0][:40]}… has {size} bytes, more than file systems "
            f"allow ({NAME_MAX}); give the task or model a shorter name"
        )
    if not require_regular_or_absent(path):
        return False
    try:
        existing = read_result(path)
    except WorkBenchError:
        return False  # unreadable, invalid or edited: nothing finished to protect
    held = identity_of(existing)
    if any(held[k] != wanted[k] for k in PLACED_BY_PATH):
        return False  # a file copied here by hand (e.g. a val result onto the test path): not this path's result
    if held != wanted:
        legacy = (
            " (it was written before scoring versions: `workbench results migrate` brings it up to date)"
            if existing.scoring_version is None
            else ""
        )
        raise WorkBenchError(
            f"{path} holds another result (model {existing.model.name!r}, revision {existing.model.revision[:12]}); "
            f"this run differs in {_differences(held, wanted)}: it is not replaced{legacy}. Remove it to replace it, "
            "give the model another name, or use another --output"
        )
    return existing.fingerprint == fingerprint


def planned_path(
    output: Path,
    *,
    model: str,
    task: str,
    version: int,
    split: str,
    ties: str = "average",
    limit: int | None = None,
    settings: dict[str, Any] | None = None,
) -> Path:
    from workbench.names import check_name, inside  # (issue 27.3: a model name never places a file outside OUTPUT)

    check_name(model)
    path = tagged_path(result_path(output, model, task, version, split), ties=ties, limit=limit, settings=settings)
    return inside(output, path)


def store(path: Path, result: ResultFile) -> None:
    """Write a finished result atomically. A result holding NaN/inf or out-of-range values is never written;
    nor is anything written over a file of another identity or over a non-regular file."""
    try:
        result.check_aggregates()
    except WorkBenchError as err:
        raise WorkBenchError(f"result of {result.model.name} on {result.task.name} not written: {err}") from None
    decide(path, identity_of(result), result.fingerprint)
    _write(path, result)


def _write(path: Path, result: ResultFile) -> None:
    """Write errors (read-only or full disk, a file where a folder should be, a name too long) are one line."""
    try:
        write_result(path, result)
    except OSError as err:
        raise WorkBenchError(f"{path}: the result cannot be written ({err.strerror or err})") from None
