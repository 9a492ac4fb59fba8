"""One exception type for every user-facing failure, so the CLI can print a single clear line."""


class WorkBenchError(Exception):
    """Bad input or configuration; the message names the file, field or value and what was expected."""
