"""`workbench results check` and `workbench results verify`: the leaderboard's commands on result folders,
registered under the entry point group `workbench.results_commands` (the core never imports the leaderboard)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.errors import WorkBenchError
from workbench.fronts.cli.options import cache_dir_option, data_dir_option


@click.command("verify")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--record", is_flag=True, help="Write each file's state into the verification ledger.")
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Verification ledger to write with --record (default: the package's leaderboard/verification.json).",
)
@click.option("--tasks", "only_tasks", default=None, help="Only the files of these comma-separated task names.")
@click.option(
    "--skip-known", is_flag=True, help="Skip files the ledger already holds a verdict for (their sha256 is in it)."
)
@data_dir_option
@cache_dir_option
def results_verify(folders, record, ledger, only_tasks, skip_known, data_dir, cache_dir):
    """Re-score a seeded sample of every official result file in each model FOLDER with its model: per task
    `verified` (matched), `mismatched` at a named query, or `not-loadable`. Exit 1 when any file mismatches
    or cannot be checked."""
    import dataclasses

    from workbench.data.settings import resolve_data_dir
    from workbench.io import sha256_file
    from workbench.models.registry import load_model
    from workbench.running.reproduce import TOLERANCE, VERIFY_SAMPLE, Verifier

    from .verification import LEDGER_PATH, MISMATCHED, Ledger, Verdict

    book = ledger or LEDGER_PATH
    known = set(Ledger.load(book).files) if record or skip_known else set()  # unreadable: an error before any work
    wanted = {t.strip() for t in only_tasks.split(",") if t.strip()} if only_tasks else None
    click.echo(f"sample: {VERIFY_SAMPLE} queries per file (or all), tolerance {TOLERANCE:g}")
    bad = 0
    with Verifier(load_model, data_dir=resolve_data_dir(data_dir), cache_dir=cache_dir) as verifier:
        for folder in folders:
            for path in sorted(folder.glob("*.json")):
                if wanted is not None and path.name.split("__", 1)[0] not in wanted:
                    continue  # the file name is `<task>__v<version>__<split>...json` (result_path)
                if skip_known and sha256_file(path) in known:
                    continue
                try:
                    verdict = verifier.verify(path)
                except WorkBenchError as err:
                    bad += 1
                    click.echo(f"{folder.name}/{path.name}: cannot be checked here: {err}")
                    continue
                bad += verdict.state == MISMATCHED
                click.echo(f"{folder.name}/{verdict.line()}")
                if record:  # each verdict at once: an interrupted run keeps what it verified
                    entry = Verdict(
                        f"{folder.name}/{path.name}", verdict.state, verdict.detail, verdict.sample, verdict.queries
                    )
                    Ledger.record(sha256_file(path), dataclasses.replace(entry, tolerance=TOLERANCE), book)
    if record:
        click.echo(f"recorded in {book}")
    if bad:
        sys.exit(1)


@click.command("check")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--board",
    "board_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Results already on the board (names, weights and values taken). Default: leaderboard/results of the "
    "repository the command runs in; outside one, --board is required.",
)
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Check data checksums against these files instead of the package's data manifest.",
)
def results_check(folders, board_dir, data_dir):
    """Check model result folders (RESULTS/MODEL) for submission: one line per problem, exit 1 if any."""
    from .submission import check_submission

    if board_dir is None and Path("leaderboard/results").is_dir():
        board_dir = Path("leaderboard/results")
    failed = False
    for folder in folders:
        try:
            report = check_submission(folder, board_dir, data_dir=data_dir)
        except WorkBenchError as err:
            raise click.ClickException(str(err)) from None
        for line in report.lines():
            click.echo(line)
        failed |= not report.ok
    sys.exit(1 if failed else 0)
