"""The `workbench` command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import WorkBenchError


class _Group(click.Group):
    """Prints a WorkBenchError as one clear line (no traceback) and exits with status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WorkBenchError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)


data_dir_option = click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                               help="Data directory (default: $WORKBENCH_DATA_DIR).")
cache_dir_option = click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                                help="Cache for embeddings and checksums (default: $WORKBENCH_CACHE_DIR or ~/.cache/workbench).")


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="workbench")
def main():
    """WorkBench: ranking benchmark for the work domain."""


# ---------------------------------------------------------------- tasks
@main.group(cls=_Group)
def tasks():
    """List, show and validate task files."""


def _task_row(spec, data_dir, with_sizes: bool) -> dict:
    row = {"name": spec.name, "version": spec.version, "group": spec.group, "query_type": spec.query_type,
           "target_type": spec.target_type, "languages": spec.languages.model_dump(), "main_score": spec.main_score,
           "splits": list(spec.splits.available), "suites": list(spec.suites), "license": spec.license}
    if with_sizes:
        from .task import Task

        try:
            row["sizes"] = Task(spec, data_dir=data_dir).sizes()
        except WorkBenchError as err:
            row["sizes"] = None
            row["error"] = str(err)
    return row


@tasks.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--suite", default=None, help="Only the tasks of this suite.")
@click.option("--no-sizes", is_flag=True, help="Do not load the data to count queries and targets.")
@data_dir_option
def tasks_list(as_json, suite, no_sizes, data_dir):
    """List tasks (with sizes per split when the data directory is available)."""
    from .catalog import list_tasks, suite_tasks
    from .settings import resolve_data_dir

    specs = suite_tasks(suite) if suite else list_tasks()
    with_sizes = not no_sizes
    if with_sizes:
        try:
            data_dir = resolve_data_dir(data_dir)
        except WorkBenchError as err:
            if as_json:
                raise
            click.echo(f"note: {err}; sizes not shown", err=True)
            with_sizes = False
    rows = [_task_row(spec, data_dir, with_sizes) for spec in specs]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    for row in rows:
        sizes = row.get("sizes") or {}
        size_text = "  ".join(f"{s}: {v['queries']}×{v['targets']}" for s, v in sizes.items())
        click.echo(f"{row['name']:<32} v{row['version']}  {row['group']:<20} {size_text}")


@tasks.command("show")
@click.argument("name")
def tasks_show(name):
    """Print a task's resolved specification."""
    import yaml

    from .catalog import get_task_spec

    spec = get_task_spec(name)
    click.echo(yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True))


@tasks.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path())
def tasks_validate(files):
    """Validate task files against the schema."""
    from .spec import load_task_spec

    for path in files:
        spec = load_task_spec(path)
        click.echo(f"ok: {path} ({spec.key})")


# ---------------------------------------------------------------- run
@main.command()
@click.option("--model", "models", multiple=True, required=True,
              help="Registered name, a sentence-transformers folder, or uwe:DIR (repeat or comma-separate).")
@click.option("--tasks", "task_selection", required=True, help="Comma-separated task names, suite names or task files.")
@click.option("--split", default="test", show_default=True)
@click.option("--output", default="results", show_default=True, type=click.Path(file_okay=False))
@click.option("--limit", type=int, default=None, help="Only the first N queries per task (results marked unofficial).")
@click.option("--ties", type=click.Choice(["average", "pessimistic", "optimistic"]), default="average", show_default=True)
@click.option("--shard", default=None, help="I/N: run every N-th (model, task) item starting at I.")
@click.option("--no-progress", is_flag=True)
@data_dir_option
@cache_dir_option
def run(models, task_selection, split, output, limit, ties, shard, no_progress, data_dir, cache_dir):
    """Evaluate models on tasks and write result files."""
    from .catalog import resolve_task_list
    from .registry import load_model
    from .runner import parse_shard, run as run_all
    from .settings import resolve_data_dir

    names = [m.strip() for item in models for m in item.split(",") if m.strip()]
    specs = resolve_task_list(task_selection)
    report = run_all(names, specs, split=split, output=Path(output), load_model=load_model,
                     data_dir=resolve_data_dir(data_dir), cache_dir=cache_dir, limit=limit, ties=ties,
                     shard=parse_shard(shard), progress=not no_progress)
    click.echo(f"{len(report.written)} written, {len(report.reused)} reused, {len(report.failed)} failed → {output}")
    if report.failed:
        for model, task, err in report.failed:
            click.echo(f"  failed: {model} / {task}: {err}", err=True)
        sys.exit(1)


# ---------------------------------------------------------------- models
@main.group(cls=_Group)
def models():
    """Registered models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
def models_list(as_json):
    from .registry import registered_models

    rows = registered_models()
    if as_json:
        click.echo(json.dumps(rows, indent=1, default=str))
        return
    for row in rows:
        click.echo(f"{row['name']:<24} {row['kind']:<10} {row.get('description', '')}")


# ---------------------------------------------------------------- data
@main.group(cls=_Group)
def data():
    """Check the data directory."""


@data.command("verify")
@click.option("--sums", type=click.Path(dir_okay=False), default=None, help="Checksum list (default: DATA_DIR/SHA256SUMS).")
@data_dir_option
def data_verify(sums, data_dir):
    """Check every file of the data directory against a sha256 list."""
    from .datafiles import verify_checksums
    from .settings import resolve_data_dir

    root = resolve_data_dir(data_dir)
    ok, bad, missing = verify_checksums(root, Path(sums) if sums else None)
    for rel in bad:
        click.echo(f"MISMATCH {rel}")
    for rel in missing:
        click.echo(f"MISSING  {rel}")
    click.echo(f"{len(ok)} ok, {len(bad)} mismatched, {len(missing)} missing in {root}")
    if bad or missing:
        sys.exit(1)


def _attach_optional_commands() -> None:
    """Sub-commands that live in sub-packages; attached lazily so a missing extra breaks nothing else."""
    try:
        from .leaderboard.cli import leaderboard_cli
    except ImportError:
        return
    main.add_command(leaderboard_cli, "leaderboard")


_attach_optional_commands()

if __name__ == "__main__":
    main()
