"""`leaderboard_cli`: the `leaderboard` command group that the main `workbench` CLI attaches."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.errors import WorkBenchError


@click.group("leaderboard")
def leaderboard_cli():
    """Build the public leaderboard from result files."""


@leaderboard_cli.command("build")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (leaderboard.md/.csv/.json, index.html, PNG plots).",
)
@click.option(
    "--suite",
    default="workbench-core",
    show_default=True,
    help="Suite whose tasks are ranked; 'all' for every catalog task.",
)
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Verify each result's data checksums against these files (default: majority checksum per task).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap and randomisation tests.")
@click.option(
    "--n-bootstrap",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Bootstrap resamples and randomisation-test permutations.",
)
@click.option("--split", default="test", show_default=True, help="Split that is ranked.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when any result file is refused.")
def build(results_dir, out_dir, suite, data_dir, seed, n_bootstrap, split, strict):
    """Validate the result files in RESULTS_DIR and write the leaderboard to --out."""
    from .build import build_leaderboard

    try:
        report = build_leaderboard(
            results_dir, out_dir, suite=suite, data_dir=data_dir, seed=seed, n_bootstrap=n_bootstrap, split=split
        )
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    click.echo(report.summary())
    if strict and report.refused:
        sys.exit(1)


@leaderboard_cli.command("query-sets")
@click.argument("results_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Build each task's query set from these data files (the stronger reference).",
)
@click.option("--suite", default="all", show_default=True, help="Tasks recorded with --data-dir.")
@click.option("--split", default="test", show_default=True)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Record file (default: the committed leaderboard/query_sets.json).",
)
def query_sets(results_dir, data_dir, suite, split, out_path):
    """Record the canonical query set of each task: from the data (--data-dir), or from RESULTS_DIR's
    official files when all files of a task agree. Existing entries are kept."""
    from workbench.catalog import suite_tasks

    from .query_sets import RECORD_PATH, QuerySetRecord, from_data, record_from_results, write_record

    path = out_path or RECORD_PATH
    try:
        entries = dict(QuerySetRecord.load(path).sets)
        if results_dir is not None:
            entries.update(record_from_results(results_dir))
        for spec in suite_tasks(suite) if data_dir is not None else []:
            if split in spec.splits.available:
                key, found = from_data(spec, split, data_dir)
                entries[(spec.name, spec.spec_hash, split, key)] = found
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    write_record(entries, path)
    click.echo(f"{len(entries)} query sets recorded in {path}")
