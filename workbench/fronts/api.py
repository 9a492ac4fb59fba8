"""`workbench.evaluate(model, tasks=..., split=..., output=...)`: `workbench run` for a model held in Python.

The model may be any object `workbench.models.adapters.as_model` takes (a SentenceTransformer, an object with
`encode(sentences, **kwargs)`, a callable `texts -> array`, a workbench model) or a model spec string
(`load_model`). Result files are placed, reused and written by the runner's own `evaluate_into`, so a
file made here is the file `workbench run` would make (same path, same reuse rules).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.models.adapters import as_model


def evaluate(
    model: Any,
    tasks: str | list[str] = "workbench-core",
    *,
    split: str = "test",
    output: str | Path = "results",
    name: str | None = None,
    revision: str | None = None,
    limit: int | None = None,
    ties: str = "average",
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = False,
    log=None,
) -> list[dict[str, Any]]:
    """Evaluate `model` on `tasks` (names, suites or task files; a list or comma-separated) and write one
    result file per task under `output`. Returns one row per task, ready for `pandas.DataFrame(...)`:
    model, revision, task, split, main_score, score, status (written / reused / skipped / failed), path, error.
    """
    from workbench.data.settings import caching_in, resolve_data_dir, usable_cache_dir
    from workbench.models.registry import load_model
    from workbench.names import check_name
    from workbench.results.result_file import read_result
    from workbench.running.runner import evaluate_into, failure_message, lacks_split, output_lock
    from workbench.running.task import Task
    from workbench.taskfiles.catalog import resolve_task_list

    if name is not None:  # the name becomes the result folder: refused before a model loads or a folder is made
        check_name(name, "name=: model name")
    model = load_model(model) if isinstance(model, str) else model
    model = as_model(model, name=name, revision=revision)
    selection = tasks if isinstance(tasks, str) else ",".join(tasks)
    output, rows = Path(output), []
    say = log or (lambda message: None)
    with output_lock(output), caching_in(usable_cache_dir(cache_dir)):
        for spec in resolve_task_list(selection):
            row = {
                "model": model.info.name,
                "revision": model.info.revision,
                "task": spec.name,
                "split": split,
                "main_score": spec.main_score,
                "score": None,
                "status": "skipped",
                "path": None,
                "error": None,
            }
            rows.append(row)
            if lacks_split(spec, split, say):
                continue
            try:
                task = Task(spec, data_dir=resolve_data_dir(data_dir), cache_dir=cache_dir)
                path, written = evaluate_into(
                    model, task, split, output, ties=ties, limit=limit, progress=progress, log=say
                )
            except Exception as err:  # one failed task never stops the others (a model's own error included)
                row.update(status="failed", error=failure_message(err))
                continue
            row.update(status="written" if written else "reused", path=str(path), score=read_result(path).main_score)
    return rows
