"""`workbench uwe ...`: the click group the main CLI attaches (torch is imported only when a command runs)."""
from __future__ import annotations

import click

from .recipes import ABLATIONS, GRAPHS, RECIPES


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@click.group("uwe")
def uwe_cli():
    """The UWE reference model: train it (evaluate with `workbench run --model uwe:DIR`)."""


@uwe_cli.command("train")
@click.option("--config", "recipe", required=True, type=click.Choice(sorted(RECIPES)), help="Training recipe.")
@click.option("--output", required=True, type=click.Path(file_okay=False), help="Run folder (checkpoints, model/).")
@click.option("--data-dir", default=None, type=click.Path(file_okay=False),
              help="Data directory (default: $WORKBENCH_DATA_DIR).")
@click.option("--graphs", default=None, help=f"Comma-separated subset of {','.join(GRAPHS)} (default: all).")
@click.option("--ablation", "ablations", multiple=True,
              help=f"One of {', '.join(ABLATIONS)} (repeat or comma-separate).")
@click.option("--max-steps", type=int, default=None, help="Override the recipe's step budget.")
@click.option("--seed", type=int, default=None, help="Override the recipe's seed.")
@click.option("--threads", type=int, default=None, help="torch CPU threads (1 is often fastest on a shared machine).")
@click.option("--no-resume", is_flag=True, help="Start over in --output instead of resuming its last checkpoint.")
@click.option("--no-progress", is_flag=True)
def train_command(recipe, output, data_dir, graphs, ablations, max_steps, seed, threads, no_resume, no_progress):
    """Train UWE with a recipe; resumes from the last checkpoint in --output."""
    from workbench.errors import WorkBenchError

    from .recipes import get_recipe
    from .train import train

    names = [a for item in ablations for a in _split(item)]
    unknown = sorted(set(names) - set(ABLATIONS))
    if unknown:
        raise click.BadParameter(f"unknown ablation(s) {unknown}; known: {', '.join(ABLATIONS)}", param_hint="--ablation")
    try:
        config = get_recipe(recipe).with_options(graphs=_split(graphs) or None, ablations=names,
                                                 max_steps=max_steps, seed=seed)
        if threads is not None:
            config = config.model_copy(update={"threads": threads})
        model_dir = train(config, output, data_dir=data_dir, resume=not no_resume, progress=not no_progress)
    except (WorkBenchError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"model: {model_dir}  (evaluate with: workbench run --model uwe:{model_dir} --tasks ...)")
