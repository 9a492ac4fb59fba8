"""The `workbench` command line."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import click

from workbench import __version__
from workbench.errors import WorkBenchError


class _Group(click.Group):
    """Prints a WorkBenchError as one clear line (no traceback) and exits with status 2.

    Sub-commands that live in sub-packages (`lazy`) are imported only when invoked, so
    `workbench --help` and light commands never import torch or matplotlib.
    """

    lazy: ClassVar[dict[str, tuple[str, str]]] = {}

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx, name):
        if name in self.lazy and name not in self.commands:
            import importlib

            module, attr = self.lazy[name]
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WorkBenchError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory (default: $WORKBENCH_DATA_DIR, else a per-user folder; docs/data.md).",
)
no_fetch_option = click.option(
    "--no-fetch",
    is_flag=True,
    help="Never download missing data files: name them and the command that gets them "
    "(also: WORKBENCH_OFFLINE=1). Default: fetch them first, from $WORKBENCH_DATA_URL "
    "if set, else from the publishers.",
)
cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Cache for embeddings and checksums (default: $WORKBENCH_CACHE_DIR or ~/.cache/workbench).",
)
model_setting_option = click.option(
    "--model-setting",
    "-s",
    "model_setting",
    multiple=True,
    metavar="KEY=VALUE",
    help="A model setting, e.g. name=my-model (the name of a folder or hub model on the board; else its model "
    "card's), device=cuda, batch_size=128, fp16=true, max_seq_length=64, "
    'devices=\'["cuda:0","cuda:1"]\' (VALUE is read as JSON when it parses, else as text). '
    "Given to every model that accepts it; `workbench models list --json` shows each model's settings.",
)


class _Main(_Group):
    """Also offers the plugins' command groups (entry points `workbench.commands`, e.g. `uwe`)."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {"leaderboard": ("workbench.leaderboard.cli", "leaderboard_cli")}

    def list_commands(self, ctx):
        from workbench.registry import COMMANDS

        return sorted({*super().list_commands(ctx), *COMMANDS.names()})

    def get_command(self, ctx, name):
        from workbench.registry import COMMANDS

        if name not in self.commands and name not in self.lazy and COMMANDS.find(name) == name:
            self.add_command(COMMANDS.get(name), name)
        return super().get_command(ctx, name)


@click.group(cls=_Main)
@click.version_option(__version__, prog_name="workbench")
def main():
    """WorkBench: ranking benchmark for the work domain."""


# ---------------------------------------------------------------- tasks
@main.group(cls=_Group)
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
        from workbench.task_sizes import recorded_sizes

        return recorded_sizes(spec)
    from workbench.task import Task

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
    from workbench.catalog import list_tasks, suite_tasks
    from workbench.settings import fetching, resolve_data_dir

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
        from workbench.catalog import variants_note

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
    from workbench.catalog import list_tasks, resolve_task_list
    from workbench.settings import fetching
    from workbench.task_sizes import compare_with_record, entry_from_data, write_entries

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

    from workbench.catalog import get_task_spec

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
    from workbench.export import export_task
    from workbench.task import load_task

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
    from workbench.settings import resolve_data_dir
    from workbench.validate import validate_task_file

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


# ---------------------------------------------------------------- run
def _run_selection(models, task_selection: str, split: str):
    """The model names (repeated or comma-separated --model) and task specs of a run; one line if empty."""
    from workbench.catalog import resolve_task_list

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


@main.command()
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
    from workbench.registry import load_model
    from workbench.run_config import RunConfig
    from workbench.runner import parse_shard
    from workbench.runner import run as run_all
    from workbench.settings import fetch_allowed, fetching, resolve_data_dir

    names, specs = _run_selection(models, task_selection, split)
    settings = _settings_per_model(names, parse_model_settings(model_setting))
    if address and executor != "ray":
        raise WorkBenchError("--address is for --executor ray")
    if executor == "ray":
        from functools import partial

        from workbench.ray_executor import run_on_ray

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


def parse_model_settings(items) -> dict:
    """`KEY=VALUE` strings -> {key: value}; VALUE as JSON when it parses (numbers, true/false, lists), else text."""
    import json

    settings: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise WorkBenchError(
                f"--model-setting {item!r}: expected KEY=VALUE with KEY a setting name, e.g. batch_size=32"
            )
        if key in settings:
            raise WorkBenchError(f"--model-setting {key!r} is given twice")
        try:
            settings[key] = json.loads(value)
        except ValueError:
            settings[key] = value
    if settings.get("name") is not None:  # a name becomes the result folder: refused before any model loads
        from workbench.names import check_name

        check_name(settings["name"], "--model-setting name: model name")
    return settings


def _settings_per_model(names: list[str], settings: dict) -> dict[str, dict]:
    """Each model gets the settings it accepts; a setting that no model of the run accepts is an error."""
    if not settings:
        return {}
    from workbench.registry import accepted_settings

    accepted = {name: set(accepted_settings(name)) for name in names}
    unused = sorted(k for k in settings if not any(k in acc for acc in accepted.values()))
    if unused:
        known = "; ".join(f"{name}: {', '.join(sorted(acc)) or 'none'}" for name, acc in accepted.items())
        raise WorkBenchError(f"--model-setting {', '.join(unused)}: accepted by none of the models (accepted: {known})")
    return {name: {k: v for k, v in settings.items() if k in accepted[name]} for name in names}


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


