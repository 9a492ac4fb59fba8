"""`workbench results …`: merge, migrate, reproduce and export result folders (plugins add commands: the
entry point group `workbench.results_commands`, e.g. the leaderboard's `check` and `verify`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.errors import WorkBenchError
from workbench.fronts.cli.groups import CommandGroup
from workbench.fronts.cli.options import cache_dir_option, data_dir_option
from workbench.plugins import RESULT_COMMANDS


@click.group(cls=CommandGroup, plugins=RESULT_COMMANDS)
def results():
    """Manage result folders."""


@results.command("merge")
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False))
def results_merge(shards, out):
    """Join the result folders of sharded runs (`run --shard I/N`) into one."""
    from workbench.running.shards import merge_result_dirs

    copied = merge_result_dirs([Path(s) for s in shards], Path(out))
    click.echo(f"{copied} result files merged into {out}")


@results.command("migrate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
def results_migrate(folder, dry_run):
    """Bring the result files under FOLDER written before scoring versions up to date: library versions leave
    the model's settings and revision for `environment`, `scoring_version` is set, the fingerprint recomputed;
    per-query values and scores stay byte for byte (checked). Exit 1 if a file could not be migrated."""
    from workbench.results.migrate import migrate_folder

    report = migrate_folder(folder, dry_run=dry_run, log=click.echo)
    click.echo(report.summary())
    if report.failed or not (report.migrated or report.current):
        sys.exit(1)


@results.command("reproduce")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--sample", type=click.IntRange(min=1), default=20, show_default=True, help="Queries re-scored per file.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the query sample.")
@data_dir_option
@cache_dir_option
def results_reproduce(files, sample, seed, data_dir, cache_dir):
    """Re-score a random sample of each file's queries with its model and compare the per-query values
    (a file whose values were made up fails; its model must load here)."""
    from workbench.data.settings import resolve_data_dir
    from workbench.models.registry import load_model
    from workbench.running.reproduce import reproduce

    bad = 0
    for path in files:  # one file that cannot be checked never hides the verdict on the others
        try:
            outcome = reproduce(
                Path(path),
                load_model=load_model,
                data_dir=resolve_data_dir(data_dir),
                cache_dir=cache_dir,
                sample=sample,
                seed=seed,
            )
        except WorkBenchError as err:
            bad += 1
            click.echo(f"error: {err}" if str(path) in str(err) else f"error: {path}: {err}", err=True)
            continue
        bad += not outcome.ok
        click.echo(outcome.summary())
    if bad:
        sys.exit(1)


@results.command("export")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["mteb", "parquet"]),
    help="mteb: MTEB's results layout (OUT/results/<model>/<revision>/<task>.json); parquet: one per-query table.",
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder (mteb) or .parquet file (parquet).")
def results_export(results_dir, fmt, out):
    """Export the official result files under RESULTS_DIR to another tool's format."""
    from workbench.results.export import export_results_mteb, export_results_parquet

    try:
        report = export_results_mteb(results_dir, out) if fmt == "mteb" else export_results_parquet(results_dir, out)
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    click.echo(report.summary("MTEB task results" if fmt == "mteb" else "parquet file"))
    if report.skipped and not report.written:  # every file refused: nothing was done
        sys.exit(1)
