"""The `workbench` command line: one module per command group (`main` is the root)."""
