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
    help="Verify each result's data checksums against these files (default: the package's data manifest).",
)
@click.option(
    "--ledger",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Verification ledger: only the rows it verifies are ranked (default: the committed "
    "leaderboard/verification.json).",
)
@click.option(
    "--no-ledger",
    is_flag=True,
    help="Build without verification states (a private board of your own runs: every complete row is ranked).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the bootstrap and randomisation tests.",
)
@click.option(
    "--n-bootstrap",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Bootstrap resamples and randomisation-test permutations.",
)
@click.option("--split", default="test", show_default=True, help="Split that is ranked.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when any result file is refused.")
def build(results_dir, out_dir, suite, data_dir, ledger, no_ledger, seed, n_bootstrap, split, strict):
    """Validate the result files in RESULTS_DIR and write the leaderboard to --out."""
    from .build import build_leaderboard
    from .verification import LEDGER_PATH, Ledger

    try:
        if no_ledger and ledger is not None:
            raise WorkBenchError("--ledger and --no-ledger exclude each other")
        book = None if no_ledger else Ledger.load(ledger or LEDGER_PATH)
        report = build_leaderboard(
            results_dir,
            out_dir,
            suite=suite,
            data_dir=data_dir,
            seed=seed,
            n_bootstrap=n_bootstrap,
            split=split,
            ledger=book,
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
@click.option(
    "--suite",
    default="all",
    show_default=True,
    help="Tasks recorded with --data-dir (suites or task names, comma-separated).",
)
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
    from workbench.taskfiles.catalog import resolve_task_list

    from .query_sets import RECORD_PATH, QuerySetRecord, from_data, record_from_results, write_record

    path = out_path or RECORD_PATH
    try:
        entries = dict(QuerySetRecord.load(path).sets)
        if results_dir is not None:
            entries.update(record_from_results(results_dir))
        for spec in resolve_task_list(suite) if data_dir is not None else []:
            if split in spec.splits.available:
                key, found = from_data(spec, split, data_dir)
                entries[(spec.name, spec.spec_hash, split, key)] = found
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    write_record(entries, path)
    click.echo(f"{len(entries)} query sets recorded in {path}")


@leaderboard_cli.command("regenerate")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--models", "models", default=None, help="Comma-separated model names (default: every model with rows).")
@click.option("--tasks", "tasks", default=None, help="Comma-separated task or suite names (default: every task).")
@click.option("--sample", type=click.IntRange(min=1), default=None, help="Regenerate a random sample of N rows.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --sample.")
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    default=None,
    help="Largest |Δ| of one query's value that counts as within tolerance [default: 1e-4].",
)
@click.option(
    "--score-tolerance",
    type=click.FloatRange(min=0),
    default=None,
    help="Largest |Δ| of an aggregate score within tolerance [default: 1e-4].",
)
@click.option(
    "--update",
    is_flag=True,
    help="Write a recomputed result over the committed file where the identity is the same and the values or fingerprint differ.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory (default: $WORKBENCH_DATA_DIR).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Use this cache (cached embeddings and datasets are trusted) instead of a fresh one.",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the recomputed files here (default: a temporary folder, removed).",
)
def regenerate(
    results_dir, models, tasks, sample, seed, tolerance, score_tolerance, update, data_dir, cache_dir, work_dir
):
    """Recompute the committed rows of RESULTS_DIR whose model can be obtained here and compare their per-query
    values: one line per row and task (identical / within tolerance / beyond), exit 1 on drift beyond
    tolerance, a failed or incomparable row, or nothing compared. Committed files are written only with --update."""
    from workbench.data.settings import resolve_data_dir
    from workbench.models.registry import accepted_settings, load_model, registered_names
    from workbench.running.regenerate import TOLERANCE
    from workbench.running.regenerate import regenerate as run_regeneration
    from workbench.taskfiles.catalog import resolve_task_list

    try:
        report = run_regeneration(
            results_dir,
            load_model=load_model,
            registered=registered_names,
            accepted=accepted_settings,
            models=[m.strip() for m in models.split(",") if m.strip()] if models else None,
            tasks=[spec.name for spec in resolve_task_list(tasks)] if tasks else None,
            sample=sample,
            seed=seed,
            tolerance=TOLERANCE if tolerance is None else tolerance,
            score_tolerance=TOLERANCE if score_tolerance is None else score_tolerance,
            update=update,
            data_dir=resolve_data_dir(data_dir),
            cache_dir=cache_dir,
            work_dir=work_dir,
            on_row=lambda row: click.echo(row.line()),
        )
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)
