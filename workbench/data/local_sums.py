"""``SHA256SUMS.local`` of a data directory: the sha256 recorded at first download of each file the manifest
does not pin (written by `workbench data fetch`, read when a task's files are checksummed)."""

from __future__ import annotations

from pathlib import Path

from workbench.io import atomic_write_bytes, read_regular_text

LOCAL_SUMS = "SHA256SUMS.local"  # checksums recorded at first download of files the manifest does not pin


def read_local_sums(root: Path) -> dict[str, str]:
    """{path: sha256} recorded in ``root/SHA256SUMS.local`` (empty when there is none)."""
    try:
        text = read_regular_text(root / LOCAL_SUMS)
    except FileNotFoundError:
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
