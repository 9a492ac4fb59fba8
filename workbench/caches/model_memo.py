"""The model-metadata memo: a run whose embeddings are all cached does not load the model.

Such a run needs a model's info and prompts (they key the embedding cache and are recorded in the
result) but not its weights, torch or sentence-transformers. After a model has been loaded once, its
info and the prompts it answered are kept in <cache>/model-info.json under a stamp of what the model is
made from: the content of every file of its `folder` and of the modules imported while it loaded (their
content keys: size + xxh3 of every byte, never size and mtime, which `cp -p` and `rsync -t` put back), the host
and CUDA_VISIBLE_DEVICES. A later run whose stamp matches gets a `LazyModel`: info and known prompts from the
memo, the real model loaded on the first call the memo cannot answer (an encode, i.e. a text missing
from the embedding cache; a prompt it never answered). Anything else is asked of `.model`, which loads.
Models without a `folder` (lexical scorers, encoders defined in code) and hub ids (a branch can move
without any local file changing) are always loaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.data.file_hashes import content_key
from workbench.data.settings import usable_cache_dir
from workbench.errors import WorkBenchError
from workbench.io import atomic_write_json, stable_hash
from workbench.models.model import ModelInfo, prompt_of
from workbench.models.weights import is_hub_id

MODEL_MEMO_FILE = "model-info.json"
_MEMO_VERSION = 2  # 2: stamps of file content (1: of file metadata)


def _file_stamp(path: Path) -> str:
    """The file's content key (one xxh3 pass: 0.04 s for the 438 MB mpnet weights from the page cache). Not its
    metadata: weights swapped at the same size with the mtime kept, or rewritten within one clock tick, would
    keep a stamp of size, mtime, inode and ctime, and the memo would answer the old revision."""
    try:
        return f"{path}|{content_key(path)}"
    except OSError:  # missing, unreadable, or no regular file (refused by content_key)
        return f"{path}|missing"


def _module_files(names) -> list[str]:
    files = set()
    for name in names:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if file:
            files.add(str(Path(file).resolve()))
    return sorted(files)


def model_stamp(folder: Path, module_files: list[str]) -> str:
    """What a memo entry is valid for: the model folder's files, its modules, host and visible GPUs."""
    entries = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        entries.extend(_file_stamp(Path(root) / name) for name in sorted(names))
    return stable_hash(
        {
            "folder": str(folder),
            "files": entries,
            "modules": [_file_stamp(Path(f)) for f in module_files],
            "host": platform.node(),
            "cuda_visible": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "workbench": __version__,
            "memo": _MEMO_VERSION,
        }
    )


def _prompt_key(role, input_type, group) -> str:
    return json.dumps([role, input_type, group])


class ModelMemo:
    """The model-info.json file: {model key (name as given, settings): entry}."""

    def __init__(self, cache_dir: Path):
        self.path = cache_dir / MODEL_MEMO_FILE

    def read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: a memo only ever saves time
        return data if isinstance(data, dict) else {}

    def write(self, key: str, entry: dict | None) -> None:
        data = self.read()
        if entry is None:
            data.pop(key, None)
        else:
            data[key] = entry
        with contextlib.suppress(OSError):
            atomic_write_json(self.path, data)

    def valid_entry(self, key: str) -> dict | None:
        """The entry for `key` when its stamp still matches the files it was made from."""
        entry = self.read().get(key)
        if not isinstance(entry, dict) or entry.get("version") != _MEMO_VERSION:
            return None
        try:
            valid = entry["stamp"] == model_stamp(Path(entry["folder"]), entry["modules"])
            ModelInfo(**entry["info"])
        except (KeyError, TypeError, ValueError):
            return None
        return entry if valid else None


