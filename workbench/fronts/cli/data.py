"""`workbench data …`: check and fetch the data directory."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.fronts.cli.groups import CommandGroup
from workbench.fronts.cli.options import data_dir_option


@click.group(cls=CommandGroup)
def data():
    """Check the data directory."""


@data.command("verify")
@click.option(
    "--sums", type=click.Path(dir_okay=False), default=None, help="Checksum list (default: DATA_DIR/SHA256SUMS)."
)
@data_dir_option
def data_verify(sums, data_dir):
    """Check every file of the data directory against a sha256 list."""
    from workbench.data.datafiles import verify_checksums
    from workbench.data.settings import resolve_data_dir

    root = resolve_data_dir(data_dir)
    ok, bad, missing, unreadable = verify_checksums(root, Path(sums) if sums else None)
    for rel in bad:
        click.echo(f"MISMATCH {rel}")
    for rel in missing:
        click.echo(f"MISSING  {rel}")
    for line in unreadable:  # a folder, pipe or device where a file should be: named as such, never opened
        click.echo(f"NOTFILE  {line}")
    others = f", {len(unreadable)} not a regular file" if unreadable else ""
    click.echo(f"{len(ok)} ok, {len(bad)} mismatched, {len(missing)} missing{others} in {root}")
    if bad or missing or unreadable:
        sys.exit(1)


@data.command("fetch")
@click.option(
    "--only",
    "only",
    multiple=True,
    help="Only paths matching this glob or folder prefix, e.g. 'onet/' or '*.csv' (repeatable).",
)
@click.option(
    "--base-url",
    default=None,
    help="A mirror laid out like the data directory, used instead of the publishers (default: $WORKBENCH_DATA_URL).",
)
@click.option("--dry-run", is_flag=True, help="List what would be downloaded; send no request.")
@data_dir_option
def data_fetch(only, base_url, dry_run, data_dir):
    """Download the official releases into the data directory, resuming and checking every sha256.

    An ESCO zip of another version or language (--only 'esco/v1.2.0/ESCO dataset - v1.2.0 - classification
    - de - csv.zip') comes from the publisher's download folder; its sha256 is recorded at first download.
    Every download ends: a deadline per file, a minimum rate, the manifest's size or a cap
    (WORKBENCH_FETCH_DEADLINE, WORKBENCH_FETCH_MIN_RATE, WORKBENCH_FETCH_MAX_BYTES; docs/data.md).
    """
    import os

    from workbench.data.fetch import fetch
    from workbench.data.settings import DATA_DIR_ENV, data_url, default_data_dir

    target = data_dir or os.environ.get(DATA_DIR_ENV) or default_data_dir()  # fetch creates it
    report = fetch(target, only=list(only) or None, base_url=data_url(base_url), dry_run=dry_run)
    for result in report.results:
        click.echo(result.line())
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)
