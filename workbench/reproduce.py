"""The reproduction check: re-score a random sample of a result file's queries with its model and compare
the per-query values. A forged file can pass every consistency check (aggregates that match edited
per-query values, the canonical query set, values in range); it cannot pass this one while its model loads.

Preconditions, each an error naming what differs: the task file is the catalog's (same version and spec
hash), the data files have the recorded checksums, the split's query ids hash to the recorded hash, and the
model that loads has the recorded revision. The model is loaded with the recorded settings it accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import WorkBenchError
from .io import sha256_text
from .results import ResultFile, read_result

TOLERANCE = 1e-4  # embedding models may differ in the last float32 bits with another batch composition


@dataclass
class Reproduction:
    path: Path
    queries: int = 0
    metrics: int = 0
    mismatches: list[tuple[str, str, float, float]] = field(default_factory=list)  # (query, metric, stored, new)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        if self.ok:
            return f"reproduced {self.path}: {self.queries} sampled queries × {self.metrics} metrics agree"
        query, metric, stored, new = self.mismatches[0]
        return (
            f"NOT REPRODUCED {self.path}: {len(self.mismatches)} of {self.queries * self.metrics} sampled values "
            f"differ, e.g. query {query!r} {metric}: stored {stored:.6f}, re-scored {new:.6f}"
        )


def _task_for(result: ResultFile, data_dir: Path | None, cache_dir: Path | None):
    from .catalog import get_task_spec
    from .task import Task

    spec = get_task_spec(result.task.name)
    if (spec.version, spec.spec_hash) != (result.task.version, result.task.spec_hash):
        raise WorkBenchError(
            f"task {spec.name}: the file's version {result.task.version} / spec hash "
            f"{result.task.spec_hash[:12]}… is not the catalog's "
            f"({spec.version} / {spec.spec_hash[:12]}…)"
        )
    task = Task(spec, data_dir=data_dir, cache_dir=cache_dir)
    if task.data_checksums != result.data_files:
        raise WorkBenchError(f"task {spec.name}: the data files here are not the ones the result was computed on")
    return task


def _model_for(result: ResultFile, load_model: Callable[..., Any]):
    from .registry import accepted_settings

    name = result.model.name
    accepted = set(accepted_settings(name))
    model = load_model(name, **{k: v for k, v in result.model.settings.items() if k in accepted})
    if model.info.revision != result.model.revision:
        raise WorkBenchError(
            f"model {name}: revision {model.info.revision[:12]}… loads here, the file records "
            f"{result.model.revision[:12]}…"
        )
    return model


def reproduce(
    path: Path,
    *,
    load_model: Callable[..., Any],
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    sample: int = 20,
    seed: int = 0,
) -> Reproduction:
    """Re-score `sample` queries (drawn with `seed`) of the result file at `path`; see the module doc."""
    from .scoring import score_dataset

    result = read_result(path)
    task = _task_for(result, data_dir, cache_dir)
    dataset = task.dataset(result.split)
    ids = dataset.query_ids.tolist()
    if sha256_text("\n".join(ids)) != result.per_query.query_ids_sha256:
        raise WorkBenchError(f"task {task.name}: the {result.split} queries here are not the file's query set")
    model = _model_for(result, load_model)
    rows = np.sort(np.random.default_rng(seed).choice(len(ids), size=min(sample, len(ids)), replace=False))
    spec = task.spec
    scored = score_dataset(
        model,
        dataset._rows(rows),
        query_type=spec.query_type,
        target_type=spec.target_type,
        group=spec.group,
        metrics=sorted(result.scores),
        ties=result.config.get("ties", "average"),
        progress=False,
    )  # a bare model: no embedding cache is trusted here
    stored = result.per_query.decode()
    out = Reproduction(Path(path), queries=len(rows), metrics=len(stored))
    for metric in sorted(stored):
        new = np.asarray(scored.per_query[metric], dtype=np.float32).astype(np.float64)
        for row, old, value in zip(rows, stored[metric][rows], new, strict=True):
            if not abs(old - value) <= TOLERANCE:
                out.mismatches.append((ids[row], metric, float(old), float(value)))
    return out
