"""`python -m workbench.fronts.cli`: the `workbench` command."""

from workbench.fronts.cli.main import main

main()
