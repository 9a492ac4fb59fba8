"""Zero-shot marking: does a model's declared training data overlap a task?

This is the single place the rule lives, so the leakage audit can refine it later.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from workbench.spec import TaskSpec


def _norm(text: str) -> str:
    return str(text).strip().lower().replace("\\", "/")


def task_identifiers(task_spec: TaskSpec) -> set[str]:
    """Names under which a task's data may be declared: the task name, its loader, and each source
    file both as the path relative to the data directory and as the bare file name."""
    names = {task_spec.name, task_spec.source.loader}
    for rel in task_spec.source.files.values():
        names.add(rel)
        names.add(PurePosixPath(_norm(rel)).name)
    return {_norm(n) for n in names if str(n).strip()}


def declared_training(model_record: Any) -> set[str]:
    """`model.training_data` plus `model.trained_on` (graphs/tasks a fine-tuned variant saw)."""
    declared = list(getattr(model_record, "training_data", None) or []) + list(getattr(model_record, "trained_on", None) or [])
    return {_norm(d) for d in declared if str(d).strip()}


def overlaps(model_record: Any, task_spec: TaskSpec) -> bool:
    """True when the model declares training data that overlaps the task, i.e. its score on the task is
    not zero-shot.

    Current rule (exact, case-insensitive string match after trimming): an entry of
    `model.training_data` or `model.trained_on` equals the task name, the task's loader name, a
    source file path (as written in the task spec, relative to the data directory) or that file's
    bare name. Undeclared leakage is not detected here; the leakage audit can widen the rule
    (shared ontologies, concept-level overlap) without touching the callers.
    """
    return bool(declared_training(model_record) & task_identifiers(task_spec))
