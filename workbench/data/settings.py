"""Where data, caches and results live: explicit argument, then environment variable, then default.

The data directory defaults to a per-user folder (``platformdirs.user_data_dir("workbench")/data``, e.g.
``~/.local/share/workbench/data`` on Linux); a run fetches the files a task needs into it on demand
unless fetching is off (``--no-fetch``, or ``WORKBENCH_OFFLINE=1``). ``WORKBENCH_DATA_URL`` names a mirror
laid out like the data directory, used instead of the publishers (as ``data fetch --base-url`` does).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from contextvars import ContextVar
from pathlib import Path

from workbench.errors import WorkBenchError

DATA_DIR_ENV = "WORKBENCH_DATA_DIR"
CACHE_DIR_ENV = "WORKBENCH_CACHE_DIR"
OFFLINE_ENV = "WORKBENCH_OFFLINE"
DATA_URL_ENV = "WORKBENCH_DATA_URL"

# Set by `--no-fetch` and by commands that only look (e.g. `tasks list`) for the code they run;
# None defers to WORKBENCH_OFFLINE. A context variable, not os.environ: it never leaks past the command.
_FETCH_ALLOWED: ContextVar[bool | None] = ContextVar("workbench_fetch_allowed", default=None)
_FAILED_FETCHES: ContextVar[dict[tuple[str, str], str] | None] = ContextVar("workbench_failed_fetches", default=None)


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("workbench", appauthor=False)) / "data"


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--data-dir, else $WORKBENCH_DATA_DIR, else the per-user default (created when missing).

    A folder the user named must exist: a typo should not become a fresh download target.
    """
    raw = explicit if explicit is not None else os.environ.get(DATA_DIR_ENV)
    if not raw:
        path = default_data_dir()
        path.mkdir(parents=True, exist_ok=True)
        return path.resolve()
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise WorkBenchError(f"data directory {path} does not exist or is not a folder")
    return path


def fetch_allowed() -> bool:
    """May a run download the data files it lacks? False under --no-fetch or WORKBENCH_OFFLINE=1."""
    override = _FETCH_ALLOWED.get()
    if override is not None:
        return override
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("", "0", "false", "no")


@contextlib.contextmanager
def fetching(allowed: bool):
    """Within the block (one run), on-demand fetching is ``allowed`` (or not) whatever the environment says,
    and a file that could not be fetched is not asked for again (``failed_fetches``)."""
    token = _FETCH_ALLOWED.set(allowed)
    failed_token = _FAILED_FETCHES.set({})
    try:
        yield
    finally:
        _FAILED_FETCHES.reset(failed_token)
        _FETCH_ALLOWED.reset(token)


def failed_fetches() -> dict[tuple[str, str], str] | None:
    """Within a ``fetching`` block: {(data directory, path): why its fetch failed} for this run, so the next
    task that needs the same file fails at once (an offline run names it once per task, not after every
    task's retries). Outside a block (a library caller): None, nothing is remembered."""
    return _FAILED_FETCHES.get()


def data_url(explicit: str | None = None) -> str | None:
    """The mirror to fetch from: --base-url, else $WORKBENCH_DATA_URL, else None (the publishers).
    One line (WorkBenchError) naming the setting when it is not an http(s) URL a file path can be joined to."""
    url = explicit or os.environ.get(DATA_URL_ENV) or None
    problem = _mirror_url_problem(url) if url else None
    if problem:
        where = "--base-url" if explicit else DATA_URL_ENV
        raise WorkBenchError(f"{where} {url!r} is not a mirror URL: {problem}")
    return url


def _mirror_url_problem(url: str) -> str | None:
    from urllib.parse import urlsplit

    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "it holds a space or control character (write a space as %20)"
    try:
        parts = urlsplit(url)
    except ValueError as err:  # e.g. "Invalid IPv6 URL"
        return str(err)
    if parts.scheme not in ("http", "https"):
        return "expected http:// or https:// followed by a host"
    if not parts.hostname:
        return "no host after the scheme"
    try:
        parts.port  # noqa: B018 (parsing it is the check)
    except ValueError as err:
        return f"the port is not a number from 0 to 65535 ({err})"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "it has a query or fragment; file paths are joined to the mirror's path"
    return None


def _cache_dir_path(explicit: str | os.PathLike | None) -> Path:
    raw = explicit if explicit is not None else os.environ.get(CACHE_DIR_ENV)
    if raw:
        return Path(raw).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "workbench"


def resolve_cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    path = _cache_dir_path(explicit)
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


# The cache folder a run resolved (usable_cache_dir of its --cache-dir; None: no usable cache), for the
# caches that are not handed one (file-hashes.json, hf-datasets); False outside a run. A context variable:
# it never leaks past the run.
_RUN_CACHE_DIR: ContextVar[Path | bool | None] = ContextVar("workbench_run_cache_dir", default=False)


@contextlib.contextmanager
def caching_in(folder: Path | None):
    """Within the block, ``current_cache_dir()`` is ``folder``: what ``usable_cache_dir`` gave for the run's
    --cache-dir (None: the folder is not writable, so those caches are not used)."""
    token = _RUN_CACHE_DIR.set(folder)
    try:
        yield
    finally:
        _RUN_CACHE_DIR.reset(token)


def current_cache_dir() -> Path | None:
    """The run's cache folder (see ``caching_in``); outside a run, ``usable_cache_dir()`` ($WORKBENCH_CACHE_DIR
    or the default). None: no writable cache folder; a cache then only costs time, the work goes on."""
    chosen = _RUN_CACHE_DIR.get()
    return usable_cache_dir() if chosen is False else chosen


_UNUSABLE_CACHE_DIRS: set[Path] = set()  # warned about once per process


def usable_cache_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The cache folder, or None when it cannot be created or written (read-only, under a file, full).
    A cache only ever saves time, so a run then goes on without one; one warning line per folder says so."""
    path = _cache_dir_path(explicit)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):  # a folder that exists but is read-only fails here
            pass
    except OSError as err:
        if path not in _UNUSABLE_CACHE_DIRS:
            _UNUSABLE_CACHE_DIRS.add(path)
            print(
                f"warning: cache directory {path} cannot be written ({err.strerror or err}); running without a "
                f"cache (slower, same results); set {CACHE_DIR_ENV} to a writable folder",
                file=sys.stderr,
            )
        return None
    return path.resolve()
