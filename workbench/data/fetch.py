"""`workbench data fetch`: download the official releases into a data directory, checked against the manifest.

For every manifest entry (see `workbench.data.data_manifest`) that is not already present with the right sha256:

* the bytes are streamed to ``<file>.part`` next to the final file; when a ``.part`` exists (an earlier
  run or attempt was cut off) the request asks for the rest with ``Range: bytes=N-``; a server that
  answers ``206`` is resumed, one that answers ``200`` is restarted from byte zero;
* a connection that drops mid-file, a timeout, a connection below the minimum rate or a 5xx/408/429
  answer is retried (``retries`` times, with a short back-off), resuming from the ``.part`` size;
* every download ends (``workbench.data.bounded_http.Limits``): a deadline per file over all its attempts, a
  minimum average rate per connection, and a size: the manifest's (a different announced
  ``Content-Length`` is refused before reading; a longer body is cut one read past it and removed), else
  a cap for a file of unknown size. A ``.part`` longer than the file can be is discarded, not resumed;
* a failed write of the ``.part`` (a full disk) removes it and is not retried; a data directory that
  cannot be written is refused before any request;
* the finished ``.part`` is hashed; on a match it is renamed over the final path (``os.replace``: readers
  never see half a file), on a mismatch it is deleted and the file is reported as
  ``checksum mismatch: expected X got Y``. When the wrong bytes came from a resumed or stale ``.part``,
  one clean download from zero is tried first;
* a ``.part`` is kept only when a download gives up on a network error or the deadline, so that the next
  run resumes it;
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
import errno
import hashlib
import http.client
import os
import posixpath
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote, urlsplit
from urllib.request import HTTPRedirectHandler, Request

from workbench import __version__
from workbench.data import data_manifest
from workbench.data.bounded_http import MAX_BYTES_ENV, BelowMinRate, Clock, DeadlinePassed, Limits, opener
from workbench.data.data_manifest import ManifestEntry
from workbench.data.local_sums import LOCAL_SUMS, read_local_sums, record_local_sum
from workbench.errors import WorkBenchError
from workbench.io import atomic_write_bytes, sha256_file

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
    """One file could not be fetched; str() is the reason shown to the user. ``code``: the HTTP status
    when that is the reason; ``kept``: what is left of the file for the next run, said after the reason."""

    def __init__(self, reason: str, *, code: int | None = None, kept: str = ""):
        super().__init__(reason + kept)
        self.reason, self.code, self.kept = reason, code, kept


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
@dataclass(frozen=True)
class _How:
    """How every file of one fetch is downloaded."""

    timeout: float  # per read (a server that stops sending)
    retries: int
    progress: bool
    limits: Limits  # per file: deadline, minimum rate, cap for a file of unknown size


@dataclass
class _Target:
    """One file's download: where from, into which ``.part``, the size it must have (None: unknown)."""

    url: str
    part: Path
    size: int | None
    how: _How
    clock: Clock
    label: str

    @property
    def bound(self) -> int:
        """The most bytes the file may have: the manifest's size, else the cap for unknown sizes."""
        return self.size if self.size is not None else self.how.limits.max_bytes

    def too_long(self) -> str:
        if self.size is not None:
            return f"the server sent more than the {self.size} bytes the manifest records"
        cap = self.how.limits.max_bytes
        return f"the server sent more than {cap} bytes, the limit for a file of unknown size ({MAX_BYTES_ENV})"

    def wrong_length(self, total: int) -> str | None:
        """Why an announced size cannot be this file's (None: it can)."""
        if self.size is not None:
            return (
                None if total == self.size else f"the server announces {total} bytes; the manifest records {self.size}"
            )
        cap = self.how.limits.max_bytes
        if total <= cap:
            return None
        return f"the server announces {total} bytes, more than {cap}, the limit for a file of unknown size ({MAX_BYTES_ENV})"


