"""Run models over tasks, writing one result file per (model, task, split) and reusing only exact matches."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from workbench.caches.model_memo import lazy_model
from workbench.data.settings import caching_in, usable_cache_dir
from workbench.dataset.ranking import input_warnings
from workbench.errors import WorkBenchError
from workbench.models.model import ModelInfo
from workbench.results import result_store
from workbench.run_progress import RunProgress
from workbench.running.run_config import RunConfig
from workbench.running.task import Task
from workbench.taskfiles.spec import TaskSpec

_LOG = logging.getLogger(__name__)  # info: shown by `workbench run -v`


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


def run(models: list[str], tasks: list[TaskSpec], config: RunConfig | None = None, /, **fields: Any) -> RunReport:
    """Every (model, task) item of `config` (or of the `RunConfig` fields given as keywords: `split=`,
    `output=`, `load_model=` …) into a result file, reusing only exact matches; one failing item never stops
    the others."""
    config = RunConfig.of(config, **fields)
    report = RunReport()
    loaded: dict[str, object] = {}
    log = config.log
    items = work_items(models, tasks, config.shard)
    # the caches not handed a folder (file-hashes.json, hf-datasets) use --cache-dir too
    with (
        output_lock(config.output),
        caching_in(usable_cache_dir(config.cache_dir)),
        RunProgress(len(items), enabled=config.progress) as line,
    ):
        log = line.around(log)
        for model_name, spec in items:
            task = Task(spec, data_dir=config.data_dir, cache_dir=config.cache_dir)
            line.start_item()
            written = False
            try:
                if lacks_split(spec, config.split, log):
                    continue
                if model_name not in loaded:
                    try:
                        loaded[model_name] = _load(
                            model_name, config.load_model, config.cache_dir, config.settings_of(model_name)
                        )
                    except Exception as err:  # loaded once: its other items fail with the same line, untried
                        loaded[model_name] = err
                if isinstance(loaded[model_name], Exception):
                    raise loaded[model_name]
                path, written = evaluate_into(
                    loaded[model_name],
                    task,
                    config.split,
                    config.output,
                    ties=config.ties,
                    limit=config.limit,
                    settings=config.settings_of(model_name),
                    progress=config.progress,
                    log=log,
                )
                (report.written if written else report.reused).append(path)
            except Exception as err:
                written = True  # time spent on it: it counts in the ETA's mean
                message = failure_message(err)
                report.failed.append((model_name, spec.name, message))
                log(f"FAILED {model_name} on {spec.name}: {message}")
            finally:
                line.finish_item(computed=written)
    return report


def failure_message(err: Exception) -> str:
    """Why one (model, task) item failed, as one line: a WorkBenchError's own message; anything else (a
    model's RuntimeError, a library's ValueError, a bug) with its type. The item fails, the others go on."""
    return str(err) if isinstance(err, WorkBenchError) else _one_line(err)


def _one_line(err: Exception) -> str:
    """An unexpected error (a library's, or a bug) as one line with its type, for the run's failure list."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0][:300]}" if text else type(err).__name__


def _load(name: str, load_model: Callable[..., object], cache_dir: Path | None, settings: dict[str, Any] | None):
    """A model that fails to load (truncated weights, a broken config.json, a setting of the wrong type) fails
    its own items with one line; the other models of the run still run."""
    try:
        return lazy_model(name, load_model, cache_dir, settings=settings)
    except WorkBenchError:
        raise
    except Exception as err:
        raise WorkBenchError(f"model {name} could not be loaded ({_one_line(err)})") from None


def lacks_split(spec: TaskSpec, split: str, log: Callable[[str], None]) -> bool:
    """A task that does not offer the split is skipped (and said so), not failed."""
    if spec.splits.available and split not in spec.splits.available:
        log(f"skip {spec.name}: no {split!r} split (offers {spec.splits.available})")
        return True
    return False


def written_line(result, path: Path) -> str:
    return (
        f"  {result.task.main_score} = {result.main_score:.4f}  ({result.sizes['queries']} queries × "
        f"{result.sizes['targets']} targets) → {path}"
    )


@contextmanager
def output_lock(output: Path):
    """One run at a time writes to an output folder (local and Ray runs alike)."""
    lock = FileLock(str(output / ".workbench.lock"))
    if output.exists() and not output.is_dir():  # /dev/full, a regular file: not "File exists"
        raise WorkBenchError(f"output folder {output} exists and is not a folder; it cannot be written")
    try:
        output.mkdir(parents=True, exist_ok=True)
        _open_lock_file(output / ".workbench.lock")
        lock.acquire(timeout=0)
    except Timeout:  # (a TimeoutError, hence an OSError: caught first)
        raise WorkBenchError(
            f"another workbench run is writing to {output} (lock {output / '.workbench.lock'}); wait for it or use another --output"
        ) from None
    except OSError as err:  # a file where the folder should be, a read-only parent, ...
        raise WorkBenchError(f"output folder {output} cannot be written ({err.strerror or err})") from None
    try:
        yield
    finally:
        lock.release()


def _open_lock_file(path: Path) -> None:
    """Creates (or opens) the lock file once before locking: filelock reports a file it cannot create (a
    read-only folder, /proc/self) as "held by another process", which would send the user to wait forever."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o666))
    except OSError as err:
        raise OSError(err.errno, f"its lock file {path.name} cannot be created: {err.strerror}") from None


def result_file_for(
    info: ModelInfo,
    task: Task,
    split: str,
    output: Path,
    *,
    ties: str,
    limit: int | None,
    settings: dict[str, Any] | None = None,
) -> tuple[Path, bool]:
    """The result file of (model, task, split) under `output` and whether a finished file there can be reused
    (the one decision both executors make before computing anything; the result store decides).
    `settings`: the model settings given to the run, which get a file of their own."""
    spec = task.spec
    config = {"ties": ties, "limit": limit}
    path = result_store.planned_path(
        output,
        model=info.name,
        task=spec.name,
        version=spec.version,
        split=split,
        ties=ties,
        limit=limit,
        settings=settings,
    )
    wanted = result_store.identity(
        model=info.name,
        revision=info.revision,
        settings=info.settings,
        task=spec.name,
        version=spec.version,
        spec_hash=spec.spec_hash,
        split=split,
        config=config,
    )
    return path, result_store.decide(path, wanted, task.result_fingerprint(info, split, config))


def evaluate_into(
    model,
    task: Task,
    split: str,
    output: Path,
    *,
    ties: str = "average",
    limit: int | None = None,
    settings: dict[str, Any] | None = None,
    progress: bool = True,
    log: Callable[[str], None] = lambda msg: None,
) -> tuple[Path, bool]:
    """One (model, task, split) of a run: reuse the finished result file or compute and store it.
    Returns (path, True when written / False when reused). `workbench run` and `workbench.evaluate` both
    come through here, so a result file is placed and reused by the same rules whichever way it is made."""
    path, reusable = result_file_for(model.info, task, split, output, ties=ties, limit=limit, settings=settings)
    if reusable:
        log(f"reuse {path} (task, data, model and settings unchanged)")
        return path, False
    log(f"run {model.info.name} on {task.spec.key} [{split}]")
    # what the dataset dropped or changed on the way in is a property of the task's data (the same on every run,
    # counted in the result's sizes and in docs/tasks.md): said at `run -v`, never a warning on every run
    for line in input_warnings(task.full_dataset.stats):
        _LOG.info(f"note: task {task.spec.name}: {line}")
    result = task.evaluate(model, split, limit=limit, ties=ties, progress=progress)
    result_store.store(path, result)
    log(written_line(result, path))
    return path, True
