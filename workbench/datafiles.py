"""Data files of a task: resolve paths inside the data directory, checksum them (memoised), verify a SHA256SUMS list."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from .errors import WorkBenchError
from .io import atomic_write_bytes, atomic_write_json, sha256_file
from .spec import Source


def resolve_source_files(source: Source, data_dir: Path, task_name: str) -> dict[str, Path]:
    """{role: path} of a task's files; files that are missing are fetched first (see ``fetch_missing``).

    Paths stay as written under the data directory, links are not resolved: a curator may mirror the
    data with symlinks (to anywhere). The task file itself cannot name a path outside it: the spec
    refuses absolute paths (unless ``allow_absolute_paths``) and '..'.
    """
    root = data_dir.resolve()
    paths = {role: Path(rel) if Path(rel).is_absolute() else root / rel for role, rel in source.files.items()}
    for role, path in paths.items():
        if path.is_symlink() and not path.exists():
            raise WorkBenchError(
                f"task {task_name}: source.files.{role}: {path} is a link to {path.readlink()}, which does not exist"
            )
    missing = {
        role: rel for role, rel in source.files.items() if not paths[role].exists() and not Path(rel).is_absolute()
    }
    if missing:
        fetch_missing(root, missing, task_name)
    for role, path in paths.items():
        if not path.exists():
            raise WorkBenchError(f"task {task_name}: source.files.{role}: {path} not found (data directory {root})")
    return paths


def fetch_missing(root: Path, missing: dict[str, str], task_name: str) -> None:
    """Download the files a task lacks ({role: path}), or (fetching off) name them and the command that gets them.

    A path that no manifest entry, publisher pattern or mirror covers is reported as not found, before
    anything is downloaded.
    """
    from .fetch import fetch_plan, fetch_planned
    from .settings import OFFLINE_ENV, data_url, fetch_allowed

    base_url = data_url()
    entries, unknown = fetch_plan(root, sorted(set(missing.values())), base_url)
    for role, rel in missing.items():
        if rel in unknown:
            raise WorkBenchError(
                f"task {task_name}: source.files.{role}: {root / rel} not found (data directory {root})"
            )
    rels = sorted(set(missing.values()))
    if not fetch_allowed():
        only = " ".join(f"--only {shlex.quote(rel)}" for rel in rels)
        raise WorkBenchError(
            f"task {task_name}: {len(rels)} file(s) missing in the data directory {root}: "
            f"{', '.join(rels)}; fetching is off (--no-fetch or {OFFLINE_ENV}=1). "
            f"Get them with: workbench data fetch --data-dir {shlex.quote(str(root))} {only}"
        )
    fetch_planned(root, entries, base_url=base_url, what=f"task {task_name}: {', '.join(rels)}")


LOCAL_SUMS = "SHA256SUMS.local"  # checksums recorded at first download of files the manifest does not pin


def read_local_sums(root: Path) -> dict[str, str]:
    """{path: sha256} recorded in ``root/SHA256SUMS.local`` (empty when there is none)."""
    try:
        text = (root / LOCAL_SUMS).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return {}
    sums = {}
    for line in text.splitlines():
        digest, _, rel = line.partition("  ")
        if len(digest) == 64 and rel:
            sums[rel.lstrip("*").removeprefix("./")] = digest.lower()
    return sums


def record_local_sum(root: Path, rel: str, digest: str) -> None:
    """Add or replace one line of ``root/SHA256SUMS.local`` (sha256sum format: `workbench data verify --sums` reads it)."""
    sums = read_local_sums(root)
    sums[rel] = digest
    text = "".join(f"{sums[path]}  ./{path}\n" for path in sorted(sums))
    atomic_write_bytes(root / LOCAL_SUMS, text.encode("utf-8"))


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
                try:
                    atomic_write_json(self.cache_file, self._memo)
                except OSError:  # an unwritable memo only costs hashing again next time
                    self.cache_file = None
        return self._memo[key]


def checksum_files(files: dict[str, Path], data_dir: Path, memo: ChecksumMemo) -> dict[str, str]:
    """{path relative to the data directory: sha256} for every file (folders are expanded)."""
    out: dict[str, str] = {}
    root = data_dir.resolve()
    recorded = read_local_sums(root)
    for path in files.values():
        members = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for member in members:
            try:  # the path inside the data directory, also for a link that leads elsewhere
                rel = member.relative_to(root).as_posix()
            except ValueError:  # allow_absolute_paths
                rel = member.resolve().as_posix()
            out[rel] = memo(member)
            if rel in recorded and recorded[rel] != out[rel]:
                raise WorkBenchError(
                    f"{root / rel}: sha256 {out[rel]} differs from {recorded[rel]}, recorded in "
                    f"{root / LOCAL_SUMS} at its first download; delete the file to fetch it again "
                    "(or its line there, if it was changed on purpose)"
                )
    return out


_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


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
        # sha256sum's format: the digest, a space, ' ' (text mode) or '*' (binary mode, `sha256sum -b`), the path
        match = _SUMS_LINE.fullmatch(line)
        if match is None:
            raise WorkBenchError(
                f"{sums_file}:{number}: expected '<64 hex sha256>  <path>' or "
                f"'<64 hex sha256> *<path>', got {line[:80]!r}"
            )
        digest, rel = match.group(1), match.group(2)
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise WorkBenchError(f"{sums_file}:{number}: path {rel!r} leaves the data directory")
        path = data_dir / rel
        if not path.is_file():  # absent, or a folder / pipe where the file should be: never opened
            missing.append(rel)
        elif sha256_file(path) != digest.lower():
            bad.append(rel)
        else:
            ok.append(rel)
    if not (ok or bad or missing):
        raise WorkBenchError(f"{sums_file}: lists no files, so nothing can be verified")
    return ok, bad, missing