def _range_start(content_range: str | None) -> int | None:
    """Start byte of a 'bytes START-END/TOTAL' Content-Range header."""
    if not content_range or not content_range.startswith("bytes "):
        return None
    start = content_range[6:].split("-", 1)[0].strip()
    return int(start) if start.isdigit() else None


def _kept(part: Path) -> str:
    kept = part.stat().st_size if part.exists() else 0
    return f"; {part.name} kept ({kept} bytes): run again to resume" if kept else ""


def _write_failure(part: Path, err: OSError) -> _FetchError:
    """Writing the ``.part`` failed (a full disk, a read-only folder): it is removed, never retried."""
    part.unlink(missing_ok=True)
    what = "disk full: " if err.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return _FetchError(f"{what}cannot write {part} ({err.strerror or err}); removed it")


def _resume_offset(t: _Target) -> int:
    """Bytes of ``.part`` to resume from; a ``.part`` longer than the file can be is garbage, removed."""
    offset = t.part.stat().st_size if t.part.exists() else 0
    if offset > t.bound:
        t.part.unlink()
        return 0
    return offset


def _announced(t: _Target, offset: int, length: str | None) -> int | None:
    """The file's size by the answer's Content-Length (None: not said); refused, before any byte is read,
    when it differs from the manifest's size or exceeds the cap for a file of unknown size."""
    if not length or not length.isdigit():
        return None
    total = offset + int(length)
    wrong = t.wrong_length(total)
    if wrong:
        t.part.unlink(missing_ok=True)  # what it holds belongs to no file the server would send
        raise _FetchError(wrong)
    return total


def _receive(t: _Target, response, offset: int, total: int | None) -> int:
    """Write the body to ``.part`` after its first ``offset`` bytes; returns the size reached. Stops one
    read past the bound (the file then removed: nothing longer can match its checksum)."""
    from tqdm import tqdm

    try:
        out = open(t.part, "ab" if offset else "wb", buffering=0)  # noqa: SIM115 (closed by the with below)
    except OSError as err:
        raise _write_failure(t.part, err) from None
    received = offset
    bar = tqdm(
        total=total,
        initial=offset,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=t.label,
        leave=False,
        disable=not t.how.progress,
    )
    with out, bar:
        while (chunk := response.read1(CHUNK)) and received + len(chunk) <= t.bound:
            received += len(chunk)
            try:
                view = memoryview(chunk)
                while view:
                    view = view[out.write(view) :]
            except OSError as err:
                raise _write_failure(t.part, err) from None
            bar.update(len(chunk))
        try:
            os.fsync(out.fileno())
        except OSError as err:
            raise _write_failure(t.part, err) from None
    if chunk:  # the read that crossed the bound
        t.part.unlink(missing_ok=True)
        raise _FetchError(f"{t.too_long()}; {t.part.name} removed")
    return received


def _attempt(t: _Target) -> bool:
    """One request for what ``.part`` lacks; True if a resume (206) was used."""
    offset = _resume_offset(t)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = opener(t.clock).open(
            Request(t.url, headers=headers), timeout=max(min(t.how.timeout, t.clock.left()), 0.001)
        )
    except HTTPError as err:
        if err.code == 416 and offset:
            return True  # nothing left to send: the .part may already be whole; the checksum decides
        raise
    with response:
        resumed = bool(offset) and response.status == 206
        if not (resumed and _range_start(response.headers.get("Content-Range")) == offset):
            offset, resumed = 0, False  # 200 (Range ignored) or an unexpected range: start over
        total = _announced(t, offset, response.headers.get("Content-Length"))
        received = _receive(t, response, offset, total)
    expected = total if total is not None else t.size
    if expected is not None and received < expected:
        raise _Retryable(f"connection closed after {received} of {expected} bytes")
    return resumed


_HTTP_RETRIED = {408: "request timeout", 429: "too many requests"}  # and every 5xx: "server error"


