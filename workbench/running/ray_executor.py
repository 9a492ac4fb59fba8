"""`workbench run --executor ray`: the (model, task) grid as work items on a Ray cluster.

Optional extra (`pip install workbench-bench[ray]`); nothing here imports ray until a Ray run starts.

- One actor per (model, settings) loads the model once (through `caches.model_memo.lazy_model`, as the local runner
  does) and evaluates that model's items one after another; it holds its resources (a GPU for a neural
  model placed on one, else one CPU) only while it has items left, then it is ended.
- Embeddings are cached per node: a worker resolves the cache folder on its own node
  (`$WORKBENCH_CACHE_DIR` there, or ~/.cache/workbench), unless `cache_dir` is given explicitly.
- The driver decides reuse and writes every result file, with the local runner's own functions
  (`result_file_for`, `result_store.store`: temporary file + rename). Workers send the result back and never
  write to the output folder, so the output only has to be local to the driver; the data folder must be
  readable at the same path on every node.
- A failing item is reported and the others go on; an actor whose process dies mid-item is restarted
  (weights loaded again) and the item retried, up to `MAX_RETRIES` times.
- A worker must run the driver's workbench code (`code_stamp`): a node with another install fails its
  items with one line instead of sending results computed or encoded otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.data.settings import fetch_allowed, fetching
from workbench.errors import WorkBenchError
from workbench.results.result_store import store as write_result  # NaN/range guard, clash check, atomic write
from workbench.running.run_config import RunConfig
from workbench.running.runner import (
    RunReport,
    _one_line,
    lacks_split,
    output_lock,
    result_file_for,
    work_items,
    written_line,
)
from workbench.running.runner import _load as load_for_run  # the local runner's loading: any load error as one line
from workbench.running.task import Task
from workbench.taskfiles.spec import TaskSpec

MAX_RETRIES = 3  # restarts of a dead actor, and retries of the item it was running


def _import_ray():
    try:
        import ray
    except ImportError:
        raise WorkBenchError(
            "--executor ray needs Ray: pip install 'workbench-bench[ray]' (or pip install ray)"
        ) from None
    return ray


def code_stamp() -> str:
    """workbench's version and a hash of its source files (every sub-package), as installed in this process's
    environment: a worker whose stamp differs from the driver's would compute or encode results otherwise."""
    from importlib.util import find_spec

    from workbench import __version__
    from workbench.io import source_digest

    roots = {
        Path(find_spec(f"workbench.{sub}").origin).parent  # located, not imported (no torch)
        for sub in ("baselines", "uwe_reference", "ontologies", "leaderboard")
    }
    files = [
        (file.relative_to(root).as_posix(), file)
        for root in sorted({Path(__file__).parent.parent, *roots})  # workbench/ (this file is in running/)
        for file in sorted(root.rglob("*.py"))
    ]
    return f"{__version__}+{source_digest(files)[:12]}"


class ModelWorker:
    """Runs as a Ray actor: one model with one set of settings, loaded once, evaluating that model's items."""

    def __init__(
        self,
        name: str,
        settings: dict[str, Any],
        load_model: Callable[..., object],
        data_dir: Path | None,
        cache_dir: Path | None,
        fetch: bool = True,
    ):
        self._data_dir, self._cache_dir = data_dir, cache_dir
        # the driver's --no-fetch / WORKBENCH_OFFLINE as it was when the run started: a worker on another
        # machine has neither the driver's flag nor, necessarily, its environment
        self._fetch = fetch
        self._stamp = code_stamp()
        self._model, self._error = None, None
        try:
            self._model = load_for_run(name, load_model, cache_dir, settings)
        except WorkBenchError as err:  # reported on every item of this model; the actor stays usable
            self._error = str(err)

    def info(self):
        """The model's info and this worker's code stamp."""
        if self._error is not None:
            raise WorkBenchError(self._error)
        return self._model.info, self._stamp

    def evaluate(self, spec: TaskSpec, split: str, limit: int | None, ties: str):
        with fetching(self._fetch):
            task = Task(spec, data_dir=self._data_dir, cache_dir=self._cache_dir)
            return task.evaluate(self._model, split, limit=limit, ties=ties, progress=False)


def can_use_gpu(name: str) -> bool:
    """A model with weights that takes a `device` setting (sentence-transformers, UWE); lexical scorers have no
    weights, and a CPU engine such as multilingual-e5-small's takes no device."""
    from workbench.models.registry import accepted_settings, registered_models

    cards = {row["name"]: row for row in registered_models()}
    if name in cards and not cards[name].get("weights"):
        return False
    try:
        return bool({"device", "devices"} & set(accepted_settings(name)))
    except WorkBenchError:
        return False  # an unknown model: its actor reports the error, on a CPU


def actor_resources(name: str, settings: dict[str, Any], cluster_gpus: float) -> dict[str, float]:
    """A GPU per device for a neural model placed on GPUs (by `device`/`devices`, or by default when the
    cluster has GPUs and no device is named); one CPU otherwise."""
    if not can_use_gpu(name):
        return {"num_cpus": 1}
    devices = settings.get("devices") or ([settings["device"]] if settings.get("device") else [])
    cuda = [d for d in devices if str(d).startswith("cuda")]
    if cuda:
        return {"num_cpus": 1, "num_gpus": len(cuda)}
    if not devices and cluster_gpus >= 1:
        return {"num_cpus": 1, "num_gpus": 1}
    return {"num_cpus": 1}


