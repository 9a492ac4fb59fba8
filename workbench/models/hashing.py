"""Model revisions: a hash of the files that determine scores, or of a code-defined model's settings.

Folder revisions hash every weight/config file (sorted relative path + sha256 of its bytes), so two
copies of the same weights get the same revision wherever they live. File hashes are remembered in
``<cache>/file-hashes.json`` under each file's content key (``workbench.data.file_hashes``: size + xxh3 of
every byte), never under its size and mtime: weights swapped at the same size with the mtime kept
(`cp -p`, `rsync -t`) get a new revision. Nothing is ever written into a model folder.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.data.file_hashes import Sha256Memo
from workbench.io import stable_hash

# Files that can change what a model computes. README, .gitattributes, desktop.ini, images: not.
REVISION_SUFFIXES = frozenset(
    {
        ".safetensors",
        ".bin",
        ".pt",
        ".pth",
        ".ckpt",
        ".onnx",
        ".json",
        ".txt",
        ".model",
        ".py",
        ".so",
        ".tiktoken",
        ".vocab",
        ".merges",
    }
)
_SKIP_DIRS = frozenset({".git", ".cache", "__pycache__", "onnx", "openvino"})
_HASH_FILE = "file-hashes.json"
_lock = threading.Lock()
_memos: dict[Path | None, Sha256Memo] = {}


def _memo() -> Sha256Memo:
    """The process's memo for the current cache folder (None: no usable cache, memo in this process only)."""
    from workbench.data.settings import current_cache_dir

    folder = current_cache_dir()
    with _lock:
        if folder not in _memos:
            _memos[folder] = Sha256Memo(folder / _HASH_FILE if folder is not None else None)
        return _memos[folder]


def file_sha256(path: str | os.PathLike, *, persist: bool = True) -> str:
    """sha256 of a file's bytes, memoised under its content key (size + xxh3 of every byte, never mtime)."""
    return _memo()(path, save=persist)


def revision_files(folder: str | os.PathLike) -> list[Path]:
    """The files of a model folder that enter its revision, sorted by relative path."""
    folder = Path(folder)
    found = []
    for root, dirs, files in os.walk(folder):
        rel_root = Path(root).relative_to(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (rel_root == Path(".") and d in _SKIP_DIRS))
        for name in files:
            if name.startswith(".") or Path(name).suffix.lower() not in REVISION_SUFFIXES:
                continue
            found.append(Path(root) / name)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def files_revision(files: Iterable[tuple[str, str | os.PathLike]]) -> str:
    """sha256 over sorted (name, sha256) pairs."""
    memo = _memo()
    pairs = sorted((name, memo(path, save=False)) for name, path in files)
    memo.save()
    return stable_hash(pairs)


def folder_revision(folder: str | os.PathLike) -> str:
    folder = Path(folder)
    files = revision_files(folder)
    if not files:
        raise FileNotFoundError(f"{folder}: no weight or config files to hash")
    return files_revision((p.relative_to(folder).as_posix(), p) for p in files)


def settings_revision(kind: str, settings: dict[str, Any]) -> str:
    """Revision of a model whose scores are fixed by code: its kind and settings. The versions of the
    libraries that compute it are environment (`ModelInfo.libraries`), never part of its identity."""
    return stable_hash({"model": kind, "settings": settings})


def legacy_settings_revision(kind: str, settings: dict[str, Any], libraries: dict[str, str]) -> str:
    """The revision `settings_revision` gave before scoring version 1, with the library versions in it
    (`workbench results migrate` recognises such revisions; nothing new is written with it)."""
    return stable_hash({"model": kind, "settings": settings, "libraries": libraries})


def package_version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not-installed"