def _http_reason(err: HTTPError) -> str:
    """The reason to retry after an HTTP error; _FetchError for one that another try cannot mend."""
    if 300 <= err.code < 400 and str(err.msg).startswith(HTTPRedirectHandler.inf_msg):
        raise _FetchError(
            f"redirect loop at {err.filename} (HTTP {err.code} back to an address already visited "
            f"{HTTPRedirectHandler.max_repeats} times, or more than {HTTPRedirectHandler.max_redirections} redirects)"
        )
    if err.code not in _HTTP_RETRIED and err.code < 500:
        raise _FetchError(f"HTTP {err.code}", code=err.code)
    return f"HTTP {err.code} ({_HTTP_RETRIED.get(err.code, 'server error')})"


def _download(t: _Target) -> bool:
    """Fill ``.part`` with the bytes at the URL, resuming what is there; True if a resume (206) was used.

    A dropped connection, a per-read timeout, a connection below the minimum rate, 408/429/5xx: retried
    (``retries`` times, backing off), resuming. The deadline, wrong sizes, other HTTP errors, a failed
    write: not retried."""
    attempt = 0
    while True:
        code = None
        try:
            return _attempt(t)
        except HTTPError as err:
            code, reason = err.code, _http_reason(err)
        except (_Retryable, BelowMinRate) as err:
            reason = str(err)
        except DeadlinePassed as err:
            raise _FetchError(str(err), kept=_kept(t.part)) from None
        except (URLError, http.client.HTTPException, OSError) as err:  # refused, reset, timeout, truncated
            if t.clock.left() <= 0:  # a connect or read that ended on the deadline
                raise _FetchError(str(t.clock.expired()), kept=_kept(t.part)) from None
            reason = str(getattr(err, "reason", None) or err) or err.__class__.__name__
        attempt += 1
        if attempt > t.how.retries:
            raise _FetchError(f"{reason} after {attempt} attempts", code=code, kept=_kept(t.part))
        pause = min(BACKOFF_S * 2 ** (attempt - 1), 30.0)
        if pause >= t.clock.left():
            raise _FetchError(f"{t.clock.expired()} (after {attempt} attempts: {reason})", kept=_kept(t.part))
        time.sleep(pause)


