"""Zero-shot marking: does a model's declared training data overlap a task?

This is the single place the rule lives, so the leakage audit can refine it later.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from workbench.models.model import UNDISCLOSED
from workbench.taskfiles.spec import TaskSpec


def _norm(text: str) -> str:
    return str(text).strip().lower().replace("\\", "/")


def _family(name: str) -> str:
    return f"{name}:"  # the colon keeps a family marker from ever equalling a task, loader or file name


def task_identifiers(task_spec: TaskSpec) -> set[str]:
    """Names under which a task's data may be declared: the task name, its loader, each source file
    both as the path relative to the data directory and as the bare file name, and a family marker
    for each folder above a source file (esco/v1.1.1/x.zip gives "esco:" and "v1.1.1:")."""
    names = {task_spec.name, task_spec.source.loader}
    families = set()
    for rel in task_spec.source.files.values():
        names.add(rel)
        path = PurePosixPath(_norm(rel))
        names.add(path.name)
        families.update(_family(part) for part in path.parts[:-1])
    return {_norm(n) for n in names if str(n).strip()} | families


def declared_training(model_record: Any) -> set[str]:
    """`model.training_data` plus `model.trained_on` (graphs/tasks a fine-tuned variant saw).

    A structured entry "family:release:detail" (e.g. "esco:v1.1.1:train-partition:occupation-skill",
    "decorte:house+tech:validation") also declares its family ("esco:"), which overlaps every task
    reading files from a folder of that name: training on one split of a dataset makes its other
    splits not zero-shot (MTEB's convention)."""
    declared = list(getattr(model_record, "training_data", None) or []) + list(
        getattr(model_record, "trained_on", None) or []
    )
    out = set()
    for entry in declared:
        if str(entry).strip():
            out.add(_norm(entry))
            if ":" in str(entry):
                out.add(_family(_norm(entry).split(":", 1)[0]))
    return out


def training_declared(model_record: Any) -> bool:
    """False when zero-shot status cannot be known: no training data declared at all, or "undisclosed"."""
    entries = {_norm(e) for e in (getattr(model_record, "training_data", None) or []) if str(e).strip()}
    return bool(entries) and UNDISCLOSED not in entries


def zero_shot(model_record: Any, task_spec: TaskSpec) -> bool | None:
    """True / False for a model that declares its training data (see `overlaps`); None (unknown) when it
    declares none or only "undisclosed" — unless its declared `trained_on` already overlaps the task."""
    if overlaps(model_record, task_spec):
        return False
    return True if training_declared(model_record) else None


def overlaps(model_record: Any, task_spec: TaskSpec) -> bool:
    """True when the model declares training data that overlaps the task, i.e. its score on the task is
    not zero-shot.

    Rule (exact, case-insensitive string match after trimming): an entry of `model.training_data` or
    `model.trained_on` equals the task name, the task's loader name, a source file path (as written
    in the task spec, relative to the data directory) or that file's bare name; or a structured
    entry's family names a folder the task reads from (see `declared_training`). Undeclared leakage is not detected here; the leakage audit can widen the rule
    (shared ontologies, concept-level overlap) without touching the callers.
    """
    return bool(declared_training(model_record) & task_identifiers(task_spec))
