"""`workbench data fetch`: download the official releases into a data directory, checked against the manifest.

For every manifest entry (see `workbench.data_manifest`) that is not already present with the right sha256:

* the bytes are streamed to ``<file>.part`` next to the final file; when a ``.part`` exists (an earlier
  run or attempt was cut off) the request asks for the rest with ``Range: bytes=N-``; a server that
  answers ``206`` is resumed, one that answers ``200`` is restarted from byte zero;
* a connection that drops mid-file, a timeout or a 5xx/429 answer is retried (``retries`` times, with a
  short back-off), resuming from the ``.part`` size;
* the finished ``.part`` is hashed; on a match it is renamed over the final path (``os.replace``: readers
  never see half a file), on a mismatch it is deleted and the file is reported as
  ``checksum mismatch: expected X got Y``. When the wrong bytes came from a resumed or stale ``.part``,
  one clean download from zero is tried first;
* a ``.part`` is kept only when a download gives up on a network error, so that the next run resumes it;
* members of a publisher's zip are extracted from the downloaded archive (kept in
  ``DATA_DIR/.fetch-archives/`` while it is needed, deleted afterwards) and checked one by one; member
  names or target paths that are absolute or contain ``..`` are refused;
* ``manual`` entries (publisher requires an interactive form) are reported with instructions, not as
  failures; already-present verified files are skipped without any request.

``base_url`` points at a mirror laid out like the data directory: every file, archive members and
manual entries included, is then fetched from ``BASE_URL/<path>``.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import posixpath
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote, urlsplit
from urllib.request import Request, urlopen

from . import __version__
from . import data_manifest
from .data_manifest import ManifestEntry
from .errors import WorkBenchError
from .io import atomic_write_bytes, sha256_file

USER_AGENT = f"workbench/{__version__} (data fetch; python-urllib)"
CHUNK = 1 << 16
BACKOFF_S = 1.0  # first retry waits this long, then doubles (capped at 30 s)
ARCHIVE_DIR = ".fetch-archives"

STATUSES = ("skipped", "downloaded", "resumed", "manual", "would download", "failed")


@dataclass
class FileResult:
    path: str
    status: str  # one of STATUSES
    detail: str = ""
    url: str | None = None

    def line(self) -> str:
        return f"{self.status:<14} {self.path}" + (f"  ({self.detail})" if self.detail else "")


@dataclass
class FetchReport:
    data_dir: Path
    results: list[FileResult] = field(default_factory=list)

    def with_status(self, *statuses: str) -> list[FileResult]:
        return [r for r in self.results if r.status in statuses]

    @property
    def failed(self) -> list[FileResult]:
        return self.with_status("failed")

    @property
    def ok(self) -> bool:
        return not self.failed

    def counts(self) -> dict[str, int]:
        return {s: len(self.with_status(s)) for s in STATUSES if self.with_status(s)}

    def summary(self) -> str:
        counts = self.counts() or {"files": 0}
        return ", ".join(f"{n} {s}" for s, n in counts.items()) + f" in {self.data_dir}"


class _FetchError(Exception):
    """One file could not be fetched; the message is the reason shown to the user."""


class _Retryable(Exception):
    pass


# ---------------------------------------------------------------- paths
def _safe_relpath(path: str) -> bool:
    """A '/'-separated relative path that stays inside its root: no absolute path, drive, backslash or '..'."""
    if not path or "\\" in path or "\x00" in path:
        return False
    pure = PurePosixPath(path)
    if pure.is_absolute() or ":" in pure.parts[0]:
        return False
    return all(part not in ("..", "") for part in path.split("/")) and path not in (".",)


def _part_of(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def _join_url(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + quote(path)


# ---------------------------------------------------------------- one download
def _range_start(content_range: str | None) -> int | None:
    """Start byte of a 'bytes START-END/TOTAL' Content-Range header."""
    if not content_range or not content_range.startswith("bytes "):
        return None
    start = content_range[6:].split("-", 1)[0].strip()
    return int(start) if start.isdigit() else None


def _download(url: str, part: Path, *, timeout: float, retries: int, progress: bool, label: str) -> bool:
    """Fill ``part`` with the bytes at ``url``, resuming what is there; True if a resume (206) was used."""
    from tqdm import tqdm

    resumed = False
    attempt = 0
    while True:
        offset = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            with urlopen(Request(url, headers=headers), timeout=timeout) as response:
                if offset and response.status == 206 and _range_start(response.headers.get("Content-Range")) == offset:
                    mode, resumed = "ab", True
                else:  # 200 (Range ignored) or an unexpected range: start over
                    offset, mode = 0, "wb"
                length = response.headers.get("Content-Length", "")
                total = offset + int(length) if length.isdigit() else None
                received = offset
                with open(part, mode) as out, tqdm(total=total, initial=offset, unit="B", unit_scale=True,
                                                    unit_divisor=1024, desc=label, leave=False,
                                                    disable=not progress) as bar:
                    while chunk := response.read(CHUNK):
                        out.write(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
                    out.flush()
                    os.fsync(out.fileno())
                if total is not None and received < total:
                    raise _Retryable(f"connection closed after {received} of {total} bytes")
                return resumed
        except HTTPError as err:
            if err.code == 416 and offset:
                return True  # nothing left to send: the .part may already be whole; the checksum decides
            if err.code not in (408, 429) and err.code < 500:
                raise _FetchError(f"HTTP {err.code}") from None
            reason = f"HTTP {err.code}"
        except _Retryable as err:
            reason = str(err)
        except (URLError, http.client.HTTPException, OSError) as err:  # refused, reset, timeout, truncated
            reason = getattr(err, "reason", None) or err.__class__.__name__
            reason = str(reason) or err.__class__.__name__
        attempt += 1
        if attempt > retries:
            kept = part.stat().st_size if part.exists() else 0
            tail = f"; {part.name} kept ({kept} bytes): run again to resume" if kept else ""
            raise _FetchError(f"{reason} after {attempt} attempts{tail}")
        time.sleep(min(BACKOFF_S * 2 ** (attempt - 1), 30.0))


def _fetch_file(url: str, dest: Path, sha256: str | None, *, timeout: float, retries: int, progress: bool,
                label: str) -> str:
    """Download ``url`` to ``dest`` through ``dest.part``; returns 'downloaded' or 'resumed'."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = _part_of(dest)
    for _ in range(2):
        stale = part.exists() and part.stat().st_size > 0
        resumed = _download(url, part, timeout=timeout, retries=retries, progress=progress, label=label)
        got = sha256_file(part)
        if sha256 is None or got == sha256.lower():
            os.replace(part, dest)
            return "resumed" if resumed else "downloaded"
        part.unlink(missing_ok=True)
        if not (resumed or stale):
            break  # fresh bytes from zero are wrong: another try fetches the same bytes
    raise _FetchError(f"checksum mismatch: expected {sha256} got {got}")


