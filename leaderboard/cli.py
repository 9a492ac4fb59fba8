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
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (leaderboard.md/.csv/.json, index.html, PNG plots).")
@click.option("--suite", default="workbench-core", show_default=True,
              help="Suite whose tasks are ranked; 'all' for every catalog task.")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Verify each result's data checksums against these files (default: majority checksum per task).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap and randomisation tests.")
@click.option("--n-bootstrap", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Bootstrap resamples and randomisation-test permutations.")
@click.option("--split", default="test", show_default=True, help="Split that is ranked.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when any result file is refused.")
def build(results_dir, out_dir, suite, data_dir, seed, n_bootstrap, split, strict):
    """Validate the result files in RESULTS_DIR and write the leaderboard to --out."""
    from .build import build_leaderboard

    try:
        report = build_leaderboard(results_dir, out_dir, suite=suite, data_dir=data_dir, seed=seed,
                                   n_bootstrap=n_bootstrap, split=split)
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    click.echo(report.summary())
    if strict and report.refused:
        sys.exit(1)