def _fetch_file(url: str, dest: Path, sha256: str | None, size: int | None, how: _How, label: str) -> str:
    """Download ``url`` to ``dest`` through ``dest.part``; returns 'downloaded' or 'resumed'."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _FetchError(f"cannot create {dest.parent} ({err.strerror or err})") from None
    part = _part_of(dest)
    target = _Target(url, part, size, how, Clock(how.limits, how.timeout), label)
    for _ in range(2):
        stale = part.exists() and part.stat().st_size > 0
        resumed = _download(target)
        got = sha256_file(part)
        if sha256 is None or got == sha256.lower():
            try:
                os.replace(part, dest)
            except OSError as err:
                raise _write_failure(part, err) from None
            return "resumed" if resumed else "downloaded"
        part.unlink(missing_ok=True)
        if not (resumed or stale):
            break  # fresh bytes from zero are wrong: another try fetches the same bytes
    raise _FetchError(f"checksum mismatch: expected {sha256} got {got}")


def _explain(err: _FetchError, url: str, entry: ManifestEntry, dest: Path, mirror: bool) -> str:
    if err.code is None:  # the reason names the URL where it matters (a redirect loop names the looping one)
        return str(err) if url in str(err) else f"{err} ({url})"
    if err.code in _HTTP_RETRIED or err.code >= 500:
        wait = "the server asks to wait" if err.code == 429 else "the server is failing"
        return f"{err.reason} for {url}: {wait}; try again later{err.kept}"
    why = (
        "the mirror does not have it"
        if mirror
        else "the publisher moved it"
        if err.code in (404, 410)
        else "the server refused it"
    )
    return f"{err.reason} for {url}: {why}; download manually from {entry.page or url} to {dest}{err.kept}"


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


def _fetch_archive(url: str, entries: list[ManifestEntry], root: Path, how: _How) -> list[FileResult]:
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
        # the archive's size is not recorded (only its members'): bounded by the cap for unknown sizes
        status = _fetch_file(url, local, todo[0].archive.sha256, None, how, label=name)
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
            results += [_extract_entry(archive, entry, root, url, name, status) for entry in todo]
    finally:
        local.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty: another archive's .part is kept for resume
            staging.rmdir()
    return results


def _extract_entry(archive: zipfile.ZipFile, entry: ManifestEntry, root: Path, url: str, name: str, status: str):
    """One member of a downloaded archive into its place; the member's size is checked before inflating."""
    member = entry.archive.member
    try:
        info = archive.getinfo(member)
    except KeyError:
        sample = ", ".join(sorted(archive.namelist())[:3])
        why = f"member {member!r} not in {name} (it holds e.g. {sample}); download manually from {entry.page or url}"
        return FileResult(entry.path, "failed", why, url)
    if entry.size is not None and info.file_size != entry.size:
        why = f"member {member!r} of {name} holds {info.file_size} bytes; the manifest records {entry.size}"
        return FileResult(entry.path, "failed", why, url)
    try:
        _extract_member(archive, member, root / entry.path, entry.sha256)
        return FileResult(entry.path, status, f"from {name}", url)
    except _FetchError as err:
        return FileResult(entry.path, "failed", str(err), url)
    except (zipfile.BadZipFile, OSError, RuntimeError) as err:
        return FileResult(entry.path, "failed", f"cannot extract {member!r}: {err}", url)


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
    limits: Limits | None = None,
) -> FetchReport:
    """Bring ``data_dir`` up to the manifest (default: the official releases); see the module docstring.

    ``only``: glob(s) or folder prefix(es) of data-directory paths (``onet/``, ``*.csv``).
    ``base_url``: a mirror in the data-directory layout used instead of the publishers.
    ``dry_run``: say what would be downloaded, without any request.
    ``timeout``: seconds one read may wait; ``limits``: per file, the deadline, the minimum rate and the
    cap for a file of unknown size (default: ``Limits.from_env()``, checked before anything is done).
    """
    how = _How(timeout, retries, progress, limits or Limits.from_env())
    root = Path(data_dir).expanduser().resolve()
    entries = _select_entries(manifest, only, root)
    report = FetchReport(root)
    results = _OrderedResults(report)
    direct, archives = _plan(entries, root, base_url, dry_run, results)
    if direct or archives:
        _writable_or_refuse(root, len(direct) + sum(len(members) for members in archives.values()))
    for entry, url, note in direct:
        results.put(_fetch_direct(entry, url, note, root, base_url, how))
    for url, members in archives.items():
        for result in _fetch_archive(url, members, root, how):
            results.put(result)
    if manifest is None and not dry_run and root.is_dir():
        _write_sums(root)
    return report


def _plan(entries, root: Path, base_url: str | None, dry_run: bool, results: _OrderedResults):
    """(direct downloads [(entry, url, note)], {archive url: its entries}); final results go to ``results``."""
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
    return direct, archives


def _writable_or_refuse(root: Path, pending: int) -> None:
    """Before any request: the data directory exists (made when missing) and takes a file; else one line."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as err:
        raise WorkBenchError(
            f"cannot fetch into {root}: {err.strerror or err}; {pending} file(s) to download need a writable "
            "data directory (--data-dir or WORKBENCH_DATA_DIR)"
        ) from None


def _fetch_direct(entry: ManifestEntry, url: str, note: str, root: Path, base_url: str | None, how: _How):
    dest = root / entry.path
    try:
        status = _fetch_file(url, dest, entry.sha256 or None, entry.size, how, label=entry.path)
    except _FetchError as err:
        return FileResult(entry.path, "failed", _explain(err, url, entry, dest, bool(base_url)), url)
    if not entry.sha256:
        note = _record_first_download(root, entry.path)
    return FileResult(entry.path, status, note, url)


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

    from workbench.data.settings import failed_fetches, resolve_cache_dir

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
