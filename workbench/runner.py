"""Run models over tasks, writing one result file per (model, task, split) and reusing only exact matches."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from .errors import WorkBenchError
from .results import read_result, result_path, write_result
from .spec import TaskSpec
from .task import Task


@dataclass
class RunReport:
    written: list[Path] = field(default_factory=list)
    reused: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (model, task, error)


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        index, total = (int(part) for part in text.split("/"))
    except ValueError:
        raise WorkBenchError(f"--shard {text!r}: expected I/N with integers, e.g. 2/4") from None
    if not 1 <= index <= total:
        raise WorkBenchError(f"--shard {text!r}: I must be between 1 and N")
    return index, total


def work_items(models: list[str], tasks: list[TaskSpec], shard: tuple[int, int] | None) -> list[tuple[str, TaskSpec]]:
    """The (model, task) work list in a fixed order; a shard keeps every N-th item."""
    items = [(m, t) for m in models for t in tasks]
    if shard:
        index, total = shard
        items = [item for k, item in enumerate(items) if k % total == index - 1]
    return items


def _variant_path(path: Path, ties: str, limit: int | None) -> Path:
    """Non-default run settings get their own file, so a --limit or --ties run never replaces the official result."""
    tags = ([f"ties-{ties}"] if ties != "average" else []) + ([f"limit{limit}"] if limit is not None else [])
    return path.with_name(f"{path.stem}__{'__'.join(tags)}{path.suffix}") if tags else path


def _check_owner(path: Path, model_name: str) -> None:
    """Refuse to overwrite another model's result whose name maps to the same file (e.g. 'a b' and 'a_b')."""
    if not path.exists():
        return
    try:
        owner = read_result(path, check=False).model.name
    except WorkBenchError:
        return  # unreadable: nothing finished to protect
    if owner != model_name:
        raise WorkBenchError(f"{path} holds the result of model {owner!r}; model {model_name!r} maps to the same file: "
                             "give one of them another name or use another --output")


def _reusable(path: Path, expected_fingerprint: str) -> bool:
    if not path.exists():
        return False
    try:
        return read_result(path).fingerprint == expected_fingerprint
    except WorkBenchError:
        return False  # malformed or edited: recompute and overwrite


def run(
    models: list[str],
    tasks: list[TaskSpec],
    *,
    split: str,
    output: Path,
    load_model: Callable[[str], object],
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    limit: int | None = None,
    ties: str = "average",
    shard: tuple[int, int] | None = None,
    progress: bool = True,
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
) -> RunReport:
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(output / ".workbench.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise WorkBenchError(f"another workbench run is writing to {output} (lock {output / '.workbench.lock'}); wait for it or use another --output") from None
    report = RunReport()
    loaded: dict[str, object] = {}
    try:
        for model_name, spec in work_items(models, tasks, shard):
            task = Task(spec, data_dir=data_dir, cache_dir=cache_dir)
            try:
                if spec.splits.available and split not in spec.splits.available:
                    log(f"skip {spec.name}: no {split!r} split (offers {spec.splits.available})")
                    continue
                if model_name not in loaded:
                    loaded[model_name] = load_model(model_name)
                model = loaded[model_name]
                path = _variant_path(result_path(output, model.info.name, spec.name, spec.version, split), ties, limit)
                _check_owner(path, model.info.name)
                config = {"ties": ties, "limit": limit}
                if _reusable(path, task.result_fingerprint(model.info, split, config)):
                    log(f"reuse {path} (task, data, model and settings unchanged)")
                    report.reused.append(path)
                    continue
                log(f"run {model.info.name} on {spec.key} [{split}]")
                result = task.evaluate(model, split, limit=limit, ties=ties, progress=progress)
                write_result(path, result)
                report.written.append(path)
                log(f"  {spec.main_score} = {result.main_score:.4f}  ({result.sizes['queries']} queries × {result.sizes['targets']} targets) → {path}")
            except WorkBenchError as err:
                report.failed.append((model_name, spec.name, str(err)))
                log(f"FAILED {model_name} on {spec.name}: {err}")
    finally:
        lock.release()
    return report
