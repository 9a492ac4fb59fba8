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

A path the manifest does not list but whose publisher URL follows a known pattern (an ESCO zip of any
version or language: ``data_manifest.publisher_entry``) is fetched too; having no pinned sha256, its
checksum is recorded at first download in ``DATA_DIR/SHA256SUMS.local`` and required from then on.
``fetch_plan`` / ``fetch_planned`` serve a run that lacks some files (``datafiles.resolve_source_files``).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import posixpath
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote, urlsplit
from urllib.request import Request, urlopen

from . import __version__, data_manifest
from .data_manifest import ManifestEntry
from .datafiles import LOCAL_SUMS, read_local_sums, record_local_sum
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
                with (
                    open(part, mode) as out,
                    tqdm(
                        total=total,
                        initial=offset,
                        unit="B",
                        unit_scale=True,
                        unit_divisor=1024,
                        desc=label,
                        leave=False,
                        disable=not progress,
                    ) as bar,
                ):
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


def _fetch_file(
    url: str, dest: Path, sha256: str | None, *, timeout: float, retries: int, progress: bool, label: str
) -> str:
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
        why = (
            "the mirror does not have it"
            if mirror
            else "the publisher moved it"
            if code in ("404", "410")
            else "the server refused it"
        )
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


def _fetch_archive(
    url: str, entries: list[ManifestEntry], root: Path, *, timeout: float, retries: int, progress: bool
) -> list[FileResult]:
    results: list[FileResult] = []
    todo = []
    for entry in entries:
        if _safe_relpath(entry.archive.member):
            todo.append(entry)
        else:
            results.append(
                FileResult(entry.path, "failed", f"refused unsafe archive member {entry.archive.member!r}", url)
            )
    if not todo:
        return results
    staging = root / ARCHIVE_DIR
    name = posixpath.basename(unquote(urlsplit(url).path)) or hashlib.sha256(url.encode()).hexdigest()[:16]
    local = staging / name
    try:
        how = _fetch_file(
            url, local, todo[0].archive.sha256, timeout=timeout, retries=retries, progress=progress, label=name
        )
    except _FetchError as err:
        first = todo[0]
        return results + [
            FileResult(e.path, "failed", _explain(err, url, first, root / e.path, False), url) for e in todo
        ]
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
                    results.append(
                        FileResult(
                            entry.path,
                            "failed",
                            f"member {member!r} not in {name} (it holds e.g. {sample}); "
                            f"download manually from {entry.page or url}",
                            url,
                        )
                    )
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
        with contextlib.suppress(OSError):  # not empty: another archive's .part is kept for resume
            staging.rmdir()
    return results


# ---------------------------------------------------------------- entry point
def _select_entries(
    manifest: Sequence[ManifestEntry] | None, only: str | Sequence[str] | None, root: Path
) -> list[ManifestEntry]:
    entries = list(data_manifest.MANIFEST if manifest is None else manifest)
    if only:
        chosen = [e for e in entries if e.matches(only)]
        if manifest is None:  # e.g. an ESCO zip of another version or language: the publisher's URL pattern
            recorded = read_local_sums(root)
            listed = {e.path for e in chosen}
            for pattern in [only] if isinstance(only, str) else only:
                path = pattern.strip().removeprefix("./")
                extra = data_manifest.publisher_entry(path, recorded.get(path, ""))
                if extra is not None and path not in listed:
                    chosen.append(extra)
        entries = chosen
        if not entries:
            raise WorkBenchError(f"--only {only!r} matches no file of the manifest")
    return entries


def _source_url(entry: ManifestEntry, base_url: str | None) -> str | None:
    """Where ``entry`` is downloaded from: the mirror, else the publisher's archive or file URL."""
    if base_url:
        return _join_url(base_url, entry.path)
    if entry.archive is not None:
        return entry.archive.url
    return entry.url


def _plan_entry(
    entry: ManifestEntry, root: Path, base_url: str | None, dry_run: bool
) -> tuple[FileResult | None, str | None, str]:
    """(final result, url, note): a final result when nothing is to be downloaded, else the URL to fetch."""
    if not _safe_relpath(entry.path):
        return FileResult(entry.path, "failed", "refused unsafe path (absolute or with '..')"), None, ""
    dest = root / entry.path
    note = ""
    if dest.is_file():
        if not entry.sha256:  # not pinned and not recorded: a copy put there by hand is taken as it is
            return FileResult(entry.path, "skipped", "present, no checksum pinned or recorded"), None, ""
        got = sha256_file(dest)
        if got == entry.sha256.lower():
            return FileResult(entry.path, "skipped", "present, checksum ok"), None, ""
        note = f"replaces a copy with checksum {got[:12]}…"
    if entry.manual and not base_url:
        detail = "; ".join(x for x in (entry.instructions, note) if x)
        return FileResult(entry.path, "manual", detail, entry.page), None, note
    url = _source_url(entry, base_url)
    if not url:
        detail = f"no download URL in the manifest; see {entry.page or 'its publisher'}"
        return FileResult(entry.path, "failed", detail), None, note
    if dry_run:
        via = f" member {entry.archive.member}" if entry.archive is not None and not base_url else ""
        return FileResult(entry.path, "would download", f"{url}{via}" + (f"; {note}" if note else ""), url), url, note
    return None, url, note


class _OrderedResults:
    """Puts results into ``report`` in manifest order: a later result for a path replaces its placeholder."""

    def __init__(self, report: FetchReport):
        self.report = report
        self.slots: dict[str, int] = {}  # path -> index in report.results

    def put(self, result: FileResult) -> None:
        if result.path in self.slots:
            self.report.results[self.slots[result.path]] = result
        else:
            self.slots[result.path] = len(self.report.results)
            self.report.results.append(result)


