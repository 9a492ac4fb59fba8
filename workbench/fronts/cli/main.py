"""`workbench`: the command line's root group. Each command group lives in its own module of this package; the
plugins' groups (the leaderboard, the UWE reference model, third-party packages) come by the entry point
group `workbench.commands`, imported only when invoked, so `workbench --help` and light commands never import
torch or matplotlib."""

from __future__ import annotations

import click

from workbench import __version__
from workbench.fronts.cli.audit import audit
from workbench.fronts.cli.data import data
from workbench.fronts.cli.groups import CommandGroup
from workbench.fronts.cli.latency import latency
from workbench.fronts.cli.models import models
from workbench.fronts.cli.results import results
from workbench.fronts.cli.run import run
from workbench.fronts.cli.tasks import tasks
from workbench.plugins import COMMANDS


@click.group(cls=CommandGroup, plugins=COMMANDS)
@click.version_option(__version__, prog_name="workbench")
def main():
    """WorkBench: ranking benchmark for the work domain."""


for command in (tasks, run, models, data, audit, latency, results):
    main.add_command(command)


if __name__ == "__main__":
    main()
