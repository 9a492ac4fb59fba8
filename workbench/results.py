"""Versioned result files: one JSON file per (model, task, split).

Per-query scores are stored compactly (little-endian float32, zlib, base64: `per_query_codec`, which
also reads the older uncompressed form) next to the query ids (zlib-compressed the same way, or the older
plain list) and their hash,
so the leaderboard can recompute aggregates, bootstrap intervals and paired tests, and reject
files whose stored aggregates disagree with their per-query values.
"""

from __future__ import annotations

import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationError, field_validator

from . import __version__, per_query_codec
from .errors import WorkBenchError
from .io import atomic_write_json, sha256_text, stable_hash
from .metrics.names import parse_metric
from .schema import Strict

SCHEMA_VERSION = 1
AGGREGATE_TOLERANCE = 1e-6
RANGE_TOLERANCE = 1e-6  # float32 rounding of a value at a bound


class TaskRecord(Strict):
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


class ModelRecord(Strict):
    name: str
    revision: str
    kind: str
    parameters: int | None = None
    embedding_dim: int | None = None
    license: str = "unknown"
    training_data: list[str] = Field(default_factory=list)
    trained_on: list[str] | None = None
    variant_of: str | None = None  # see ModelInfo.variant_of
    settings: dict[str, Any] = Field(default_factory=dict)
    prompts: dict[str, str | None] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _visible_name(cls, name: str) -> str:
        """A board row needs a visible name that reads the same everywhere: no control characters, no
        bidirectional overrides or other invisible format characters (Unicode categories Cc, Cf)."""
        if not name.strip():
            raise ValueError("a model name must not be empty or blank")
        hidden = [c for c in name if unicodedata.category(c) in ("Cc", "Cf")]
        if hidden:
            raise ValueError(f"a model name must not hold control or format characters (found {hidden[0]!r})")
        return name


class PerQuery(Strict):
    query_ids_sha256: str
    query_ids: list[str] | None = None
    encoding: str = "float32-le-base64"
    values: dict[str, str]

    def decode(self) -> dict[str, np.ndarray]:
        """float32 values per metric, from blobs of either form of `per_query_codec`."""
        return {name: per_query_codec.unpack(blob) for name, blob in self.values.items()}


class Timing(Strict):
    encode_seconds: float = 0.0
    scoring_seconds: float = 0.0
    total_seconds: float = 0.0
    texts_encoded: int = 0


class ResultFile(Strict):
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
        """Stored aggregates must equal the mean of the per-query values (detects edited files), every value
        must lie in its metric's range, and `official` must agree with the run's limit."""
        limited = self.config.get("limit") is not None
        if self.official and limited:
            raise WorkBenchError(
                f"official: true, but config.limit is {self.config['limit']!r}: a --limit run is never official"
            )
        try:
            decoded = self.per_query.decode()
        except ValueError as err:  # binascii.Error is a ValueError
            raise WorkBenchError(f"per-query values are not float32 little-endian base64 ({err})") from None
        ids = self.per_query.query_ids
        if ids is not None and sha256_text("\n".join(ids)) != self.per_query.query_ids_sha256:
            raise WorkBenchError("per_query.query_ids do not hash to per_query.query_ids_sha256")
        if set(decoded) != set(self.scores):
            raise WorkBenchError(
                f"metrics in scores {sorted(self.scores)} differ from per-query metrics {sorted(decoded)}"
            )
        for name, values in decoded.items():
            if len(values) != self.sizes.get("queries"):
                raise WorkBenchError(f"per-query {name}: {len(values)} values for {self.sizes.get('queries')} queries")
            if not np.isfinite(values).all():
                raise WorkBenchError(f"per-query {name} holds NaN/inf values")
            low, high = metric_range(name)
            outside = (values < low - RANGE_TOLERANCE) | (values > high + RANGE_TOLERANCE)
            if outside.any():
                raise WorkBenchError(
                    f"per-query {name} holds {int(outside.sum())} values outside [{low}, {high}] "
                    f"(e.g. {values[outside][0]:g})"
                )
            if not abs(float(values.mean()) - self.scores[name]) <= AGGREGATE_TOLERANCE:  # also catches a NaN score
                raise WorkBenchError(
                    f"stored {name} = {self.scores[name]:.6f} but the per-query values average {values.mean():.6f}: file was edited or corrupted"
                )


