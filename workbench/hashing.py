"""Model revisions: a hash of the files that determine scores, or of settings + library versions.

Folder revisions hash every weight/config file (sorted relative path + sha256 of its bytes), so two
copies of the same weights get the same revision wherever they live. File hashes are memoised per
process and remembered across processes in ``<cache>/file-hashes.json`` keyed by (path, size, mtime):
nothing is ever written into a model folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.io import atomic_write_json, sha256_file, stable_hash

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
_memo: dict[tuple[str, int, int], str] = {}
_disk_loaded = False


def _disk_path() -> Path | None:
    try:
        from workbench.settings import resolve_cache_dir

        return resolve_cache_dir() / _HASH_FILE
    except Exception:  # an unwritable cache only costs a re-hash
        return None


def _load_disk() -> None:
    global _disk_loaded
    if _disk_loaded:
        return
    _disk_loaded = True
    path = _disk_path()
    if path is None or not path.is_file():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, digest in data.items():
            file, size, mtime = key.rsplit("|", 2)
            _memo.setdefault((file, int(size), int(mtime)), digest)
    except (OSError, ValueError):
        pass


def _save_disk() -> None:
    path = _disk_path()
    if path is None:
        return
    with contextlib.suppress(OSError):  # an unwritable cache only costs a re-hash
        atomic_write_json(path, {f"{f}|{s}|{m}": d for (f, s, m), d in _memo.items()})


def file_sha256(path: str | os.PathLike, *, persist: bool = True) -> str:
    """sha256 of a file's bytes, memoised on (resolved path, size, mtime_ns)."""
    path = Path(path).resolve()
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _lock:
        _load_disk()
        if key in _memo:
            return _memo[key]
    digest = sha256_file(path)
    with _lock:
        _memo[key] = digest
        if persist:
            _save_disk()
    return digest


def source_digest(files: Iterable[tuple[str, str | os.PathLike]]) -> str:
    """sha256 over (label, bytes) of source files, in the order given: what code a result or cache depends on."""
    digest = hashlib.sha256()
    for label, path in files:
        digest.update(label.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return digest.hexdigest()


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
    files = list(files)
    with _lock:
        _load_disk()
        before = len(_memo)
    pairs = sorted((name, file_sha256(path, persist=False)) for name, path in files)
    with _lock:
        if len(_memo) != before:
            _save_disk()
    return stable_hash(pairs)


def folder_revision(folder: str | os.PathLike) -> str:
    folder = Path(folder)
    files = revision_files(folder)
    if not files:
        raise FileNotFoundError(f"{folder}: no weight or config files to hash")
    return files_revision((p.relative_to(folder).as_posix(), p) for p in files)


def settings_revision(kind: str, settings: dict[str, Any], libraries: dict[str, str]) -> str:
    """Revision of a model whose scores are fixed by code: its settings and library versions."""
    return stable_hash({"model": kind, "settings": settings, "libraries": libraries})


def package_version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not-installed"
