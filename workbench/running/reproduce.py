"""The reproduction check: re-score a random sample of a result file's queries with its model and compare
the per-query values. `verify_file` is the board's form of it (`workbench results verify`): the sample size
is derived, the seed comes from the file's bytes, and the outcome is a state for the verification ledger. A forged file can pass every consistency check (aggregates that match edited
per-query values, the canonical query set, values in range); it cannot pass this one while its model loads.

Preconditions, each an error naming what differs: the task file is the catalog's (same version and spec
hash), the data files have the recorded checksums, the split's query ids hash to the recorded hash, and the
model that loads has the recorded revision. The model is loaded with the recorded settings it accepts.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import WorkBenchError
from workbench.io import sha256_file, sha256_text
from workbench.results.file_states import MISMATCHED, NOT_LOADABLE, OTHER_ENVIRONMENT, VERIFIED
from workbench.results.result_file import ResultFile, read_result

TOLERANCE = 1e-4  # embedding models may differ in the last float32 bits with another batch composition

# `results verify` must catch a file whose values were edited on EDITED_SHARE of its queries with probability
# at least CATCH. A uniform sample of n queries (without replacement) misses every edited one with probability
# at most (1 - EDITED_SHARE) ** n, so n >= log(1 - CATCH) / log(1 - EDITED_SHARE): 0.95 ** 90 = 0.0099 -> 90.
EDITED_SHARE = 0.05
CATCH = 0.99
VERIFY_SAMPLE = math.ceil(math.log(1 - CATCH) / math.log(1 - EDITED_SHARE))


class NotLoadable(WorkBenchError):
    """The file's model cannot be loaded here (unknown name, weights that cannot be obtained, other revision)."""


def verify_sample_size(queries: int) -> int:
    """VERIFY_SAMPLE queries, or every query of a smaller file."""
    return min(VERIFY_SAMPLE, queries)


def content_seed(path: Path) -> int:
    """The sample's seed: the first 64 bits of the file's sha256 (any edit draws another sample)."""
    return int(sha256_file(path)[:16], 16)


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
    from workbench.running.task import Task
    from workbench.taskfiles.catalog import get_task_spec

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


def _model_for(path: Path, result: ResultFile, load_model: Callable[..., Any]):
    """The file's model as it was run: loaded with the model's defaults for a default file (the rule of
    `leaderboard regenerate`), else with the recorded settings it accepts; the one whose revision is the
    recorded one is used (a revision covers the settings that change scores). Never a model whose card says
    its weights cannot be obtained (no download, no training from a recipe)."""
    from workbench.models.registry import accepted_settings, registered_card

    name = result.model.name
    card = registered_card(name) or {}
    if card.get("reproducible") is False:
        raise NotLoadable(
            f"model {name!r} does not load here: its card says reproducible: false ({card.get('notes') or 'no reason given'})"
        )
    tried: list[str] = []
    for settings in _candidate_settings(path, result, accepted_settings):
        try:
            model = load_model(name, **settings)
        except Exception as err:  # any failure to build the model (unknown name, missing weights) is one verdict
            tried.append(f"{type(err).__name__}: {err}")
            continue
        if model.info.revision == result.model.revision:
            return model
        tried.append(f"revision {model.info.revision[:12]}… loads here, the file records {result.model.revision[:12]}…")
    raise NotLoadable(f"model {name!r} does not load here ({'; '.join(dict.fromkeys(tried))})")


def _candidate_settings(path: Path, result: ResultFile, accepted: Callable[[str], list[str]]) -> list[dict]:
    try:
        names = set(accepted(result.model.name))
    except Exception:  # an unknown model: loading it says why
        names = set()
    recorded = {k: v for k, v in result.model.settings.items() if k in names}
    first = recorded_settings(Path(path), result, accepted) if names else {}
    return [first] + ([recorded] if recorded != first else [])


def reproduce(
    path: Path,
    *,
    load_model: Callable[..., Any],
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    sample: int = 20,
    seed: int = 0,
    memo_dir: Path | None = None,
) -> Reproduction:
    """Re-score `sample` queries (drawn with `seed`) of the result file at `path`; see the module doc."""
    from workbench.caches.embeddings import CachedModel
    from workbench.models.model import model_kind
    from workbench.scoring.matrix import score_dataset

    result = read_result(path)
    model = _model_for(path, result, load_model)  # first: a model that does not load needs no data to say so
    task = _task_for(result, data_dir, cache_dir)
    dataset = task.dataset(result.split)
    ids = dataset.query_ids.tolist()
    if sha256_text("\n".join(ids)) != result.per_query.query_ids_sha256:
        raise WorkBenchError(f"task {task.name}: the {result.split} queries here are not the file's query set")
    rows = np.sort(np.random.default_rng(seed).choice(len(ids), size=min(sample, len(ids)), replace=False))
    spec = task.spec
    scored = score_dataset(
        CachedModel(model, memo_dir, progress=False)
        if memo_dir is not None and model_kind(model) == "embedding"
        else model,
        dataset._rows(rows),
        query_type=spec.query_type,
        target_type=spec.target_type,
        group=spec.group,
        metrics=sorted(result.scores),
        ties=result.config.get("ties", "average"),
        progress=False,
    )  # no embedding cache from elsewhere is trusted: at most `memo_dir`, written by this same check
    stored = result.per_query.decode()
    out = Reproduction(Path(path), queries=len(rows), metrics=len(stored))
    for metric in sorted(stored):
        new = np.asarray(scored.per_query[metric], dtype=np.float32).astype(np.float64)
        for row, old, value in zip(rows, stored[metric][rows], new, strict=True):
            if not abs(old - value) <= TOLERANCE:
                out.mismatches.append((ids[row], metric, float(old), float(value)))
    return out


