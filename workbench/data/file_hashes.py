"""File identity by content: the one key every cache of a file's bytes uses, and the sha256 memo on top of it.

A cache keyed on file metadata hands out stale values: `cp -p`, `rsync -t`, `tar` and `os.utime` put
an edited file's size and mtime back, Windows reports the creation time as ``st_ctime``, and Linux
timestamps advance in clock ticks, so two writes can share one. So a file's key is its content:
``content_key`` = size + xxh3-128 of every byte, read each time (xxh3 runs at memory speed: 0.04 s for
the 438 MB mpnet weights, 1–2 ms for an ESCO zip, against 0.28 s and 4–8 ms for sha256, from the page
cache on a 2-core AMD EPYC; docs/caches.md). xxh3 is not a cryptographic hash: the key guards against accidents
(a same-size edit, a swapped copy), never against someone who forges a collision on purpose; what is
published (results, cards) is always the sha256.

``Sha256Memo`` remembers the sha256 of a file under that key, so a 438 MB weights file costs the
xxh3 pass and not the sha256 one; the memo keeps one entry per resolved path (the latest content), so it
stays as small as the set of files it has seen. Its JSON file is only a shortcut: a damaged, foreign or
unwritable one costs hashing again, never a wrong digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import xxhash

from workbench.io import atomic_write_json, open_regular

_CHUNK = 1 << 20
_FORMAT = "content-v1"  # the memo file's format: {path: [content key, sha256]} under this tag


def content_key(path: str | os.PathLike) -> str:
    """``<size>:<xxh3-128 hex>`` of the file's current bytes (one full read; a non-regular file is refused)."""
    return _read(path, with_sha256=False)[0]


def _read(path: str | os.PathLike, *, with_sha256: bool) -> tuple[str, str | None]:
    """(content key, sha256 or None) in one pass over the bytes, so both describe the same bytes."""
    fast = xxhash.xxh3_128()
    slow = hashlib.sha256() if with_sha256 else None
    size = 0
    with open_regular(path) as handle:
        while block := handle.read(_CHUNK):
            size += len(block)
            fast.update(block)
            if slow is not None:
                slow.update(block)
    return f"{size}:{fast.hexdigest()}", slow.hexdigest() if slow is not None else None


class Sha256Memo:
    """sha256 per file, remembered under its content key (never under size, mtime or any other metadata)."""

    def __init__(self, cache_file: Path | None):
        self.cache_file = cache_file
        self._lock = threading.Lock()
        self._memo: dict[str, list[str]] = self._read_file(cache_file)

    @staticmethod
    def _read_file(cache_file: Path | None) -> dict[str, list[str]]:
        if cache_file is None:
            return {}
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("files"), dict):
            return {}  # damaged, foreign, or the metadata-keyed memo of an older version: ignored
        return {
            path: entry
            for path, entry in data["files"].items()
            if isinstance(entry, list) and len(entry) == 2 and all(isinstance(v, str) for v in entry)
        }

    def __call__(self, path: str | os.PathLike, *, save: bool = True) -> str:
        """The sha256 of the file's current bytes; ``save=False`` defers writing the memo file to ``save()``."""
        resolved = str(Path(path).resolve())
        with self._lock:
            entry = self._memo.get(resolved)
        if entry is not None and _read(path, with_sha256=False)[0] == entry[0]:
            return entry[1]
        key, digest = _read(path, with_sha256=True)  # one pass, so key and digest describe the same bytes
        with self._lock:
            self._memo[resolved] = [key, digest]
        if save:
            self.save()
        return digest

    def save(self) -> None:
        if self.cache_file is None:
            return
        with self._lock:
            data = {"format": _FORMAT, "files": dict(self._memo)}
        try:
            atomic_write_json(self.cache_file, data)
        except OSError:  # an unwritable memo only costs hashing again next time
            self.cache_file = None