@dataclass
class _Pending:
    model: str
    spec: TaskSpec
    path: Path | None = None  # None while the ref is the actor's info() call


def _error_text(err: BaseException) -> str:
    """One line for a failed item: the worker's own exception, without Ray's traceback around it."""
    cause = getattr(err, "cause", None) or err
    return str(cause) if isinstance(cause, WorkBenchError) else _one_line(cause)


def run_on_ray(
    models: list[str],
    tasks: list[TaskSpec],
    config: RunConfig | None = None,
    /,
    *,
    address: str | None = None,
    **fields: Any,
) -> RunReport:
    """`runner.run` on Ray: the same `RunConfig` (or its fields as keywords), the same result files, the same
    report. `address`: None starts a local cluster (unless this process already called ray.init), 'auto' or
    HOST:PORT joins a running one."""
    config = RunConfig.of(config, **fields)
    ray = _import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, logging_level="warning")
    try:
        with output_lock(config.output):
            return _Driver(ray, config).run(work_items(models, tasks, config.shard))
    finally:
        if started_here:
            ray.shutdown()


class _Driver:
    """The driver's event loop: start one actor per model, decide reuse when its info arrives, write each
    result as it comes back, end an actor when its last item is done (freeing its CPU or GPU)."""

    def __init__(self, ray, config: RunConfig):
        self.ray, self.config, self.log = ray, config, config.log
        self.report = RunReport()
        self.stamp = code_stamp()
        self.pending: dict[Any, _Pending] = {}
        self.actors: dict[str, Any] = {}
        self.items_left: dict[str, list[TaskSpec]] = {}
        self.settings: dict[str, dict[str, Any]] = {}

    def run(self, items: list[tuple[str, TaskSpec]]) -> RunReport:
        from tqdm.auto import tqdm

        config = self.config
        for name, spec in items:
            if not lacks_split(spec, config.split, self.log):
                self.items_left.setdefault(name, []).append(spec)
        worker = self.ray.remote(max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES)(ModelWorker)
        gpus = self.ray.cluster_resources().get("GPU", 0)
        for name in self.items_left:
            settings = self.settings[name] = config.settings_of(name) or {}
            actor = worker.options(**actor_resources(name, settings, gpus)).remote(
                name, settings, config.load_model, config.data_dir, config.cache_dir, fetch_allowed()
            )
            self.actors[name] = actor
            self.pending[actor.info.remote()] = _Pending(name, None)
        total = sum(len(specs) for specs in self.items_left.values())
        self.bar = tqdm(
            total=total, unit="item", desc="work items", disable=not config.progress or total == 0, file=sys.stderr
        )
        with self.bar:
            while self.pending:
                [ref], _ = self.ray.wait(list(self.pending), num_returns=1)
                job = self.pending.pop(ref)
                try:
                    value = self.ray.get(ref)
                except Exception as err:  # the worker's exception, a dead actor after its retries, ...
                    specs = [job.spec] if job.spec is not None else list(self.items_left[job.model])
                    for spec in specs:
                        self._failed(job.model, spec, _error_text(err))
                    continue
                if job.spec is None:
                    self._plan(job.model, *value)
                else:
                    self._write(job, value)
        return self.report

    def _plan(self, name: str, info, stamp: str) -> None:
        """The model's info is known: reuse its finished files, send the other items to its actor."""
        if stamp != self.stamp:
            for spec in list(self.items_left[name]):
                self._failed(
                    name,
                    spec,
                    f"the worker runs workbench {stamp}, the driver {self.stamp}: install the "
                    "same workbench on every node (and do not edit it during a run)",
                )
            return
        config = self.config
        for spec in list(self.items_left[name]):
            try:
                task = Task(spec, data_dir=config.data_dir, cache_dir=config.cache_dir)
                path, reusable = result_file_for(
                    info,
                    task,
                    config.split,
                    config.output,
                    ties=config.ties,
                    limit=config.limit,
                    settings=self.settings[name] or None,
                )
            except WorkBenchError as err:
                self._failed(name, spec, str(err))
                continue
            if reusable:
                self.log(f"reuse {path} (task, data, model and settings unchanged)")
                self.report.reused.append(path)
                self._done(name, spec)
                continue
            self.log(f"run {info.name} on {spec.key} [{config.split}]")
            ref = self.actors[name].evaluate.remote(spec, config.split, config.limit, config.ties)
            self.pending[ref] = _Pending(name, spec, path)

    def _write(self, job: _Pending, result) -> None:
        try:
            write_result(job.path, result)
        except WorkBenchError as err:
            self._failed(job.model, job.spec, str(err))
            return
        self.report.written.append(job.path)
        self.log(written_line(result, job.path))
        self._done(job.model, job.spec)

    def _failed(self, name: str, spec: TaskSpec, message: str) -> None:
        self.report.failed.append((name, spec.name, message))
        self.log(f"FAILED {name} on {spec.name}: {message}")
        self._done(name, spec)

    def _done(self, name: str, spec: TaskSpec) -> None:
        self.bar.update(1)
        left = self.items_left[name]
        left.remove(spec)
        if not left:
            self.ray.kill(self.actors.pop(name))  # its CPU or GPU goes to the next model's actor
