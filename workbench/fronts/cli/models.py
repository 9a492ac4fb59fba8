"""`workbench models …`: the registered models."""

from __future__ import annotations

import json

import click

from workbench.fronts.cli.groups import CommandGroup


@click.group(cls=CommandGroup)
def models():
    """Registered models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
def models_list(as_json):
    from workbench.models.registry import registered_models

    rows = registered_models()
    if as_json:
        click.echo(json.dumps(rows, indent=1, default=str))
        return
    for row in rows:
        click.echo(f"{row['name']:<24} {row['kind'] or '?':<10} {row.get('description', '')}  [from {row['origin']}]")