# ---------------------------------------------------------------- models
@main.group(cls=_Group)
def models():
    """Registered models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
def models_list(as_json):
    from workbench.registry import registered_models

    rows = registered_models()
    if as_json:
        click.echo(json.dumps(rows, indent=1, default=str))
        return
    for row in rows:
        click.echo(f"{row['name']:<24} {row['kind'] or '?':<10} {row.get('description', '')}  [from {row['origin']}]")


# ---------------------------------------------------------------- data
@main.group(cls=_Group)
def data():
    """Check the data directory."""


@data.command("verify")
@click.option(
    "--sums", type=click.Path(dir_okay=False), default=None, help="Checksum list (default: DATA_DIR/SHA256SUMS)."
)
@data_dir_option
def data_verify(sums, data_dir):
    """Check every file of the data directory against a sha256 list."""
    from workbench.datafiles import verify_checksums
    from workbench.settings import resolve_data_dir

    root = resolve_data_dir(data_dir)
    ok, bad, missing, unreadable = verify_checksums(root, Path(sums) if sums else None)
    for rel in bad:
        click.echo(f"MISMATCH {rel}")
    for rel in missing:
        click.echo(f"MISSING  {rel}")
    for line in unreadable:  # a folder, pipe or device where a file should be: named as such, never opened
        click.echo(f"NOTFILE  {line}")
    others = f", {len(unreadable)} not a regular file" if unreadable else ""
    click.echo(f"{len(ok)} ok, {len(bad)} mismatched, {len(missing)} missing{others} in {root}")
    if bad or missing or unreadable:
        sys.exit(1)


@data.command("fetch")
@click.option(
    "--only",
    "only",
    multiple=True,
    help="Only paths matching this glob or folder prefix, e.g. 'onet/' or '*.csv' (repeatable).",
)
@click.option(
    "--base-url",
    default=None,
    help="A mirror laid out like the data directory, used instead of the publishers (default: $WORKBENCH_DATA_URL).",
)
@click.option("--dry-run", is_flag=True, help="List what would be downloaded; send no request.")
@data_dir_option
def data_fetch(only, base_url, dry_run, data_dir):
    """Download the official releases into the data directory, resuming and checking every sha256.

    An ESCO zip of another version or language (--only 'esco/v1.2.0/ESCO dataset - v1.2.0 - classification
    - de - csv.zip') comes from the publisher's download folder; its sha256 is recorded at first download.
    Every download ends: a deadline per file, a minimum rate, the manifest's size or a cap
    (WORKBENCH_FETCH_DEADLINE, WORKBENCH_FETCH_MIN_RATE, WORKBENCH_FETCH_MAX_BYTES; docs/data.md).
    """
    import os

    from workbench.fetch import fetch
    from workbench.settings import DATA_DIR_ENV, data_url, default_data_dir

    target = data_dir or os.environ.get(DATA_DIR_ENV) or default_data_dir()  # fetch creates it
    report = fetch(target, only=list(only) or None, base_url=data_url(base_url), dry_run=dry_run)
    for result in report.results:
        click.echo(result.line())
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


# ---------------------------------------------------------------- audit
@main.command()
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
    from workbench.audit import EvalSet, audit_training_pairs, cross_task_overlap, format_table, read_pairs
    from workbench.catalog import resolve_task_list
    from workbench.task import Task

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


# ---------------------------------------------------------------- latency
@main.command()
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
    from workbench.latency import measure_latency, measure_relative_latency
    from workbench.registry import load_model
    from workbench.result_store import planned_path
    from workbench.results import read_result, write_result
    from workbench.task import load_task

    task = load_task(task_name, data_dir=data_dir)
    ds = task.dataset(split)
    settings = _settings_per_model([model_name], parse_model_settings(model_setting)).get(model_name, {})
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


# ---------------------------------------------------------------- results
@main.group(cls=_Group)
def results():
    """Manage result folders."""


@results.command("merge")
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False))
def results_merge(shards, out):
    """Join the result folders of sharded runs (`run --shard I/N`) into one."""
    from workbench.shards import merge_result_dirs

    copied = merge_result_dirs([Path(s) for s in shards], Path(out))
    click.echo(f"{copied} result files merged into {out}")


@results.command("migrate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
def results_migrate(folder, dry_run):
    """Bring the result files under FOLDER written before scoring versions up to date: library versions leave
    the model's settings and revision for `environment`, `scoring_version` is set, the fingerprint recomputed;
    per-query values and scores stay byte for byte (checked). Exit 1 if a file could not be migrated."""
    from workbench.migrate import migrate_folder

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
    from workbench.registry import load_model
    from workbench.reproduce import reproduce
    from workbench.settings import resolve_data_dir

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


@results.command("verify")
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

    from workbench.io import sha256_file
    from workbench.leaderboard.verification import LEDGER_PATH, MISMATCHED, Ledger, Verdict
    from workbench.registry import load_model
    from workbench.reproduce import TOLERANCE, VERIFY_SAMPLE, Verifier
    from workbench.settings import resolve_data_dir

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
    from workbench.export import export_results_mteb, export_results_parquet

    try:
        report = export_results_mteb(results_dir, out) if fmt == "mteb" else export_results_parquet(results_dir, out)
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    click.echo(report.summary("MTEB task results" if fmt == "mteb" else "parquet file"))
    if report.skipped and not report.written:  # every file refused: nothing was done
        sys.exit(1)


@results.command("check")
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
    from workbench.leaderboard.submission import check_submission

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


if __name__ == "__main__":
    main()
