"""`workbench tasks …`: list, show, validate, count and export task files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workbench.errors import WorkBenchError
from workbench.fronts.cli.groups import CommandGroup
from workbench.fronts.cli.options import cache_dir_option, data_dir_option


@click.group(cls=CommandGroup)
def tasks():
    """List, show, validate and count task files."""


def _task_row(spec, data_dir, with_sizes: bool) -> dict:
    row = {
        "name": spec.name,
        "version": spec.version,
        "group": spec.group,
        "query_type": spec.query_type,
        "target_type": spec.target_type,
        "languages": spec.languages.model_dump(),
        "main_score": spec.main_score,
        "splits": list(spec.splits.available),
        "suites": list(spec.suites),
        "license": spec.license,
    }
    if with_sizes:
        row["sizes"], why = _task_sizes(spec, data_dir)
        if why is not None:
            row["error"] = why
    return row


def _task_sizes(spec, data_dir) -> tuple[dict | None, str | None]:
    """(sizes, None) or (None, why): counted from `data_dir` when given, else read from the shipped size record."""
    if data_dir is None:
        from workbench.running.task_sizes import recorded_sizes

        return recorded_sizes(spec)
    from workbench.running.task import Task

    try:
        return Task(spec, data_dir=data_dir).sizes(), None
    except WorkBenchError as err:
        return None, str(err)


@tasks.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--suite", default=None, help="Only the tasks of this suite.")
@click.option("--no-sizes", is_flag=True, help="Leave the sizes out.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Count the sizes by building every listed task from this data directory (slow; nothing is "
    "downloaded) instead of reading them from the size record shipped with the task files.",
)
def tasks_list(as_json, suite, no_sizes, data_dir):
    """List tasks with queries × targets per split (from the size record shipped with the task files)."""
    from workbench.data.settings import fetching, resolve_data_dir
    from workbench.taskfiles.catalog import list_tasks, suite_tasks

    specs = suite_tasks(suite) if suite else list_tasks()
    if data_dir is not None and not no_sizes:
        data_dir = resolve_data_dir(data_dir)
    with fetching(False):  # listing never downloads: a task whose files are missing shows no sizes
        rows = [_task_row(spec, data_dir, not no_sizes) for spec in specs]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    for row in rows:
        sizes = row.get("sizes") or {}
        size_text = "  ".join(f"{s}: {v['queries']}×{v['targets']}" for s, v in sizes.items())
        click.echo(f"{row['name']:<32} v{row['version']}  {row['group']:<20} {size_text}")
    unsized = sum(1 for row in rows if "error" in row)
    if unsized and data_dir is not None:
        click.echo(
            f"note: {unsized} task(s) without sizes from {data_dir} (`tasks list` fetches no missing file, "
            "a run does; `--json` says why for each)",
            err=True,
        )
    elif unsized:
        click.echo(
            f"note: {unsized} task(s) without sizes: not in the size record, or their task file changed since "
            "(`--json` says which); `workbench tasks sizes --write --tasks NAME,...` counts them from the data",
            err=True,
        )
    if not suite:
        from workbench.taskfiles.catalog import variants_note

        click.echo(variants_note())


@tasks.command("sizes")
@click.option("--tasks", "task_selection", default=None, help="Task or suite names, comma-separated (default: all).")
@click.option("--write", is_flag=True, help="Write the counts into the size record (else compare: exit 1 on a change).")
@data_dir_option
@cache_dir_option
def tasks_sizes(task_selection, write, data_dir, cache_dir):
    """Count each task's sizes from the data and compare them with (or --write them into) the size record.

    The record (`_sizes.json` beside the task files) is what `tasks list` shows; --write is the one way it
    is made. Building every task takes minutes; nothing is downloaded.
    """
    from workbench.data.settings import fetching
    from workbench.running.task_sizes import compare_with_record, entry_from_data, write_entries
    from workbench.taskfiles.catalog import list_tasks, resolve_task_list

    specs = resolve_task_list(task_selection) if task_selection else list_tasks()
    built, failed, differ = {}, 0, 0
    with fetching(False):
        for spec in specs:
            try:
                built[spec.name] = entry_from_data(spec, data_dir, cache_dir)
            except WorkBenchError as err:
                failed += 1
                click.echo(f"error: {spec.name}: {err}", err=True)
                continue
            diff = compare_with_record(spec.name, built[spec.name])
            differ += bool(diff)
            click.echo(f"{spec.name}: " + ("; ".join(diff) if diff else "same as the record"))
    if write:
        for path, count in write_entries(built).items():
            click.echo(f"wrote {count} task(s) into {path}")
    if failed or (differ and not write):
        sys.exit(1)


@tasks.command("show")
@click.argument("name")
def tasks_show(name):
    """Print a task's resolved specification."""
    import yaml

    from workbench.taskfiles.catalog import get_task_spec

    spec = get_task_spec(name)
    click.echo(yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True))


@tasks.command("export")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["hf", "beir"]),
    help="hf: a datasets.DatasetDict saved to disk (BEIR/MTEB retrieval columns); beir: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.",
)
@click.option("--split", default="test", show_default=True)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@data_dir_option
def tasks_export(name, fmt, split, out, data_dir):
    """Write one split of task NAME (queries, corpus, qrels) for other tools."""
    from workbench.results.export import export_task
    from workbench.running.task import load_task

    try:
        folder = export_task(load_task(name, data_dir=data_dir), split, out, fmt)
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{name} split {split} written to {folder} ({fmt})")


@tasks.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Also build each task from this data directory and print its sizes per split "
    "(nothing is downloaded: a missing file is reported).",
)
def tasks_validate(files, data_dir):
    """Check task files: schema, file name = `name:`, loader and split method; with data, build them."""
    from workbench.data.settings import resolve_data_dir
    from workbench.running.validate import validate_task_file

    root = resolve_data_dir(data_dir) if data_dir is not None else None
    failed = 0
    for path in files:  # one bad file never hides the verdict on the others
        try:
            spec, sizes = validate_task_file(path, root)
        except WorkBenchError as err:
            failed += 1
            click.echo(f"error: {err}", err=True)
            continue
        built = "  ".join(
            f"{split}: {n['queries']}×{n['targets']} ({n['positives']} positives)" for split, n in sizes.items()
        )
        click.echo(f"ok: {path} ({spec.key})" + (f"  {built}" if built else ""))
    if failed:
        sys.exit(2)
