"""Merge result folders written by sharded runs; identical duplicates are fine, conflicting ones are refused.

All or nothing, under the output folder's lock: every shard file is read, checked and placed before the
first byte is written, so one bad file (edited, stored under another model's or task's path, clashing
with a file already in OUT) leaves OUT as it was. A write that still fails (a full disk) removes the
files this merge created before the error is raised.
"""

from __future__ import annotations

from pathlib import Path

from workbench.errors import WorkBenchError
from workbench.results.result_file import ResultFile, read_result, result_path, slug, write_result
from workbench.results.result_store import decide, identity_of


def merge_result_dirs(shards: list[Path], out: Path) -> int:
    """Copy every result file (OUTPUT/<model>/<file>.json) of the shards into `out`; the count copied.

    Only that layout is read, and only regular files (a named pipe there is refused, never opened): other
    JSON beside it (a training log, a run's notes) is not a result. A file already in `out` is kept when it
    is the same result and refused as a clash when it is another's (see `result_store`).
    """
    from workbench.running.runner import output_lock

    out = Path(out)
    with output_lock(out):  # another run (or merge) writing to OUT: refused, nothing merged
        planned = _plan(shards, out)
        _write_all(planned, out)
    return len(planned)


def _plan(shards: list[Path], out: Path) -> list[tuple[Path, ResultFile]]:
    """(target, result) for every file to copy; raises, naming every bad file, before anything is written."""
    seen: dict[Path, tuple[Path, str]] = {}
    problems: list[str] = []
    planned: list[tuple[Path, ResultFile]] = []
    for shard in shards:
        for path in sorted(Path(shard).glob("*/*.json")):
            rel = path.relative_to(shard)
            try:
                result = read_result(path)  # validates schema and aggregates before anything is copied
                _check_placement(rel, result)
                if rel in seen:
                    if seen[rel][1] != result.fingerprint:
                        raise WorkBenchError(f"conflicts with {seen[rel][0]} (different task, data, model or settings)")
                    continue
                seen[rel] = (path, result.fingerprint)
                if not decide(out / rel, identity_of(result), result.fingerprint):
                    planned.append((out / rel, result))
            except WorkBenchError as err:
                problems.append(str(err) if str(path) in str(err) else f"{path}: {err}")
    if problems:
        raise WorkBenchError(
            f"{len(problems)} shard file(s) refused, nothing merged into {out}: " + "; ".join(problems)
        )
    return planned


def _check_placement(rel: Path, result: ResultFile) -> None:
    """A shard file must sit where a run would have written it: a file copied under another model's folder
    or another task's name would otherwise be merged, and ranked, as that model's or that task's result."""
    folder, name = rel.parts[0], rel.name
    if folder != slug(result.model.name):
        raise WorkBenchError(
            f"holds a result of model {result.model.name} but is stored in folder {folder}/ (expected "
            f"{slug(result.model.name)}/)"
        )
    base = result_path(Path(), result.model.name, result.task.name, result.task.version, result.split).stem
    if name != f"{base}.json" and not name.startswith(f"{base}__"):
        raise WorkBenchError(
            f"holds a result of task {result.task.name} v{result.task.version} split {result.split} but is "
            f"named {name} (expected {base}.json or {base}__<tags>.json)"
        )


def _write_all(planned: list[tuple[Path, ResultFile]], out: Path) -> None:
    created: list[Path] = []
    try:
        for target, result in planned:
            existed = target.exists()
            write_result(target, result)  # temporary file, fsync, rename: never half a file
            if not existed:
                created.append(target)
    except OSError as err:
        for path in created:
            path.unlink(missing_ok=True)
        raise WorkBenchError(
            f"{out}: the merge could not be written ({err.strerror or err}); the {len(created)} file(s) "
            "it had written are removed, nothing merged"
        ) from None
