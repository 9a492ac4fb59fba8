"""Fronts: the `workbench` command line, `workbench.evaluate` in Python, and the generated task docs."""
