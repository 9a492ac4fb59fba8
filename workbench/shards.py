"""Merge result folders written by sharded runs; identical duplicates are fine, conflicting ones are refused."""

from __future__ import annotations

from pathlib import Path

from .errors import WorkBenchError
from .result_store import merge_file
from .results import read_result


def merge_result_dirs(shards: list[Path], out: Path) -> int:
    """Copy every result file (OUTPUT/<model>/<file>.json) of the shards into `out`.

    Only that layout is read, and only regular files (a named pipe there is refused, never opened): other
    JSON beside it (a training log, a run's notes) is not a result. A file already in `out` is kept when it
    is the same result and refused as a clash when it is another's (see `result_store`). Each file is
    written under a temporary name and renamed, so an interrupted merge leaves whole files.
    """
    seen: dict[Path, str] = {}
    copied = 0
    for shard in shards:
        for path in sorted(shard.glob("*/*.json")):
            rel = path.relative_to(shard)
            result = read_result(path)  # validates schema and aggregates before anything is copied
            if rel in seen:
                if seen[rel] != result.fingerprint:
                    raise WorkBenchError(
                        f"{path}: conflicts with another shard's {rel} (different task, data, model or settings)"
                    )
                continue
            seen[rel] = result.fingerprint
            copied += merge_file(path, Path(out) / rel)
    return copied
