"""Run models over tasks, writing one result file per (model, task, split) and reusing only exact matches."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock, Timeout

from . import __version__
from .datafiles import file_identity
from .dataset import input_warnings
from .errors import WorkBenchError
from .io import atomic_write_json, stable_hash
from .model import ModelInfo
from . import result_store
from .settings import usable_cache_dir
from .spec import TaskSpec
from .task import Task
from .weights import is_hub_id


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
    model_settings: dict[str, dict[str, Any]] | None = None,
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
) -> RunReport:
    output = Path(output)
    report = RunReport()
    loaded: dict[str, object] = {}
    with output_lock(output):
        for model_name, spec in work_items(models, tasks, shard):
            task = Task(spec, data_dir=data_dir, cache_dir=cache_dir)
            try:
                if lacks_split(spec, split, log):
                    continue
                if model_name not in loaded:
                    loaded[model_name] = _load(model_name, load_model, cache_dir, (model_settings or {}).get(model_name))
                path, written = evaluate_into(loaded[model_name], task, split, output, ties=ties, limit=limit,
                                              settings=(model_settings or {}).get(model_name), progress=progress,
                                              log=log)
                (report.written if written else report.reused).append(path)
            except Exception as err:  # noqa: BLE001 - one bad item never stops the others (Ctrl-C still does)
                message = str(err) if isinstance(err, WorkBenchError) else _one_line(err)
                report.failed.append((model_name, spec.name, message))
                log(f"FAILED {model_name} on {spec.name}: {message}")
    return report


def _one_line(err: Exception) -> str:
    """An unexpected error (a library's, or a bug) as one line with its type, for the run's failure list."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0][:300]}" if text else type(err).__name__


def _load(name: str, load_model: Callable[..., object], cache_dir: Path | None, settings: dict[str, Any] | None):
    """A model that fails to load (truncated weights, a broken config.json, a setting of the wrong type) fails
    its own items with one line; the other models of the run still run."""
    try:
        return load_model_lazily(name, load_model, cache_dir, settings=settings)
    except WorkBenchError:
        raise
    except Exception as err:  # noqa: BLE001 - third-party loaders raise anything; reported, the run goes on
        raise WorkBenchError(f"model {name} could not be loaded ({_one_line(err)})") from None


def lacks_split(spec: TaskSpec, split: str, log: Callable[[str], None]) -> bool:
    """A task that does not offer the split is skipped (and said so), not failed."""
    if spec.splits.available and split not in spec.splits.available:
        log(f"skip {spec.name}: no {split!r} split (offers {spec.splits.available})")
        return True
    return False


def written_line(result, path: Path) -> str:
    return (f"  {result.task.main_score} = {result.main_score:.4f}  ({result.sizes['queries']} queries × "
            f"{result.sizes['targets']} targets) → {path}")


@contextmanager
def output_lock(output: Path):
    """One run at a time writes to an output folder (local and Ray runs alike)."""
    lock = FileLock(str(output / ".workbench.lock"))
    try:
        output.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:  # (a TimeoutError, hence an OSError: caught first)
        raise WorkBenchError(f"another workbench run is writing to {output} (lock {output / '.workbench.lock'}); wait for it or use another --output") from None
    except OSError as err:  # a file where the folder should be, a read-only parent, ...
        raise WorkBenchError(f"output folder {output} cannot be written ({err.strerror or err})") from None
    try:
        yield
    finally:
        lock.release()


def result_file_for(info: ModelInfo, task: Task, split: str, output: Path, *, ties: str, limit: int | None,
                    settings: dict[str, Any] | None = None) -> tuple[Path, bool]:
    """The result file of (model, task, split) under `output` and whether a finished file there can be reused
    (the one decision both executors make before computing anything; the result store decides).
    `settings`: the model settings given to the run, which get a file of their own."""
    spec = task.spec
    config = {"ties": ties, "limit": limit}
    path = result_store.planned_path(output, model=info.name, task=spec.name, version=spec.version, split=split,
                                     ties=ties, limit=limit, settings=settings)
    wanted = result_store.identity(model=info.name, revision=info.revision, settings=info.settings, task=spec.name,
                                   version=spec.version, spec_hash=spec.spec_hash, split=split, config=config)
    return path, result_store.decide(path, wanted, task.result_fingerprint(info, split, config))


def evaluate_into(model, task: Task, split: str, output: Path, *, ties: str = "average", limit: int | None = None,
                  settings: dict[str, Any] | None = None, progress: bool = True,
                  log: Callable[[str], None] = lambda msg: None) -> tuple[Path, bool]:
    """One (model, task, split) of a run: reuse the finished result file or compute and store it.
    Returns (path, True when written / False when reused). `workbench run` and `workbench.evaluate` both
    come through here, so a result file is placed and reused by the same rules whichever way it is made."""
    path, reusable = result_file_for(model.info, task, split, output, ties=ties, limit=limit, settings=settings)
    if reusable:
        log(f"reuse {path} (task, data, model and settings unchanged)")
        return path, False
    log(f"run {model.info.name} on {task.spec.key} [{split}]")
    for line in input_warnings(task.full_dataset.stats):
        log(f"warning: task {task.spec.name}: {line}")
    result = task.evaluate(model, split, limit=limit, ties=ties, progress=progress)
    result_store.store(path, result)
    log(written_line(result, path))
    return path, True


# ----------------------------------------------------------------------------- lazy model loading
# A run whose embeddings are all cached needs the model's metadata (info, prompts) but not its
# weights: loading torch + sentence-transformers + weights was ~30 % of a warm ESCO run (py-spy).
# After a model has been loaded once, its info and the prompts it answered are kept in
# <cache>/model-info.json under a stamp of the files that make it (every file of its `folder`, the
# modules imported while it loaded, host and CUDA_VISIBLE_DEVICES). A later run whose stamp matches
# gets a stand-in that loads the real model only when something is not in the memo: an encode
# (a text missing from the embedding cache), a prompt it never answered, any other attribute.
# Models without a `folder` (e.g. lexical scorers, or encoders defined in code) are always loaded.
MODEL_MEMO_FILE = "model-info.json"
_MEMO_VERSION = 1


def _file_stamp(path: Path) -> str:
    try:
        return file_identity(path)  # the data checksums' notion of "this file may have changed"
    except OSError:
        return f"{path}|missing"


def _module_files(names) -> list[str]:
    files = set()
    for name in names:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if file:
            files.add(str(Path(file).resolve()))
    return sorted(files)


def _model_stamp(folder: Path, module_files: list[str]) -> str:
    import os
    import platform

    entries = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        entries.extend(_file_stamp(Path(root) / name) for name in sorted(names))
    return stable_hash({"folder": str(folder), "files": entries, "modules": [_file_stamp(Path(f)) for f in module_files],
                        "host": platform.node(), "cuda_visible": os.environ.get("CUDA_VISIBLE_DEVICES"),
                        "workbench": __version__, "memo": _MEMO_VERSION})


def _prompt_key(role, input_type, group) -> str:
    return json.dumps([role, input_type, group])


class _ModelMemo:
    """The model-info.json file: {model name as given to the run: entry}."""

    def __init__(self, cache_dir: Path):
        self.path = cache_dir / MODEL_MEMO_FILE

    def read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: a memo only ever saves time
        return data if isinstance(data, dict) else {}

    def write(self, name: str, entry: dict | None) -> None:
        data = self.read()
        if entry is None:
            data.pop(name, None)
        else:
            data[name] = entry
        try:
            atomic_write_json(self.path, data)
        except OSError:
            pass


class MemoModel:
    """Stands in for a model: info and known prompts from the memo, everything else from the real model,
    loaded on first need. Also wraps a model loaded up front, to record the prompts it answers."""

    def __init__(self, name: str, load: Callable[[], object], memo: _ModelMemo, entry: dict, real=None):
        self._name, self._load, self._memo, self._entry, self._real = name, load, memo, entry, real
        self.info = real.info if real is not None else ModelInfo(**entry["info"])
        self.encode_depends_only_on_prompt = bool(entry.get("shared", False))

    @property
    def loaded(self) -> bool:
        return self._real is not None

    def _model(self):
        if self._real is None:
            real = self._load()
            if real.info.model_dump(mode="json") != self._entry["info"]:
                # Cannot happen while the stamp covers what determines the info; if it does, embeddings
                # read from the cache under the memo's info may not be this model's: fail, forget the memo.
                self._memo.write(self._name, None)
                raise WorkBenchError(f"model {self._name}: its metadata differs from the memo in {self._memo.path} "
                                     "(changed without a change to its files?); the memo is removed, run again")
            self._real = real
        return self._real

    def prompt_for(self, *, role, input_type, group=None):
        prompts = self._entry["prompts"]
        key = _prompt_key(role, input_type, group)
        if key not in prompts:
            model = self._model()
            prompts[key] = model.prompt_for(role=role, input_type=input_type, group=group) if hasattr(model, "prompt_for") else None
            self._memo.write(self._name, self._entry)
        return prompts[key]

    def encode(self, texts, **kwargs):
        return self._model().encode(texts, **kwargs)

    def __getattr__(self, attr):  # anything else the evaluation or a caller asks for: the real model's
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self._model(), attr)


