"""Data files of a task: resolve paths inside the data directory, checksum them (memoised), verify a SHA256SUMS list."""
from __future__ import annotations

import json
from pathlib import Path

from .errors import WorkBenchError
from .io import atomic_write_json, sha256_file
from .spec import Source


def resolve_source_files(source: Source, data_dir: Path, task_name: str) -> dict[str, Path]:
    resolved: dict[str, Path] = {}
    root = data_dir.resolve()
    for role, rel in source.files.items():
        path = (root / rel).resolve() if not Path(rel).is_absolute() else Path(rel)
        if not source.allow_absolute_paths and root not in path.parents and path != root:
            raise WorkBenchError(f"task {task_name}: source.files.{role} {rel!r} points outside the data directory {root}")
        if not path.exists():
            raise WorkBenchError(f"task {task_name}: source.files.{role}: {path} not found (data directory {root})")
        if path.is_dir() and not source.allow_absolute_paths:  # links inside a folder may not lead out either
            for member in sorted(path.rglob("*")):
                real = member.resolve()
                if root not in real.parents:
                    raise WorkBenchError(f"task {task_name}: source.files.{role} {rel!r} holds {member.relative_to(root).as_posix()}, "
                                         f"a link to {real} outside the data directory {root}")
        resolved[role] = path
    return resolved


def file_identity(path: Path) -> str:
    """Resolved path, size, mtime, inode and ctime: what changes when the file's content may have.

    ctime and inode too: an edit that keeps size and mtime (cp -p, rsync -t, tar) still changes them.
    Raises OSError for a missing file.
    """
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}|{stat.st_ctime_ns}"


class ChecksumMemo:
    """sha256 per file, remembered by (path, size, mtime, inode, ctime) so a suite run hashes each file once."""

    def __init__(self, cache_file: Path | None):
        self.cache_file = cache_file
        self._memo: dict[str, str] = {}
        if cache_file and cache_file.exists():
            try:
                self._memo = json.loads(cache_file.read_text())
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                self._memo = {}
            if not isinstance(self._memo, dict):  # damaged or foreign file: a memo is only ever a shortcut
                self._memo = {}

    def __call__(self, path: Path) -> str:
        key = file_identity(path)
        if key not in self._memo:
            self._memo[key] = sha256_file(path)
            if self.cache_file:
                atomic_write_json(self.cache_file, self._memo)
        return self._memo[key]


def checksum_files(files: dict[str, Path], data_dir: Path, memo: ChecksumMemo) -> dict[str, str]:
    """{path relative to the data directory: sha256} for every file (folders are expanded)."""
    out: dict[str, str] = {}
    root = data_dir.resolve()
    for path in files.values():
        members = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for member in members:
            try:
                rel = member.resolve().relative_to(root).as_posix()
            except ValueError:
                rel = member.resolve().as_posix()
            out[rel] = memo(member)
    return out


def verify_checksums(data_dir: Path, sums_file: Path | None = None) -> tuple[list[str], list[str], list[str]]:
    """Check files against a sha256sum-style list; returns (ok, mismatched, missing) relative paths."""
    sums_file = sums_file or data_dir / "SHA256SUMS"
    if not sums_file.exists():
        raise WorkBenchError(f"{sums_file}: checksum list not found (expected lines '<sha256>  <relative path>')")
    try:
        text = sums_file.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise WorkBenchError(f"{sums_file}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    ok, bad, missing = [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            raise WorkBenchError(f"{sums_file}:{number}: expected '<64 hex sha256>  <path>', got {line[:80]!r}")
        rel = rel.lstrip("*")
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise WorkBenchError(f"{sums_file}:{number}: path {rel!r} leaves the data directory")
        path = data_dir / rel
        if not path.exists():
            missing.append(rel)
        elif sha256_file(path) != digest.lower():
            bad.append(rel)
        else:
            ok.append(rel)
    return ok, bad, missing
