"""`workbench tasks validate`: what can be checked of a task file before a run, with or without its data."""

from __future__ import annotations

from pathlib import Path

from workbench.errors import WorkBenchError
from workbench.taskfiles.spec import TaskSpec, load_task_spec


def static_problems(path: Path, spec: TaskSpec) -> list[str]:
    """Problems visible without data: the file name against `name:`, the loader, loader / split method."""
    from workbench.sources import assigns_splits, source_problems

    problems = []
    if path.stem != spec.name:
        problems.append(
            f"name: {spec.name!r} differs from the file name {path.name!r} "
            f"(the catalog finds a task as tasks/<name>.yaml: rename the file to {spec.name}.yaml)"
        )
    try:
        splits_given = assigns_splits(spec.source.loader)
    except WorkBenchError as err:
        return problems + [f"source.loader: {err}"]
    problems += source_problems(spec.source)  # roles and parameters the loader does not read, wrong types
    if spec.splits.method != "hash" and not splits_given:
        problems.append(
            f"splits.method: loader {spec.source.loader!r} assigns no splits, so method "
            f"{spec.splits.method!r} leaves every query without one; use method: hash with fractions "
            "(a test-only set: fractions: {test: 1.0}, available: [test, full])"
        )
    return problems


def validate_task_file(path: str | Path, data_dir: Path | None) -> tuple[TaskSpec, dict[str, dict]]:
    """The spec and its sizes per split (built from ``data_dir``; {} without one); raises WorkBenchError
    listing every problem found.

    Files are never fetched here: a missing one is a finding, named with the command that fetches it.
    """
    from workbench.data.settings import fetching
    from workbench.running.task import Task

    path = Path(path)
    if not path.exists() and not path.is_symlink():  # a pipe, folder or link loop: read_yaml says which
        raise WorkBenchError(f"no such task file: {path}")
    spec = load_task_spec(path)
    problems = static_problems(path, spec)
    if problems:
        raise WorkBenchError(f"{path}: invalid task file\n  " + "\n  ".join(problems))
    if data_dir is None:
        return spec, {}
    with fetching(False):
        try:
            return spec, Task(spec, data_dir=data_dir).sizes()
        except WorkBenchError as err:
            raise WorkBenchError(f"{path}: does not build from {data_dir}: {err}") from None
