"""Crash-safe file writes, checked opening of inputs, and content hashing shared by results, caches and data checks."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from workbench.errors import WorkBenchError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def json_text(obj: Any) -> str:
    """The one JSON layout of WorkBench's files: sorted keys, indent 1, UTF-8 text, a final newline."""
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, json_text(obj).encode("utf-8"))


class InputFileError(WorkBenchError, OSError):
    """An input that is not a readable regular file. Both a WorkBenchError (one clear line) and an OSError,
    so callers that already treat an unreadable file as OSError keep doing so."""


class MissingInputError(InputFileError, FileNotFoundError):
    """An input that does not exist (or a link to nothing): still a FileNotFoundError for callers."""


_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _open_problem(path: Path, err: OSError) -> str:
    """One line for an input that could not be opened: missing, a dangling link, a link loop, a socket, ..."""
    if err.errno == errno.ELOOP:
        return f"{path} is a symbolic link loop (a link that leads back to itself); it is not read"
    if err.errno == errno.ENOENT and os.path.islink(path):
        return f"{path} is a link to {os.readlink(path)}, which does not exist"
    if err.errno == errno.ENOENT:
        return f"{path} not found"
    if err.errno == errno.ENXIO:  # a socket: open() refuses it
        return f"{path} is a socket, not a regular file; it is not read"
    return f"{path} cannot be read: {err.strerror or err}"


def _checked_fd(path: str | os.PathLike, folder_ok: bool) -> int:
    """A read-only descriptor of `path` once fstat says it is a regular file (or a folder, with folder_ok).

    O_NONBLOCK: opening a named pipe never waits for a writer; the type is checked on the opened
    descriptor itself, so nothing can swap the file between the check and the read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        error = (MissingInputError if err.errno == errno.ENOENT else InputFileError)(_open_problem(Path(path), err))
        error.errno = err.errno
        raise error from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        os.close(fd)
        raise
    if not (stat.S_ISREG(mode) or (folder_ok and stat.S_ISDIR(mode))):
        os.close(fd)
        raise InputFileError(f"{path} is {_kind(mode)}, not a regular file; it is not read")
    return fd


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """Open an input for reading (binary) after checking that it is a regular file, links followed.

    Every file the project reads (data, task files, checksum lists, results) comes through here, so a
    named pipe, a device (/dev/zero), a socket or a folder is refused with one line instead of hanging
    or reading forever. Raises InputFileError (for a missing file its ``errno`` is ENOENT).
    """
    fd = _checked_fd(path, folder_ok=False)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def check_regular(path: str | os.PathLike, *, folder_ok: bool = False) -> None:
    """Raise InputFileError unless `path` is a regular file (or, with ``folder_ok``, a folder): for inputs
    that a third-party reader (pandas, zipfile, datasets) opens itself."""
    os.close(_checked_fd(path, folder_ok))


def read_regular(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file (see ``open_regular``)."""
    with open_regular(path) as handle:
        return handle.read()


def read_regular_text(path: str | os.PathLike) -> str:
    """The UTF-8 text of a regular file; one clear line (WorkBenchError) when it is not one or not UTF-8."""
    data = read_regular(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise WorkBenchError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stable_hash(obj: Any) -> str:
    """Hash of a JSON-serialisable object, independent of dict order."""
    return sha256_text(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str))


def source_digest(files: Iterable[tuple[str, str | os.PathLike]]) -> str:
    """sha256 over (label, bytes) of source files, in the order given: what code a result or cache depends on."""
    digest = hashlib.sha256()
    for label, path in files:
        digest.update(label.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return digest.hexdigest()
