"""Versioned result files: one JSON file per (model, task, split).

Per-query scores are stored compactly (little-endian float32, base64) next to the query ids' hash,
so the leaderboard can recompute aggregates, bootstrap intervals and paired tests, and reject
files whose stored aggregates disagree with their per-query values.
"""
from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import __version__
from .errors import WorkBenchError
from .io import atomic_write_json, sha256_text, stable_hash

SCHEMA_VERSION = 1
AGGREGATE_TOLERANCE = 1e-6


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskRecord(_Strict):
    name: str
    version: int
    group: str
    spec_hash: str
    main_score: str
    query_type: str
    target_type: str
    languages: dict[str, list[str]]
    subset: str | None = None
    synthetic: bool = False


class ModelRecord(_Strict):
    name: str
    revision: str
    kind: str
    parameters: int | None = None
    embedding_dim: int | None = None
    license: str = "unknown"
    training_data: list[str] = Field(default_factory=list)
    trained_on: list[str] | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    prompts: dict[str, str | None] = Field(default_factory=dict)


class PerQuery(_Strict):
    query_ids_sha256: str
    query_ids: list[str] | None = None
    encoding: str = "float32-le-base64"
    values: dict[str, str]

    def decode(self) -> dict[str, np.ndarray]:
        return {name: np.frombuffer(base64.b64decode(blob), dtype="<f4").astype(np.float64)
                for name, blob in self.values.items()}


class Timing(_Strict):
    encode_seconds: float = 0.0
    scoring_seconds: float = 0.0
    total_seconds: float = 0.0
    texts_encoded: int = 0


class ResultFile(_Strict):
    schema_version: int
    workbench_version: str
    created_at: str
    fingerprint: str
    official: bool
    task: TaskRecord
    split: str
    model: ModelRecord
    data_files: dict[str, str]
    config: dict[str, Any]
    sizes: dict[str, int]
    scores: dict[str, float]
    per_query: PerQuery
    timing: Timing
    environment: dict[str, Any] = Field(default_factory=dict)
    latency: dict[str, Any] | None = None

    @property
    def main_score(self) -> float:
        return self.scores[self.task.main_score]

    def check_aggregates(self) -> None:
        """Stored aggregates must equal the mean of the per-query values (detects edited files)."""
        try:
            decoded = self.per_query.decode()
        except ValueError as err:  # binascii.Error is a ValueError
            raise WorkBenchError(f"per-query values are not float32 little-endian base64 ({err})") from None
        if set(decoded) != set(self.scores):
            raise WorkBenchError(f"metrics in scores {sorted(self.scores)} differ from per-query metrics {sorted(decoded)}")
        for name, values in decoded.items():
            if len(values) != self.sizes.get("queries"):
                raise WorkBenchError(f"per-query {name}: {len(values)} values for {self.sizes.get('queries')} queries")
            if not np.isfinite(values).all():
                raise WorkBenchError(f"per-query {name} holds NaN/inf values")
            if not abs(float(values.mean()) - self.scores[name]) <= AGGREGATE_TOLERANCE:  # also catches a NaN score
                raise WorkBenchError(
                    f"stored {name} = {self.scores[name]:.6f} but the per-query values average {values.mean():.6f}: file was edited or corrupted"
                )


def encode_per_query(query_ids: list[str], values: dict[str, np.ndarray], keep_ids: bool = True) -> PerQuery:
    blobs = {name: base64.b64encode(np.asarray(v, dtype="<f4").tobytes()).decode("ascii") for name, v in values.items()}
    return PerQuery(query_ids_sha256=sha256_text("\n".join(query_ids)), query_ids=list(query_ids) if keep_ids else None, values=blobs)


def aggregate_scores(per_query: PerQuery) -> dict[str, float]:
    """Means of the float32 values as stored, so the file's aggregates are exactly reproducible from it."""
    return {name: float(values.mean()) for name, values in per_query.decode().items()}


def fingerprint(**parts: Any) -> str:
    """Everything that determines a result; a rerun reuses a file only when this matches."""
    return stable_hash(parts)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "model"


def result_path(output_dir: Path, model_name: str, task_name: str, task_version: int, split: str) -> Path:
    return Path(output_dir) / slug(model_name) / f"{task_name}__v{task_version}__{split}.json"


def write_result(path: Path, result: ResultFile) -> None:
    atomic_write_json(path, result.model_dump(mode="json"))


def read_result(path: Path, *, check: bool = True) -> ResultFile:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise WorkBenchError(f"{path}: not a readable JSON result file ({err})") from None
    if not isinstance(data, dict):
        raise WorkBenchError(f"{path}: a result file must hold a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise WorkBenchError(
            f"{path}: schema_version {version!r} is not supported (this is workbench {__version__}, schema {SCHEMA_VERSION})"
        )
    try:
        result = ResultFile.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise WorkBenchError(f"{path}: invalid result file at {where}: {first['msg']}") from None
    if check:
        try:
            result.check_aggregates()
        except WorkBenchError as err:
            raise WorkBenchError(f"{path}: {err}") from None
    return result