class LazyModel:
    """A model known from its memo entry: `info`, `encode_depends_only_on_prompt` and the prompts it
    answered before come from the entry; `encode`, an unknown prompt and `.model` load the real model.
    Also wraps a model loaded up front (`real`), to record the prompts it answers."""

    def __init__(self, key: str, load: Callable[[], Any], memo: ModelMemo, entry: dict, real: Any = None):
        self._key, self._load, self._memo, self._entry, self._real = key, load, memo, entry, real
        self.info = real.info if real is not None else ModelInfo(**entry["info"])
        self.encode_depends_only_on_prompt = bool(entry.get("shared", False))

    @property
    def loaded(self) -> bool:
        return self._real is not None

    @property
    def model(self) -> Any:
        """The real model, loaded on first use."""
        if self._real is None:
            real = self._load()
            if real.info.model_dump(mode="json") != self._entry["info"]:
                # Cannot happen while the stamp covers what determines the info; if it does, embeddings
                # read from the cache under the memo's info may not be this model's: fail, forget the memo.
                self._memo.write(self._key, None)
                raise WorkBenchError(
                    f"model {self._key}: its metadata differs from the memo in {self._memo.path} "
                    "(changed without a change to its files?); the memo is removed, run again"
                )
            self._real = real
        return self._real

    def prompt_for(self, *, role: str, input_type: str, group: str | None = None) -> str | None:
        prompts = self._entry["prompts"]
        key = _prompt_key(role, input_type, group)
        if key not in prompts:
            prompts[key] = prompt_of(self.model, role=role, input_type=input_type, group=group)
            self._memo.write(self._key, self._entry)
        return prompts[key]

    def encode(self, texts, **kwargs):
        return self.model.encode(texts, **kwargs)


def memo_key(name: str, settings: dict[str, Any]) -> str:
    """A model given as a path is remembered by its resolved path (a relative path means another folder
    from another working directory); registered names cannot contain a path separator. Settings such
    as prompts or max_seq_length change the model's info: each (model, settings) has its own entry."""
    if "/" in name or "\\" in name or name.startswith("~"):
        prefix = "uwe:" if name.lower().startswith("uwe:") else ""
        name = f"{prefix}{Path(name[len(prefix) :]).expanduser().resolve()}"
    return name + (f" {json.dumps(settings, sort_keys=True, default=str)}" if settings else "")


def _new_entry(real: Any, modules_before: set[str]) -> dict | None:
    """The memo entry of a freshly loaded model, or None when it cannot be memoised faithfully."""
    info, folder = getattr(real, "info", None), getattr(real, "folder", None)
    if (
        not isinstance(info, ModelInfo)
        or info.kind != "embedding"
        or not isinstance(folder, (str, Path))
        or not Path(folder).is_dir()
    ):
        return None
    if ModelInfo(**json.loads(json.dumps(info.model_dump(mode="json")))) != info:
        return None  # info that does not survive JSON cannot be restored exactly
    folder = Path(folder).resolve()
    # what the model was built from: its class's modules and every module its loading imported
    # (top-level packages: an upgrade replaces their files; workbench's own modules, e.g. the factory's)
    new = {m for m in set(sys.modules) - modules_before if "." not in m or m.startswith("workbench.")}
    modules = _module_files(new | {c.__module__ for c in type(real).__mro__})
    return {
        "version": _MEMO_VERSION,
        "folder": str(folder),
        "modules": modules,
        "stamp": model_stamp(folder, modules),
        "info": info.model_dump(mode="json"),
        "shared": bool(getattr(real, "encode_depends_only_on_prompt", False)),
        "prompts": {},
    }


def lazy_model(
    name: str, load_model: Callable[..., Any], cache_dir: Path | None, settings: dict[str, Any] | None = None
) -> Any:
    """The model (`load_model(name, **settings)`) as a LazyModel that defers loading while a valid memo
    entry exists; the model itself where it cannot be memoised (no usable cache, a hub id, no folder)."""
    settings = dict(settings or {})
    load = lambda: load_model(name, **settings)  # noqa: E731
    cache_root = None if is_hub_id(name) else usable_cache_dir(cache_dir)
    if cache_root is None:  # a hub id, or a cache that is not writable (said once): loaded now
        return load()
    memo, key = ModelMemo(cache_root), memo_key(name, settings)
    entry = memo.valid_entry(key)
    if entry is not None:
        return LazyModel(key, load, memo, entry)
    before = set(sys.modules)
    real = load()
    entry = _new_entry(real, before)
    if entry is None:
        return real
    memo.write(key, entry)
    return LazyModel(key, load, memo, entry, real=real)
