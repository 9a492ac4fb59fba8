"""Versioned result files: one JSON file per (model, task, split).

Per-query scores are stored compactly (little-endian float32, zlib, base64: `per_query_codec`, which
also reads the older uncompressed form) next to the query ids (zlib-compressed the same way, or the older
plain list) and their hash,
so the leaderboard can recompute aggregates, bootstrap intervals and paired tests, and reject
files whose stored aggregates disagree with their per-query values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationError, field_validator

from workbench import __version__
from workbench.data.datafiles import data_key_problem
from workbench.errors import WorkBenchError
from workbench.io import atomic_write_json, open_regular, sha256_text, stable_hash
from workbench.metrics.names import parse_metric
from workbench.names import hidden_character
from workbench.results import per_query_codec
from workbench.schema import Strict

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
        hidden = hidden_character(name)
        if hidden is not None:
            raise ValueError(f"a model name must not hold control or format characters (found {hidden!r})")
        return name


class PerQuery(Strict):
    query_ids_sha256: str
    query_ids: list[str] | None = None
    encoding: str = "float32-le-base64"
    values: dict[str, str]

    def decode(self, max_values: int | None = None) -> dict[str, np.ndarray]:
        """float32 values per metric, from blobs of either form of `per_query_codec`; a compressed blob is
        inflated to at most one value more than `max_values` (the file's query count; None: the codec's ceiling)."""
        return {name: per_query_codec.unpack(blob, max_values) for name, blob in self.values.items()}


class Timing(Strict):
    encode_seconds: float = 0.0
    scoring_seconds: float = 0.0
    total_seconds: float = 0.0
    texts_encoded: int = 0


class ResultFile(Strict):
    schema_version: int
    workbench_version: str
    # the code that built the dataset and computed the scores (workbench/results/scoring_version.py); None: written
    # before scoring versions existed (still readable; never reused by a run, which recomputes it)
    scoring_version: int | None = None
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

    @field_validator("data_files")
    @classmethod
    def _data_keys_inside(cls, files: dict[str, str]) -> dict[str, str]:
        """Keys are paths relative to a data directory: a checker hashes data_dir/key, so '..' or an
        absolute key would publish the checksum of any file on the checking machine."""
        problem = next(filter(None, map(data_key_problem, files)), None)
        if problem:
            raise ValueError(problem)
        return files

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
            decoded = self.per_query.decode(self.sizes.get("queries"))
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


def result_fingerprint(
    *,
    task_key: str,
    spec_hash: str,
    split: str,
    data: dict[str, str],
    model: str,
    revision: str,
    settings: dict[str, Any],
    config: dict[str, Any],
    scoring_version: int | None,
) -> str:
    """The one fingerprint formula: the identity, the data checksums, the schema and the scoring version.
    Library versions, hardware and dates never enter it. `scoring_version=None` gives the formula of the
    files written before scoring versions (so `workbench results migrate` can check a file's fingerprint)."""
    parts: dict[str, Any] = {
        "task": task_key,
        "spec_hash": spec_hash,
        "split": split,
        "data": data,
        "model": model,
        "revision": revision,
        "settings": settings,
        "config": config,
        "schema": SCHEMA_VERSION,
    }
    if scoring_version is not None:
        parts["scoring"] = scoring_version
    return fingerprint(**parts)


def recorded_fingerprint(result: ResultFile) -> str:
    """The fingerprint a result file's own content gives (equal to its `fingerprint` unless it was edited)."""
    return result_fingerprint(
        task_key=f"{result.task.name}@v{result.task.version}",
        spec_hash=result.task.spec_hash,
        split=result.split,
        data=result.data_files,
        model=result.model.name,
        revision=result.model.revision,
        settings=result.model.settings,
        config=result.config,
        scoring_version=result.scoring_version,
    )


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
        data = json.loads(_read_regular(path).decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (OSError, ValueError) as err:  # ValueError: UnicodeDecodeError, JSONDecodeError, a duplicated key
        raise WorkBenchError(f"{path}: not a readable JSON result file ({err})") from None
    except RecursionError:
        raise WorkBenchError(f"{path}: not a readable JSON result file (its JSON is nested too deeply)") from None
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
    except RecursionError:
        raise WorkBenchError(f"{path}: invalid result file (its JSON is nested too deeply)") from None
    if check:
        try:
            result.check_aggregates()
        except WorkBenchError as err:
            raise WorkBenchError(f"{path}: {err}") from None
    return result


# The largest committed result file takes 0.6 MB; a file may take 100 times that much. A bigger one (or a
# bigger `environment`, which nothing reads but people) is refused before it is read or parsed.
MAX_RESULT_BYTES = 64 * 2**20
MAX_ENVIRONMENT_BYTES = 64 * 2**10
PER_QUERY_ENCODING = "float32-le-base64"  # the one encoding of per-query values (`per_query_codec`)


def _read_regular(path: Path) -> bytes:
    """The bytes of `path` if it is a regular file (after links) of at most MAX_RESULT_BYTES; opening with
    O_NONBLOCK never waits for a writer at a named pipe, and the type is checked on the opened file itself
    (no check-then-open race). No more than the limit is ever read, even from a file that grows."""
    with open_regular(path) as handle:
        size = handle.seek(0, 2)
        handle.seek(0)
        data = handle.read(size + 1) if size <= MAX_RESULT_BYTES else b""  # read(n) allocates n bytes first
    if max(size, len(data)) > MAX_RESULT_BYTES:
        raise WorkBenchError(
            f"{path}: {max(size, len(data))} bytes, more than a result file may hold ({MAX_RESULT_BYTES}); not read"
        )
    return data


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose key appears twice is refused: which of its values counts would be a guess."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def _oversized(data: dict, expected_queries: int | None) -> str | None:
    """Checks on the raw JSON by the query count, before any per-query value is validated or decoded."""
    sizes, per_query = data.get("sizes"), data.get("per_query")
    queries = sizes.get("queries") if isinstance(sizes, dict) else None
    if not isinstance(queries, int) or isinstance(queries, bool) or queries < 0:
        return f"sizes.queries must be a non-negative integer, got {queries!r}"
    if expected_queries is not None and queries != expected_queries:
        return f"sizes.queries is {queries}, but the task's canonical query set has {expected_queries} queries"
    environment = data.get("environment")
    if environment is not None and len(json.dumps(environment)) > MAX_ENVIRONMENT_BYTES:
        return f"environment holds {len(json.dumps(environment))} bytes of JSON; a result file's may hold {MAX_ENVIRONMENT_BYTES}"
    if not isinstance(per_query, dict):
        return None  # the schema check names it
    encoding = per_query.get("encoding", PER_QUERY_ENCODING)
    if encoding != PER_QUERY_ENCODING:  # never decoded: another name must not skip the size checks below
        return f"per_query.encoding {encoding!r} is not known (expected {PER_QUERY_ENCODING!r}); its values are not decoded"
    values = per_query.get("values")
    if isinstance(values, dict):
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