@dataclass
class FileVerdict:
    """One result file's outcome of `results verify`: a state of the verification ledger and why."""

    path: Path
    task: str
    state: str  # file_states.VERIFIED / MISMATCHED / NOT_LOADABLE / OTHER_ENVIRONMENT
    detail: str
    sample: int = 0
    queries: int = 0

    def line(self) -> str:
        return f"{self.task}: {self.state} — {self.detail} ({self.path.name})"


def verify_file(
    path: Path,
    *,
    load_model: Callable[..., Any],
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    memo_dir: Path | None = None,
) -> FileVerdict:
    """Re-score `verify_sample_size` queries of the file, drawn with `content_seed`; raises WorkBenchError when
    the file cannot be checked here at all (unreadable, another task spec, data files not the recorded ones)."""
    result = read_result(path)
    queries = int(result.sizes.get("queries", 0))
    sample, seed = verify_sample_size(queries), content_seed(path)
    try:
        outcome = reproduce(
            path,
            load_model=load_model,
            data_dir=data_dir,
            cache_dir=cache_dir,
            sample=sample,
            seed=seed,
            memo_dir=memo_dir,
        )
    except NotLoadable as err:
        return FileVerdict(Path(path), result.task.name, NOT_LOADABLE, str(err), 0, queries)
    if outcome.ok:
        detail = (
            f"matched: {sample} of {queries} queries re-scored (seed {seed:016x} from the file's sha256), "
            f"{outcome.metrics} metrics each within {TOLERANCE:g}"
        )
        return FileVerdict(Path(path), result.task.name, VERIFIED, detail, sample, queries)
    query, metric, stored, new = outcome.mismatches[0]
    detail = (
        f"mismatched at query {query!r}: {metric} stored {stored:.6f}, re-scored {new:.6f} "
        f"({len(outcome.mismatches)} of {sample * outcome.metrics} sampled values differ by more than {TOLERANCE:g})"
    )
    drift = library_drift(result)
    if drift:  # not a verdict on the file: the same code may rank near-ties otherwise with other libraries
        detail += f"; the file records other library versions ({', '.join(drift)}): re-run verify with those"
        return FileVerdict(Path(path), result.task.name, OTHER_ENVIRONMENT, detail, sample, queries)
    return FileVerdict(Path(path), result.task.name, MISMATCHED, detail, sample, queries)


def library_drift(result: ResultFile) -> list[str]:
    """The model libraries the file records at another version than the one installed here. A file can
    claim any versions, but this only ever keeps a row self-reported (never ranked), never verified."""
    from importlib.metadata import PackageNotFoundError, version

    recorded = (result.environment or {}).get("libraries") or {}
    drift = []
    for name, wanted in sorted(recorded.items()):
        try:
            here = version(name)
        except (PackageNotFoundError, ValueError):
            here = "none"
        if str(wanted).split("+")[0] != here.split("+")[0]:  # a local label (+cpu) is the same release
            drift.append(f"{name} {wanted} recorded, {here} here")
    return drift


class LoadOnce:
    """A model loader that builds each (name, settings) once: later calls get the same model, and a failure to
    build it is remembered and raised again at once (so a model that cannot be obtained is tried once per run)."""

    def __init__(self, load_model: Callable[..., Any]):
        self._load_model = load_model
        self._loaded: dict[str, Any] = {}  # (name, settings) key -> model or the exception its loading raised

    def __call__(self, name: str, **settings: Any) -> Any:
        key = json.dumps([name, settings], sort_keys=True, default=str)
        if key not in self._loaded:
            try:
                self._loaded[key] = self._load_model(name, **settings)
            except Exception as err:  # remembered: the next file of this model says the same at once
                self._loaded[key] = err
        if isinstance(self._loaded[key], Exception):
            raise self._loaded[key]
        return self._loaded[key]


class Verifier:
    """`verify_file` over many files: each model is loaded once (a failure to load it is remembered too), and
    target embeddings computed by this verifier are kept in its own temporary folder (files that share a target
    set encode it once; nothing from another cache is trusted). Use as a context manager."""

    def __init__(self, load_model: Callable[..., Any], *, data_dir: Path | None = None, cache_dir: Path | None = None):
        self._load_once, self.data_dir, self.cache_dir = LoadOnce(load_model), data_dir, cache_dir
        self._memo: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Verifier:
        self._memo = tempfile.TemporaryDirectory(prefix="workbench-verify-")
        return self

    def __exit__(self, *exc) -> None:
        if self._memo is not None:
            self._memo.cleanup()

    def verify(self, path: Path) -> FileVerdict:
        memo = Path(self._memo.name) if self._memo is not None else None
        return verify_file(
            path, load_model=self._load_once, data_dir=self.data_dir, cache_dir=self.cache_dir, memo_dir=memo
        )


def recorded_settings(path: Path, result: ResultFile, accepted: Callable[[str], list[str]]) -> dict[str, Any]:
    """The settings a row was run with: none for a default file; for a `-s` file (its name has a settings tag)
    the recorded settings its model accepts."""
    if "__settings-" not in path.stem:
        return {}
    names = set(accepted(result.model.name))
    return {key: value for key, value in result.model.settings.items() if key in names}
