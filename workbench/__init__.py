"""WorkBench: a ranking benchmark for the work domain.

Importing this package stays light (no torch, no sentence-transformers): heavy
libraries load only when a model that needs them is built.

    import workbench
    rows = workbench.evaluate(model, tasks="esco-jobnorm", split="test", output="results")

`model` may be a SentenceTransformer, an object with `encode(sentences, **kwargs)`, a callable
texts -> array, a workbench model or a model spec (docs/models.md).
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "Task": "workbench.running.task",
    "load_task": "workbench.running.task",
    "evaluate_scores": "workbench.metrics",
    "RankingDataset": "workbench.dataset.ranking",
    "load_model": "workbench.models.registry",
    "evaluate": "workbench.fronts.api",
    "as_model": "workbench.models.adapters",
    # what a model or a task file written outside WorkBench uses (docs/models.md, docs/adding-a-task.md)
    "ModelInfo": "workbench.models.model",
    "model_card": "workbench.models.registry",
    "register": "workbench.models.registry",
    "load_task_spec": "workbench.taskfiles.spec",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


__all__ = ["__version__", *_LAZY]
