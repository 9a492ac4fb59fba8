"""`workbench uwe ...`: the click group the main CLI attaches (torch is imported only when a command runs)."""

from __future__ import annotations

from pathlib import Path

import click

# the main CLI's own options (it attaches this group lazily, so importing it here makes no cycle)
from workbench.fronts.cli.options import cache_dir_option, data_dir_option, model_setting_option, parse_model_settings

from .recipes import ABLATIONS, GRAPHS, RECIPES, SAMPLERS


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@click.group("uwe")
def uwe_cli():
    """The UWE reference model: train it (evaluate with `workbench run --model uwe:DIR`)."""


@uwe_cli.command("train")
@click.option("--config", "recipe", required=True, type=click.Choice(sorted(RECIPES)), help="Training recipe.")
@click.option("--output", required=True, type=click.Path(file_okay=False), help="Run folder (checkpoints, model/).")
@click.option(
    "--data-dir", default=None, type=click.Path(file_okay=False), help="Data directory (default: $WORKBENCH_DATA_DIR)."
)
@click.option("--graphs", default=None, help=f"Comma-separated subset of {','.join(GRAPHS)} (default: all).")
@click.option(
    "--ablation", "ablations", multiple=True, help=f"One of {', '.join(ABLATIONS)} (repeat or comma-separate)."
)
@click.option("--max-steps", type=int, default=None, help="Override the recipe's step budget.")
@click.option("--seed", type=int, default=None, help="Override the recipe's seed.")
@click.option(
    "--tau-a",
    type=float,
    default=None,
    help="Override the soft late interaction's attention temperature (training and scoring).",
)
@click.option(
    "--base-model",
    default=None,
    help="Override the recipe's backbone: all-MiniLM-L6-v2, all-mpnet-base-v2 or a local folder.",
)
@click.option(
    "--sampler",
    type=click.Choice(SAMPLERS),
    default=None,
    help="Batches: edges per graph independently, or one skill set per step shared by every graph.",
)
@click.option(
    "--sentence-padding",
    type=click.FloatRange(0, 1),
    default=None,
    help="Probability of appending a random non-matching training sentence to a sentence (paper 0.8).",
)
@click.option("--tag", default=None, help="Suffix for the model name (e.g. the hardware: h100); not learned from.")
@click.option(
    "--compile",
    "compile_mode",
    type=click.Choice(["auto", "on", "off"]),
    default=None,
    help="torch.compile the backbone (auto: on CUDA only).",
)
@click.option("--threads", type=int, default=None, help="torch CPU threads (1 is often fastest on a shared machine).")
@click.option(
    "--checkpoint-every",
    type=click.IntRange(min=1),
    default=None,
    help="Save a checkpoint every N steps (default: the recipe's); a run stopped at a deadline keeps the last.",
)
@click.option(
    "--stop-after",
    type=click.IntRange(min=1),
    default=None,
    help="End this sitting at step N of the recipe's schedule (checkpointed; a later call resumes).",
)
@click.option("--no-resume", is_flag=True, help="Start over in --output instead of resuming its last checkpoint.")
@click.option("--no-progress", is_flag=True)
def train_command(
    recipe,
    output,
    data_dir,
    graphs,
    ablations,
    max_steps,
    seed,
    tau_a,
    base_model,
    sampler,
    sentence_padding,
    tag,
    compile_mode,
    threads,
    checkpoint_every,
    stop_after,
    no_resume,
    no_progress,
):
    """Train UWE with a recipe; resumes from the last checkpoint in --output."""
    from workbench.errors import WorkBenchError

    from .recipes import get_recipe
    from .train import train

    names = [a for item in ablations for a in _split(item)]
    unknown = sorted(set(names) - set(ABLATIONS))
    if unknown:
        raise click.BadParameter(
            f"unknown ablation(s) {unknown}; known: {', '.join(ABLATIONS)}", param_hint="--ablation"
        )
    try:
        config = get_recipe(recipe).with_options(
            graphs=_split(graphs) or None,
            ablations=names,
            max_steps=max_steps,
            seed=seed,
            tau_a=tau_a,
            base_model=base_model,
            tag=tag,
            sampler=sampler,
            sentence_padding=sentence_padding,
        )
        runtime = {"threads": threads, "compile": compile_mode, "checkpoint_every": checkpoint_every}
        config = config.model_copy(update={k: v for k, v in runtime.items() if v is not None})
        model_dir = train(
            config, output, data_dir=data_dir, resume=not no_resume, progress=not no_progress, stop_after=stop_after
        )
    except (WorkBenchError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    if stop_after is not None and stop_after < config.max_steps:
        click.echo(
            f"checkpoint: {model_dir}  (a model folder: workbench uwe export --output {output} --step {stop_after})"
        )
        return
    click.echo(f"model: {model_dir}  (evaluate with: workbench run --model uwe:{model_dir} --tasks ...)")


@uwe_cli.command("export")
@click.option("--output", required=True, type=click.Path(file_okay=False, exists=True), help="The run folder.")
@click.option(
    "--data-dir", default=None, type=click.Path(file_okay=False), help="Data directory (default: $WORKBENCH_DATA_DIR)."
)
@click.option("--step", type=int, default=None, help="The checkpoint to export (default: the last).")
def export_command(output, data_dir, step):
    """Save a checkpoint of a run (default: the last) as DIR/model (its step count is recorded)."""
    from workbench.errors import WorkBenchError

    from .train import export_checkpoint

    try:
        model_dir = export_checkpoint(output, data_dir=data_dir, step=step)
    except (WorkBenchError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"model: {model_dir}")


@uwe_cli.command("curve")
@click.option("--output", required=True, type=click.Path(file_okay=False, exists=True), help="The run folder.")
@click.option("--tasks", required=True, help="Comma-separated task names or suites to score each checkpoint on.")
@click.option("--split", default="val", show_default=True)
@model_setting_option
@data_dir_option
@cache_dir_option
@click.option("--steps", default=None, help="Comma-separated checkpoint steps to score (default: every one kept).")
def curve_command(output, tasks, split, model_setting, data_dir, cache_dir, steps):
    """Score every checkpoint of a run on TASKS (once each; call again while it trains): RUN/curve/."""
    from workbench.errors import WorkBenchError

    from .curve import checkpoint_curve, curve_table

    try:
        curve = checkpoint_curve(
            output,
            tasks,
            split=split,
            settings=parse_model_settings(model_setting),
            data_dir=data_dir,
            cache_dir=cache_dir,
            steps=[int(step) for step in _split(steps)] or None,
            log=lambda line: click.echo(line, err=True),
        )
    except (WorkBenchError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(curve_table(curve))
    click.echo(f"best step on {split}: {curve['best_step']}  ({Path(output) / 'curve' / f'{split}_curve.json'})")


@uwe_cli.command("install")
@click.argument("name")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(file_okay=False, exists=True),
    help="A UWE model folder (model.safetensors + uwe_config.json), e.g. RUN/model of `workbench uwe train`.",
)
def install_command(name, source):
    """Put the weights of committed row NAME into the cache (checked against its model card's sha256)."""
    from workbench.errors import WorkBenchError

    from .named import get_card, install_weights

    try:
        card = get_card(name)
        folder = install_weights(card, source, origin=f"installed from {Path(source).resolve()}")
    except WorkBenchError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{name}: weights in {folder}  (use: workbench run --model {name} --tasks ...)")
