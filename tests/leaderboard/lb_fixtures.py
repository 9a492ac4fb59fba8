"""Helpers for the leaderboard tests: task specs built in the test and realistic result files (fixtures in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.io import sha256_file
from workbench.results.result_file import (
    SCHEMA_VERSION,
    ModelRecord,
    ResultFile,
    TaskRecord,
    Timing,
    aggregate_scores,
    encode_per_query,
    result_path,
    write_result,
)
from workbench.taskfiles.spec import TaskSpec, parse_task_spec

HOSTILE = "<img src=x onerror=alert(1)>"
PIPE_NAME = "pipe|model `code` *bold* [x](y)"
# The fixture results name data files the package's data manifest does not list, so a board of them is
# built with this data directory (`data_dir=DATA_DIR`): the board checks each file's checksums against it.
DATA_DIR = Path(__file__).with_name("fixture_data")
DATA_SHA = {rel: sha256_file(DATA_DIR / rel) for rel in ("esco/occupations_en.csv", "esco/skills_en.csv")}


def _spec(name: str, group: str, loader: str, files: dict[str, str], version: int = 1) -> TaskSpec:
    return parse_task_spec(
        {
            "name": name,
            "version": version,
            "description": f"Test task {name} for the leaderboard tests.",
            "group": group,
            "query_type": "job_title",
            "target_type": "occupation",
            "languages": {"query": ["en"], "target": ["en"]},
            "source": {"loader": loader, "files": files},
            "splits": {"method": "hash", "fractions": {"val": 0.2, "test": 0.8}},
            "metrics": ["map", "mrr", "rp@10"],
            "main_score": "map",
            "license": "CC-BY-4.0",
            "citation": "test",
        }
    )


@pytest.fixture
def specs() -> list[TaskSpec]:
    return [
        _spec("job-norm", "job_normalization", "esco_titles", {"occupations": "esco/occupations_en.csv"}),
        _spec("job2skill", "job2skill", "esco_relations", {"skills": "esco/skills_en.csv"}),
        _spec("skill-sim", "skill_similarity", "skill_pairs", {"pairs": "annotated/skill_pairs.tsv"}),
    ]


def query_ids(task: str, n: int) -> list[str]:
    return [f"{task}-q{i:04d}" for i in range(n)]


def per_query_values(task: str, quality: float, seed: int, n: int) -> dict[str, np.ndarray]:
    """AP-like per-query values: a shared per-query difficulty (same for every model: paired) times skill, plus noise."""
    difficulty = np.random.default_rng(sum(map(ord, task))).beta(2.0, 2.5, size=n)
    noise = np.random.default_rng(seed).normal(0, 0.08, size=n)
    ap = np.clip(difficulty * quality * 1.6 + noise, 0, 1)
    rp = np.clip(ap + np.random.default_rng(seed + 1).normal(0.03, 0.05, size=n), 0, 1)
    rr = np.clip(ap + 0.15, 0, 1)
    return {"map": ap, "mrr": rr, "rp@10": rp}


def make_result(
    spec: TaskSpec,
    model: str,
    *,
    quality: float = 0.5,
    seed: int = 0,
    n: int = 150,
    created_at: str = "2025-01-01T00:00:00+00:00",
    official: bool = True,
    revision: str | None = None,
    trained_on: list[str] | None = None,
    training_data: list[str] | None = None,
    settings: dict | None = None,
    latency: dict | None = None,
    parameters: int | None = None,
    variant_of: str | None = None,
    ids: list[str] | None = None,
    values: dict[str, np.ndarray] | None = None,
    data_files: dict[str, str] | None = None,
    version: int | None = None,
    split: str = "test",
) -> ResultFile:
    ids = ids or query_ids(spec.name, n)
    values = values or per_query_values(spec.name, quality, seed, len(ids))
    pq = encode_per_query(ids, values)
    return ResultFile(
        schema_version=SCHEMA_VERSION,
        workbench_version="0.1.0",
        created_at=created_at,
        fingerprint=f"fp-{model}-{spec.name}",
        official=official,
        task=TaskRecord(
            name=spec.name,
            version=version or spec.version,
            group=spec.group,
            spec_hash=spec.spec_hash,
            main_score=spec.main_score,
            query_type=spec.query_type,
            target_type=spec.target_type,
            languages=spec.languages.model_dump(),
        ),
        split=split,
        model=ModelRecord(
            name=model,
            revision=revision or f"rev-{model}",
            kind="embedding",
            parameters=parameters,
            embedding_dim=384,
            license="apache-2.0",
            training_data=["generic web text"] if training_data is None else training_data,
            trained_on=trained_on,
            variant_of=variant_of,
            settings=settings or {},
            prompts={"query": "query: ", "target": None},
        ),
        data_files=dict(DATA_SHA if data_files is None else data_files),
        config={"ties": "average", "limit": None},
        sizes={"queries": len(ids), "targets": 500, "positives": 3 * len(ids)},
        scores=aggregate_scores(pq),
        per_query=pq,
        timing=Timing(total_seconds=1.0),
        environment={"python": "3.x"},
        latency=latency,
    )


def write(results_dir: Path, result: ResultFile, name: str | None = None) -> Path:
    path = result_path(results_dir, result.model.name, result.task.name, result.task.version, result.split)
    if name:
        path = path.with_name(name)
    write_result(path, result)
    return path


# Model name -> (quality, seed, extra keyword arguments). One clearly best model, a near-tie pair,
# a fine-tuned variant of a base, a hostile name, a name full of Markdown syntax.
MODELS = {
    "strong-model": (0.80, 11, {"parameters": 335_000_000, "latency": {"ms_per_query_mean": 12.5}}),
    "uwe-base": (0.50, 21, {"trained_on": [], "parameters": 110_000_000, "latency": {"mean_ms": 4.0}}),
    "uwe-ft-jobnorm": (
        0.50,
        21,
        {
            "trained_on": ["job-norm"],
            "settings": {"base_model": "uwe-base", "epochs": 1},
            "parameters": 110_000_000,
            "latency": {"mean_ms": 4.1},
        },
    ),
    "bm25": (0.40, 31, {"latency": {"ms_per_query_mean": 0.8}}),
    HOSTILE: (0.45, 41, {}),
    PIPE_NAME: (0.42, 51, {}),
}


@pytest.fixture
def populated(tmp_path, specs) -> Path:
    """A results folder with six complete models, one model missing a task, and a few bad files."""
    root = tmp_path / "results"
    for model, (quality, seed, extra) in MODELS.items():
        for i, spec in enumerate(specs):
            q = quality + (0.15 if model == "uwe-ft-jobnorm" and spec.name == "job-norm" else 0.0)
            values = per_query_values(spec.name, q, seed + i, 150)
            if model == "uwe-ft-jobnorm":
                # fine-tuning moves some query on every task: per-query values equal to uwe-base's would make
                # the board refuse one of the two as a renamed copy (identity.py)
                values = {
                    m: np.concatenate([[v[0] + 0.001 if v[0] <= 0.999 else v[0] - 0.001], v[1:]])
                    for m, v in values.items()
                }
            write(root, make_result(spec, model, seed=seed + i, values=values, **extra))
    for spec in specs[:2]:  # incomplete: no skill-sim result
        write(root, make_result(spec, "partial-model", quality=0.9, seed=61))
    return root
