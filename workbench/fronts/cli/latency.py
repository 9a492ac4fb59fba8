"""`workbench latency`: milliseconds per single query."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workbench.fronts.cli.options import data_dir_option, model_setting_option, parse_model_settings, settings_per_model


@click.command()
@click.option("--model", "model_name", required=True)
@click.option("--task", "task_name", required=True)
@click.option("--split", default="test", show_default=True)
@click.option("--n", "n_queries", default=200, show_default=True, help="Timed single-query calls.")
@click.option(
    "--output",
    default=None,
    type=click.Path(file_okay=False),
    help="Results folder: the latency is written into this model's result file for the task, if present.",
)
@click.option(
    "--baseline",
    default=None,
    help="Also time this model, query by query interleaved with --model, and print the ratio (the number "
    "that carries to another machine; a submission reports it against all-MiniLM-L6-v2).",
)
@model_setting_option
@data_dir_option
def latency(model_name, task_name, split, n_queries, output, baseline, model_setting, data_dir):
    """Milliseconds per single query (batch 1) against the task's pre-encoded target space."""
    from workbench.models.registry import load_model
    from workbench.results.result_file import read_result, write_result
    from workbench.results.result_store import planned_path
    from workbench.running.latency import measure_latency, measure_relative_latency
    from workbench.running.task import load_task

    task = load_task(task_name, data_dir=data_dir)
    ds = task.dataset(split)
    settings = settings_per_model([model_name], parse_model_settings(model_setting)).get(model_name, {})
    model = load_model(model_name, **settings)
    texts = (ds.query_texts.tolist(), ds.target_texts.tolist())
    kinds = {"query_type": task.spec.query_type, "target_type": task.spec.target_type, "group": task.spec.group}
    if baseline:
        relative = measure_relative_latency(model, load_model(baseline), *texts, **kinds, n_queries=n_queries)
        click.echo(json.dumps(relative, indent=1, default=str))
        return
    measured = measure_latency(model, *texts, **kinds, n_queries=n_queries)
    click.echo(json.dumps(measured, indent=1, default=str))
    if output:
        # the file a `run` with the same settings wrote (settings given to the run have a file of their own)
        path = planned_path(
            Path(output),
            model=model.info.name,
            task=task.spec.name,
            version=task.spec.version,
            split=split,
            settings=settings,
        )
        if path.exists():
            result = read_result(path)
            result.latency = json.loads(json.dumps(measured, default=str))
            write_result(path, result)
            click.echo(f"latency recorded in {path}")
