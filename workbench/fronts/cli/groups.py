"""The command group every `workbench` group is made of."""

from __future__ import annotations

import sys

import click

from workbench.errors import WorkBenchError
from workbench.plugins import Registry


class CommandGroup(click.Group):
    """Prints a WorkBenchError as one clear line (no traceback) and exits with status 2.

    `plugins`: a registry of commands that other packages register by entry point (`workbench.plugins`):
    listed by name, imported only when invoked.
    """

    def __init__(self, *args, plugins: Registry | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plugins = plugins

    def list_commands(self, ctx):
        plugged = self.plugins.names() if self.plugins is not None else []
        return sorted({*super().list_commands(ctx), *plugged})

    def get_command(self, ctx, name):
        if self.plugins is not None and name not in self.commands and self.plugins.find(name) == name:
            self.add_command(self.plugins.get(name), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WorkBenchError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