def metric_range(name: str) -> tuple[float, float]:
    """Every metric of `metrics.names` (AP, RR, R-precision, nDCG, recall, hit, precision) is a fraction."""
    try:
        parse_metric(name)
    except ValueError as err:
        raise WorkBenchError(str(err)) from None
    return 0.0, 1.0


def encode_per_query(query_ids: list[str], values: dict[str, np.ndarray], keep_ids: bool = True) -> PerQuery:
    blobs = {name: per_query_codec.pack(v) for name, v in values.items()}
    return PerQuery(
        query_ids_sha256=sha256_text("\n".join(query_ids)),
        query_ids=list(query_ids) if keep_ids else None,
        values=blobs,
    )


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
    """The query ids are written compressed (`per_query_codec.pack_ids`); `read_result` reads either form."""
    data = result.model_dump(mode="json")
    if result.per_query.query_ids is not None:
        data["per_query"]["query_ids"] = per_query_codec.pack_ids(result.per_query.query_ids)
    atomic_write_json(path, data)


def read_result(
    path: Path, *, check: bool = True, canonical_queries: Callable[[dict], int | None] | None = None
) -> ResultFile:
    """Read and validate a result file. Only a regular file is opened (a named pipe would block forever).

    A file holding more per-query data than its query count allows is refused before anything is
    decoded; so is, with `canonical_queries` (the raw JSON -> the canonical query count of its task, or
    None when unknown), a file claiming another count than its task's. Query ids of either form of
    `per_query_codec` read as the same list.
    """
    path = Path(path)
    try:
        data = json.loads(_read_regular(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise WorkBenchError(f"{path}: not a readable JSON result file ({err})") from None
    if not isinstance(data, dict):
        raise WorkBenchError(f"{path}: a result file must hold a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise WorkBenchError(
            f"{path}: schema_version {version!r} is not supported (this is workbench {__version__}, schema {SCHEMA_VERSION})"
        )
    problem = _oversized(data, canonical_queries(data) if canonical_queries is not None else None) or _unpack_query_ids(
        data
    )
    if problem:
        raise WorkBenchError(f"{path}: {problem}")
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


def _read_regular(path: Path) -> bytes:
    """The bytes of `path` if it is a regular file (after links); opening with O_NONBLOCK never waits for a
    writer at a named pipe, and the type is checked on the opened file itself (no check-then-open race)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file (named pipe, device or folder); it is not read")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def _oversized(data: dict, expected_queries: int | None) -> str | None:
    """Checks on the raw JSON by the query count, before any per-query value is validated or decoded."""
    sizes, per_query = data.get("sizes"), data.get("per_query")
    queries = sizes.get("queries") if isinstance(sizes, dict) else None
    if not isinstance(queries, int) or isinstance(queries, bool) or queries < 0:
        return f"sizes.queries must be a non-negative integer, got {queries!r}"
    if expected_queries is not None and queries != expected_queries:
        return f"sizes.queries is {queries}, but the task's canonical query set has {expected_queries} queries"
    if not isinstance(per_query, dict):
        return None  # the schema check names it
    values = per_query.get("values")
    if per_query.get("encoding", "float32-le-base64") == "float32-le-base64" and isinstance(values, dict):
        for name, blob in values.items():
            problem = per_query_codec.size_problem(name, blob, queries) if isinstance(blob, str) else None
            if problem:
                return problem
    return None


def _unpack_query_ids(data: dict) -> str | None:
    """Replaces the raw JSON's query ids, of either form, by their plain list (in place), after `_oversized`
    checked `sizes.queries`; why they cannot be, or None (a value of another type is left to the schema)."""
    per_query = data.get("per_query")
    if not isinstance(per_query, dict) or per_query.get("query_ids") is None:
        return None
    try:
        per_query["query_ids"] = per_query_codec.unpack_ids(per_query["query_ids"], data["sizes"]["queries"])
    except ValueError as err:
        return str(err)
    return None