def _write_sums(root: Path) -> None:
    sums = root / "SHA256SUMS"
    if sums.exists():
        return
    with contextlib.suppress(OSError):  # lets `workbench data verify` check the folder afterwards
        atomic_write_bytes(sums, data_manifest.sums_text().encode("utf-8"))


def fetch(
    data_dir: str | os.PathLike,
    *,
    only: str | Sequence[str] | None = None,
    base_url: str | None = None,
    retries: int = 3,
    timeout: float = 30,
    progress: bool = True,
    manifest: Sequence[ManifestEntry] | None = None,
    dry_run: bool = False,
) -> FetchReport:
    """Bring ``data_dir`` up to the manifest (default: the official releases); see the module docstring.

    ``only``: glob(s) or folder prefix(es) of data-directory paths (``onet/``, ``*.csv``).
    ``base_url``: a mirror in the data-directory layout used instead of the publishers.
    ``dry_run``: say what would be downloaded, without any request.
    """
    root = Path(data_dir).expanduser()
    if not dry_run:
        root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    entries = _select_entries(manifest, only, root)
    report = FetchReport(root)
    results = _OrderedResults(report)

    direct: list[tuple[ManifestEntry, str, str]] = []
    archives: dict[str, list[ManifestEntry]] = {}
    for entry in entries:
        final, url, note = _plan_entry(entry, root, base_url, dry_run)
        if final is not None:
            results.put(final)
            continue
        results.put(FileResult(entry.path, "failed", "not attempted"))  # placeholder keeps the order
        if entry.archive is not None and not base_url:
            archives.setdefault(url, []).append(entry)
        else:
            direct.append((entry, url, note))

    for entry, url, note in direct:
        dest = root / entry.path
        try:
            how = _fetch_file(
                url, dest, entry.sha256 or None, timeout=timeout, retries=retries, progress=progress, label=entry.path
            )
            if not entry.sha256:
                note = _record_first_download(root, entry.path)
            results.put(FileResult(entry.path, how, note, url))
        except _FetchError as err:
            results.put(FileResult(entry.path, "failed", _explain(err, url, entry, dest, bool(base_url)), url))
    for url, members in archives.items():
        for result in _fetch_archive(url, members, root, timeout=timeout, retries=retries, progress=progress):
            results.put(result)

    if manifest is None and not dry_run:
        _write_sums(root)
    return report


# ---------------------------------------------------------------- on demand
def _record_first_download(root: Path, path: str) -> str:
    """Pin a file the manifest does not pin at its first download; later fetches and runs check it."""
    digest = sha256_file(root / path)
    record_local_sum(root, path, digest)
    return f"sha256 {digest} recorded in {LOCAL_SUMS}"


def fetch_plan(root: Path, paths: Sequence[str], base_url: str | None) -> tuple[list[ManifestEntry], list[str]]:
    """What fetches each data-directory path (a file, or a folder: every file under it): its manifest
    entries, else the publisher's URL pattern (ESCO zips), else the mirror. Returns (entries, paths nobody serves)."""
    recorded = read_local_sums(root)
    entries: list[ManifestEntry] = []
    unknown: list[str] = []
    for rel in paths:
        folder = rel.rstrip("/") + "/"
        listed = [e for e in data_manifest.MANIFEST if e.path == rel or e.path.startswith(folder)]
        if not listed:
            extra = data_manifest.publisher_entry(rel, recorded.get(rel, ""))
            if extra is None and base_url:  # a curator's mirror may serve files no publisher does
                extra = ManifestEntry(path=rel, sha256=recorded.get(rel, ""))
            listed = [extra] if extra is not None else []
        entries += listed
        unknown += [] if listed else [rel]
    return entries, unknown


def fetch_planned(
    root: Path, entries: Sequence[ManifestEntry], *, base_url: str | None, what: str, progress: bool = True
) -> FetchReport:
    """Fetch ``entries`` (from ``fetch_plan``) before a run reads them; one process at a time per data
    directory. Raises WorkBenchError naming every file that could not be fetched and why.

    The lock file lives in the user's cache, not in the data directory: a shared data folder gets no
    stray file from a fetch that cannot happen (two users may then both download a file; each rename
    is atomic and checked, so the result is the same)."""
    from filelock import FileLock

    from .settings import failed_fetches, resolve_cache_dir

    failed_before = failed_fetches()
    _refuse_failed_before(root, entries, failed_before, what)
    print(f"{what}: fetching {len(entries)} file(s) into {root} from {base_url or 'the publishers'}", file=sys.stderr)
    lock = resolve_cache_dir() / "fetch-locks" / f"{hashlib.sha256(str(root).encode()).hexdigest()[:16]}.lock"
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(lock)):
            report = fetch(root, manifest=entries, base_url=base_url, progress=progress)
    except OSError as err:  # an unwritable data directory or cache
        raise WorkBenchError(f"{what}: cannot fetch into {root}: {err}") from None
    if report.failed:
        lines = "\n  ".join(r.line() for r in report.failed)
        if failed_before is not None:
            failed_before.update({(str(root), r.path): r.line() for r in report.failed})
        raise WorkBenchError(f"{what}: could not fetch {len(report.failed)} file(s) into {root}:\n  {lines}")
    return report


def _refuse_failed_before(
    root: Path, entries: Sequence[ManifestEntry], failed_before: dict[tuple[str, str], str] | None, what: str
) -> None:
    """Fail at once, without a request, when this run already failed to fetch one of `entries`."""
    known = [failed_before[key] for e in entries if (key := (str(root), e.path)) in (failed_before or {})]
    if known:
        lines = "\n  ".join(known)
        raise WorkBenchError(
            f"{what}: {len(known)} file(s) could not be fetched into {root} earlier in this run (not retried):\n  {lines}"
        )