def _explain(err: _FetchError, url: str, entry: ManifestEntry, dest: Path, mirror: bool) -> str:
    text = str(err)
    if text.startswith("HTTP "):
        code = text.split()[1]
        why = ("the mirror does not have it" if mirror else
               "the publisher moved it" if code in ("404", "410") else "the server refused it")
        return f"{text} for {url}: {why}; download manually from {entry.page or url} to {dest}"
    return f"{text} ({url})"


# ---------------------------------------------------------------- archives
def _extract_member(archive: zipfile.ZipFile, member: str, dest: Path, sha256: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = _part_of(dest)
    digest = hashlib.sha256()
    try:
        with archive.open(member) as source, open(part, "wb") as out:
            while block := source.read(CHUNK):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    got = digest.hexdigest()
    if got != sha256.lower():
        part.unlink(missing_ok=True)
        raise _FetchError(f"checksum mismatch: expected {sha256} got {got} (member {member})")
    os.replace(part, dest)


def _fetch_archive(url: str, entries: list[ManifestEntry], root: Path, *, timeout: float, retries: int,
                   progress: bool) -> list[FileResult]:
    results: list[FileResult] = []
    todo = []
    for entry in entries:
        if _safe_relpath(entry.archive.member):
            todo.append(entry)
        else:
            results.append(FileResult(entry.path, "failed", f"refused unsafe archive member {entry.archive.member!r}", url))
    if not todo:
        return results
    staging = root / ARCHIVE_DIR
    name = posixpath.basename(unquote(urlsplit(url).path)) or hashlib.sha256(url.encode()).hexdigest()[:16]
    local = staging / name
    try:
        how = _fetch_file(url, local, todo[0].archive.sha256, timeout=timeout, retries=retries,
                          progress=progress, label=name)
    except _FetchError as err:
        first = todo[0]
        return results + [FileResult(e.path, "failed", _explain(err, url, first, root / e.path, False), url)
                          for e in todo]
    try:
        try:
            archive = zipfile.ZipFile(local)
        except zipfile.BadZipFile:
            return results + [FileResult(e.path, "failed", f"{url} is not a zip archive", url) for e in todo]
        with archive:
            names = set(archive.namelist())
            for entry in todo:
                member = entry.archive.member
                if member not in names:
                    sample = ", ".join(sorted(names)[:3])
                    results.append(FileResult(entry.path, "failed",
                                              f"member {member!r} not in {name} (it holds e.g. {sample}); "
                                              f"download manually from {entry.page or url}", url))
                    continue
                try:
                    _extract_member(archive, member, root / entry.path, entry.sha256)
                    results.append(FileResult(entry.path, how, f"from {name}", url))
                except _FetchError as err:
                    results.append(FileResult(entry.path, "failed", str(err), url))
                except (zipfile.BadZipFile, OSError, RuntimeError) as err:
                    results.append(FileResult(entry.path, "failed", f"cannot extract {member!r}: {err}", url))
    finally:
        local.unlink(missing_ok=True)
        try:
            staging.rmdir()
        except OSError:
            pass  # not empty: another archive's .part is kept for resume
    return results


# ---------------------------------------------------------------- entry point
def fetch(data_dir: str | os.PathLike, *, only: str | Sequence[str] | None = None, base_url: str | None = None,
          retries: int = 3, timeout: float = 30, progress: bool = True,
          manifest: Sequence[ManifestEntry] | None = None, dry_run: bool = False) -> FetchReport:
    """Bring ``data_dir`` up to the manifest (default: the official releases); see the module docstring.

    ``only``: glob(s) or folder prefix(es) of data-directory paths (``onet/``, ``*.csv``).
    ``base_url``: a mirror in the data-directory layout used instead of the publishers.
    ``dry_run``: say what would be downloaded, without any request.
    """
    official = manifest is None
    entries = list(data_manifest.MANIFEST if official else manifest)
    if only:
        entries = [e for e in entries if e.matches(only)]
        if not entries:
            raise WorkBenchError(f"--only {only!r} matches no file of the manifest")
    root = Path(data_dir).expanduser()
    if not dry_run:
        root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    report = FetchReport(root)
    slots: dict[str, int] = {}  # path -> index in report.results, to keep manifest order

    def put(result: FileResult) -> None:
        if result.path in slots:
            report.results[slots[result.path]] = result
        else:
            slots[result.path] = len(report.results)
            report.results.append(result)

    direct: list[tuple[ManifestEntry, str, str]] = []
    archives: dict[str, list[ManifestEntry]] = {}
    for entry in entries:
        if not _safe_relpath(entry.path):
            put(FileResult(entry.path, "failed", "refused unsafe path (absolute or with '..')"))
            continue
        dest = root / entry.path
        note = ""
        if dest.is_file():
            got = sha256_file(dest)
            if got == entry.sha256.lower():
                put(FileResult(entry.path, "skipped", "present, checksum ok"))
                continue
            note = f"replaces a copy with checksum {got[:12]}…"
        if entry.manual and not base_url:
            put(FileResult(entry.path, "manual", "; ".join(x for x in (entry.instructions, note) if x), entry.page))
            continue
        if base_url:
            url = _join_url(base_url, entry.path)
        elif entry.archive is not None:
            url = entry.archive.url
        else:
            url = entry.url
        if not url:
            put(FileResult(entry.path, "failed", f"no download URL in the manifest; see {entry.page or 'its publisher'}"))
            continue
        if dry_run:
            via = f" member {entry.archive.member}" if entry.archive is not None and not base_url else ""
            put(FileResult(entry.path, "would download", f"{url}{via}" + (f"; {note}" if note else ""), url))
            continue
        put(FileResult(entry.path, "failed", "not attempted"))  # placeholder keeps the order
        if entry.archive is not None and not base_url:
            archives.setdefault(url, []).append(entry)
        else:
            direct.append((entry, url, note))

    for entry, url, note in direct:
        dest = root / entry.path
        try:
            how = _fetch_file(url, dest, entry.sha256, timeout=timeout, retries=retries, progress=progress,
                              label=entry.path)
            put(FileResult(entry.path, how, note, url))
        except _FetchError as err:
            put(FileResult(entry.path, "failed", _explain(err, url, entry, dest, bool(base_url)), url))
    for url, members in archives.items():
        for result in _fetch_archive(url, members, root, timeout=timeout, retries=retries, progress=progress):
            put(result)

    sums = root / "SHA256SUMS"
    if official and not dry_run and not sums.exists():
        try:  # lets `workbench data verify` check the folder afterwards
            atomic_write_bytes(sums, data_manifest.sums_text().encode("utf-8"))
        except OSError:
            pass
    return report