def _memo_key(name: str) -> str:
    """A model given as a path is remembered by its resolved path (a relative path means another folder
    from another working directory); registered names cannot contain a path separator."""
    if "/" in name or "\\" in name or name.startswith("~"):
        prefix = "uwe:" if name.lower().startswith("uwe:") else ""
        return f"{prefix}{Path(name[len(prefix):]).expanduser().resolve()}"
    return name


def load_model_lazily(name: str, load_model: Callable[..., object], cache_dir: Path | None,
                      settings: dict[str, Any] | None = None):
    """The model (`load_model(name, **settings)`), or a stand-in that defers loading it (see MemoModel)
    when a valid memo exists. The memo is kept per (model, settings): settings such as prompts or
    max_seq_length change the model's info."""
    settings = dict(settings or {})
    if is_hub_id(name):  # a branch (refs/main) can move to a new commit without a change to any snapshot file
        return load_model(name, **settings)
    cache_root = usable_cache_dir(cache_dir)
    if cache_root is None:  # not writable (said once): no memo, the model is loaded now
        return load_model(name, **settings)
    memo = _ModelMemo(cache_root)
    key = _memo_key(name) + (f" {json.dumps(settings, sort_keys=True, default=str)}" if settings else "")
    entry = memo.read().get(key)
    if isinstance(entry, dict) and entry.get("version") == _MEMO_VERSION:
        try:
            valid = entry["stamp"] == _model_stamp(Path(entry["folder"]), entry["modules"])
            ModelInfo(**entry["info"])
        except (KeyError, TypeError, ValueError):
            valid = False
        if valid:
            return MemoModel(key, lambda: load_model(name, **settings), memo, entry)
    before = set(sys.modules)
    real = load_model(name, **settings)
    info = getattr(real, "info", None)
    folder = getattr(real, "folder", None)
    if not isinstance(info, ModelInfo) or info.kind != "embedding" or not isinstance(folder, (str, Path)) or not Path(folder).is_dir():
        return real
    if ModelInfo(**json.loads(json.dumps(info.model_dump(mode="json")))) != info:
        return real  # info that does not survive JSON cannot be restored exactly: no memo
    folder = Path(folder).resolve()
    # what the model was built from: its class's modules and every module its loading imported
    # (top-level packages: an upgrade replaces their files; workbench's own modules, e.g. the factory's)
    new = {m for m in set(sys.modules) - before if "." not in m or m.startswith("workbench.")}
    modules = _module_files(new | {c.__module__ for c in type(real).__mro__})
    entry = {"version": _MEMO_VERSION, "folder": str(folder), "modules": modules, "stamp": _model_stamp(folder, modules),
             "info": info.model_dump(mode="json"), "shared": bool(getattr(real, "encode_depends_only_on_prompt", False)),
             "prompts": {}}
    memo.write(key, entry)
    return MemoModel(key, lambda: load_model(name, **settings), memo, entry, real=real)
