"""`workbench audit`: evaluation queries and pairs that also occur in a model's training data."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workbench.fronts.cli.options import data_dir_option


@click.command()
@click.option(
    "--pairs",
    "pairs_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Training pairs (query<TAB>target per line, .tsv or .tsv.gz) to check against evaluation data.",
)
@click.option(
    "--model-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="A trained model folder that ships training_pairs.tsv.gz (e.g. a UWE output).",
)
@click.option("--tasks", "task_selection", default="workbench-core", show_default=True)
@click.option("--splits", default="val,test", show_default=True)
@click.option("--cross/--no-cross", default=True, show_default=True, help="Also print the task × task overlap table.")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def audit(pairs_file, model_dir, task_selection, splits, cross, as_json, data_dir):
    """Leakage audit: evaluation queries and pairs that also occur in training data or in other tasks."""
    from workbench.running.audit import EvalSet, audit_training_pairs, cross_task_overlap, format_table, read_pairs
    from workbench.running.task import Task
    from workbench.taskfiles.catalog import resolve_task_list

    if model_dir and not pairs_file:
        pairs_file = str(Path(model_dir) / "training_pairs.tsv.gz")
    specs = resolve_task_list(task_selection)
    eval_sets = []
    for spec in specs:
        task = Task(spec, data_dir=data_dir)
        for split in splits.split(","):
            if split in spec.splits.available:
                eval_sets.append(EvalSet.from_task(task, split))
    report = {}
    if pairs_file:
        report["training_overlap"] = audit_training_pairs(read_pairs(Path(pairs_file)), eval_sets)
    if cross:
        report["cross_task"] = cross_task_overlap([ev for ev in eval_sets if ev.split == "test"])
    if as_json:
        click.echo(json.dumps(report, indent=1))
        return
    for title, rows in report.items():
        click.echo(f"## {title}\n{format_table(rows)}\n")
