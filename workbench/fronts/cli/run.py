"""`workbench run`: models × tasks × split → result files."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from workbench.errors import WorkBenchError
from workbench.fronts.cli.options import (
    cache_dir_option,
    data_dir_option,
    model_setting_option,
    no_fetch_option,
    parse_model_settings,
    settings_per_model,
)


def _run_selection(models, task_selection: str, split: str):
    """The model names (repeated or comma-separated --model) and task specs of a run; one line if empty."""
    from workbench.taskfiles.catalog import resolve_task_list

    names = [m.strip() for item in models for m in item.split(",") if m.strip()]
    if not names:
        raise WorkBenchError(f"--model {','.join(models)!r} names no model")
    specs = resolve_task_list(task_selection)
    if specs and all(s.splits.available and split not in s.splits.available for s in specs):
        offered = sorted({name for s in specs for name in s.splits.available})
        raise WorkBenchError(
            f"--split {split!r}: none of the {len(specs)} tasks offers it (offered: {', '.join(offered)})"
        )
    return names, specs


@contextmanager
def _info_to_stderr(enabled: bool):
    """`run -v`: WorkBench's info lines (logging, level INFO) on stderr while the run lasts."""
    if not enabled:
        yield
        return
    import logging

    from workbench.run_progress import StderrBetweenBars

    handler = logging.StreamHandler(StderrBetweenBars())
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("workbench")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@click.command()
@click.option(
    "--model",
    "models",
    multiple=True,
    required=True,
    help="A registered name (`workbench models list`: the built-ins and every installed plugin's "
    "workbench.models entry point), LOADER:ARG of a registered model loader (e.g. uwe:DIR), a local "
    "sentence-transformers folder, or a Hugging Face hub id org/name[@revision] (read from the Hugging Face "
    "cache when offline). Repeat or comma-separate. A Python object: workbench.evaluate (docs/models.md).",
)
@click.option("--tasks", "task_selection", required=True, help="Comma-separated task names, suite names or task files.")
@click.option("--split", default="test", show_default=True)
@click.option("--output", default="results", show_default=True, type=click.Path(file_okay=False))
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Only the first N queries per task (results marked unofficial).",
)
@click.option(
    "--ties",
    type=click.Choice(["average", "pessimistic", "optimistic", "publisher"]),
    default="average",
    show_default=True,
    help="How tied scores rank: the expectation over their orders (our protocol), worst or best case; or "
    "publisher: score as the task's publisher does (MELO: trec_eval over the top 100; docs/protocols.md).",
)
@click.option("--shard", default=None, help="I/N: run every N-th (model, task) item starting at I.")
@click.option(
    "--no-progress", is_flag=True, help="No progress line (the run's items, texts and ETA) and no per-step bars."
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also say what each task's data dropped or changed on the way in (the same on every run; the result's "
    "sizes and docs/tasks.md count it).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: the (model, task) items as work on a Ray cluster (pip install 'workbench-bench[ray]'; docs/scale.md).",
)
@click.option(
    "--address",
    default=None,
    help="With --executor ray: 'auto' or HOST:PORT of a running cluster (default: start a local one).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="CPU threads for model inference (default: the libraries' own choice). On a shared machine 1 can be faster.",
)
@model_setting_option
@data_dir_option
@no_fetch_option
@cache_dir_option
def run(
    models,
    task_selection,
    split,
    output,
    limit,
    ties,
    shard,
    no_progress,
    verbose,
    executor,
    address,
    threads,
    model_setting,
    data_dir,
    no_fetch,
    cache_dir,
):
    """Evaluate models on tasks and write result files (missing data files are fetched first; docs/data.md)."""
    if threads:
        _limit_threads(threads)
    from workbench.data.settings import fetch_allowed, fetching, resolve_data_dir
    from workbench.models.registry import load_model
    from workbench.running.run_config import RunConfig
    from workbench.running.runner import parse_shard
    from workbench.running.runner import run as run_all

    names, specs = _run_selection(models, task_selection, split)
    settings = settings_per_model(names, parse_model_settings(model_setting))
    if address and executor != "ray":
        raise WorkBenchError("--address is for --executor ray")
    if executor == "ray":
        from functools import partial

        from workbench.running.ray_executor import run_on_ray

        run_all = partial(run_on_ray, address=address)
    with fetching(fetch_allowed() and not no_fetch), _info_to_stderr(verbose):
        config = RunConfig(
            split=split,
            output=Path(output),
            load_model=load_model,
            data_dir=resolve_data_dir(data_dir),
            cache_dir=cache_dir,
            limit=limit,
            ties=ties,
            shard=parse_shard(shard),
            progress=not no_progress,
            model_settings=settings,
        )
        report = run_all(names, specs, config)
    click.echo(f"{len(report.written)} written, {len(report.reused)} reused, {len(report.failed)} failed → {output}")
    if report.failed:
        for model, task, err in report.failed:
            click.echo(f"  failed: {model} / {task}: {err}", err=True)
        sys.exit(1)


def _limit_threads(n: int) -> None:
    """Set before any model library loads: OpenMP/BLAS read these once, torch reads its own setting."""
    import os

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)
    # torch takes its thread count from OMP_NUM_THREADS when it loads; importing it here just to set it
    # cost ~0.9 s of a warm run that never needs torch (every embedding cached)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)
