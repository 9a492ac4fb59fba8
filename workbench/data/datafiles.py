"""Data files of a task: resolve paths inside the data directory, checksum them (memoised), verify a SHA256SUMS list."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from workbench.data.file_hashes import Sha256Memo
from workbench.data.local_sums import LOCAL_SUMS, read_local_sums
from workbench.errors import WorkBenchError
from workbench.io import InputFileError, check_regular, read_regular_text, sha256_file


def resolve_source_files(files: Mapping[str, str], data_dir: Path, task_name: str) -> dict[str, Path]:
    """{role: path} of a task's files (its `source.files`); files that are missing are fetched first (see ``fetch_missing``).

    Paths stay as written under the data directory, links are not resolved: a curator may mirror the
    data with symlinks (to anywhere). The task file itself cannot name a path outside it: the spec
    refuses absolute paths (unless ``allow_absolute_paths``) and '..'.
    """
    root = data_dir.resolve()
    paths = {role: Path(rel) if Path(rel).is_absolute() else root / rel for role, rel in files.items()}
    for role, path in paths.items():
        if path.is_symlink() and not path.exists():  # a dangling link or a link loop: never fetched over
            _check_input(path, role, task_name)
    missing = {role: rel for role, rel in files.items() if not paths[role].exists() and not Path(rel).is_absolute()}
    if missing:
        fetch_missing(root, missing, task_name)
    for role, path in paths.items():
        if not path.exists():
            raise WorkBenchError(f"task {task_name}: source.files.{role}: {path} not found (data directory {root})")
        _check_input(path, role, task_name)
    return paths


def _check_input(path: Path, role: str, task_name: str) -> None:
    """A role names a regular file or a folder (whose members checksum_files checks): a named pipe or a
    device would hang or never end its reader, so it is refused here, before any loader opens it."""
    try:
        check_regular(path, folder_ok=True)
    except InputFileError as err:
        raise WorkBenchError(f"task {task_name}: source.files.{role}: {err}") from None


def fetch_missing(root: Path, missing: dict[str, str], task_name: str) -> None:
    """Download the files a task lacks ({role: path}), or (fetching off) name them and the command that gets them.

    A path that no manifest entry, publisher pattern or mirror covers is reported as not found, before
    anything is downloaded.
    """
    from workbench.data.fetch import fetch_plan, fetch_planned
    from workbench.data.settings import OFFLINE_ENV, data_url, fetch_allowed

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


# A data_files key of a file outside the data directory (allow_absolute_paths). Such a key is relative
# (it starts with this name), so it never resolves outside any data directory a checker joins it to.
EXTERNAL_PREFIX = "external:"


def data_key_problem(key: str) -> str | None:
    """Why `key` (a result's data_files key, a checksum list's path) is not a relative path inside a data
    directory: empty, NUL, absolute, or with a '..' part. Checked lexically: links inside the data
    directory are the curator's (they may lead anywhere, see resolve_source_files); a key cannot add one."""
    if not key or "\0" in key:
        return f"data file key {key!r} is empty or holds a NUL character"
    if key.startswith("/") or os.path.isabs(key):
        return f"data file key {key!r} is an absolute path; keys are paths relative to the data directory"
    if ".." in PurePosixPath(key).parts:
        return f"data file key {key!r} leaves the data directory ('..')"
    return None


def data_file_path(data_dir: Path, key: str) -> Path | None:
    """data_dir/key, or None when the key is not a path inside the data directory (then never read)."""
    if data_key_problem(key) is not None:
        return None
    path = Path(data_dir) / key
    inside = os.path.normpath(path).startswith(os.path.join(os.path.normpath(data_dir), ""))
    return path if inside else None


def file_identity(path: Path) -> str:
    """Resolved path, size, mtime, inode and ctime: what changes when a file was written (OSError when missing).

    Only for a file this process writes and does not hash: the embedding cache's SQLite file (gigabytes),
    whose in-memory copy is dropped when it changes. A cache of anything derived from a file's *bytes* keys on
    its content instead (``workbench.data.file_hashes``), never on this identity.
    """
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}|{stat.st_ctime_ns}"


class ChecksumMemo(Sha256Memo):
    """sha256 per data file, remembered under its content key (``workbench.data.file_hashes``) so a suite run
    pays one xxh3 pass per file, not one sha256 pass; metadata (size, mtime, inode, ctime) is never trusted."""


def checksum_files(files: dict[str, Path], data_dir: Path, memo: ChecksumMemo) -> dict[str, str]:
    """{path relative to the data directory: sha256} for every file (folders are expanded)."""
    out: dict[str, str] = {}
    root = data_dir.resolve()
    recorded = read_local_sums(root)
    for path in files.values():
        # every member but sub-folders: a pipe or device inside a folder is refused by the hash, not skipped
        members = sorted(p for p in path.rglob("*") if not p.is_dir()) if path.is_dir() else [path]
        for member in members:
            try:  # the path inside the data directory, also for a link that leads elsewhere
                rel = member.relative_to(root).as_posix()
            except ValueError:  # allow_absolute_paths: a key that no data-directory lookup can resolve
                rel = EXTERNAL_PREFIX + member.resolve().as_posix()
            out[rel] = memo(member)
            if rel in recorded and recorded[rel] != out[rel]:
                raise WorkBenchError(
                    f"{root / rel}: sha256 {out[rel]} differs from {recorded[rel]}, recorded in "
                    f"{root / LOCAL_SUMS} at its first download; delete the file to fetch it again "
                    "(or its line there, if it was changed on purpose)"
                )
    return out


_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


def verify_checksums(
    data_dir: Path, sums_file: Path | None = None
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Check files against a sha256sum-style list; returns (ok, mismatched, missing, unreadable): relative
    paths, and for an entry that exists but is no regular file (folder, pipe, device, link loop) one line
    saying what it is. Neither the list nor any entry is opened unless it is a regular file."""
    sums_file = sums_file or data_dir / "SHA256SUMS"
    try:
        text = read_regular_text(sums_file)
    except FileNotFoundError:
        raise WorkBenchError(
            f"{sums_file}: checksum list not found (expected lines '<sha256>  <relative path>')"
        ) from None
    except InputFileError as err:
        raise WorkBenchError(f"checksum list: {err}") from None
    ok, bad, missing, unreadable = [], [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, rel = _sums_entry(sums_file, number, line)
        try:
            same = sha256_file(data_dir / rel) == digest.lower()
        except FileNotFoundError:  # absent, or a link to nothing
            missing.append(rel)
            continue
        except InputFileError as err:  # present, but not a file to hash: say what it is
            unreadable.append(rel + str(err).removeprefix(str(data_dir / rel)))
            continue
        (ok if same else bad).append(rel)
    if not (ok or bad or missing or unreadable):
        raise WorkBenchError(f"{sums_file}: lists no files, so nothing can be verified")
    return ok, bad, missing, unreadable


def _sums_entry(sums_file: Path, number: int, line: str) -> tuple[str, str]:
    """(digest, relative path) of one line in sha256sum's format: the digest, a space, ' ' (text mode) or
    '*' (binary mode, `sha256sum -b`), the path, which must stay inside the data directory."""
    match = _SUMS_LINE.fullmatch(line)
    if match is None:
        raise WorkBenchError(
            f"{sums_file}:{number}: expected '<64 hex sha256>  <path>' or '<64 hex sha256> *<path>', got {line[:80]!r}"
        )
    digest, rel = match.group(1), match.group(2)
    if data_key_problem(rel) is not None:
        raise WorkBenchError(f"{sums_file}:{number}: path {rel!r} leaves the data directory")
    return digest, rel
