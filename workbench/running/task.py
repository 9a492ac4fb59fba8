"""A task: its spec (task file) plus the data directory; its dataset (built by `workbench.dataset.builder`), the
evaluation of a model on a split, and the result file that records it."""

from __future__ import annotations

import platform
import time
from pathlib import Path

import numpy as np

from workbench import __version__
from workbench.caches.embeddings import CachedModel
from workbench.data.settings import resolve_data_dir, usable_cache_dir
from workbench.dataset.builder import DatasetBuilder
from workbench.dataset.ranking import RankingDataset
from workbench.errors import WorkBenchError
from workbench.metrics.publisher import PUBLISHER, publisher_protocol
from workbench.metrics.stats import TIE_POLICIES
from workbench.models.adapters import as_model
from workbench.models.model import model_kind
from workbench.results.result_file import (
    SCHEMA_VERSION,
    ModelRecord,
    ResultFile,
    TaskRecord,
    Timing,
    aggregate_scores,
    encode_per_query,
    now_iso,
    result_fingerprint,
)
from workbench.results.scoring_version import SCORING_VERSION, scoring_code_digest
from workbench.scoring.matrix import score_dataset
from workbench.taskfiles.catalog import get_task_spec
from workbench.taskfiles.spec import TaskSpec


def environment(model_info=None) -> dict:
    """Where and with what a result was computed: recorded, never part of its identity or fingerprint. The
    model's own library versions and runtime (threads) come from its info."""
    import scipy

    out = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scoring_code_sha256": scoring_code_digest(),
    }
    if model_info is not None:
        out["libraries"] = dict(getattr(model_info, "libraries", None) or {})
        if getattr(model_info, "runtime", None):
            out["runtime"] = dict(model_info.runtime)
    return out


class Task:
    def __init__(self, spec: TaskSpec, data_dir: str | Path | None = None, cache_dir: str | Path | None = None):
        self.spec = spec
        # cache_dir None: not writable, the task runs without a cache
        self.builder = DatasetBuilder(spec, resolve_data_dir(data_dir), usable_cache_dir(cache_dir))

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def data_dir(self) -> Path:
        return self.builder.data_dir

    @property
    def cache_dir(self) -> Path | None:
        return self.builder.cache_dir

    @property
    def files(self) -> dict[str, Path]:
        return self.builder.files

    @property
    def data_checksums(self) -> dict[str, str]:
        return self.builder.data_checksums

    @property
    def full_dataset(self) -> RankingDataset:
        """The task's ranking dataset, every split (built once: `DatasetBuilder`)."""
        return self.builder.full_dataset

    def dataset(self, split: str = "test") -> RankingDataset:
        return self.builder.dataset(split)

    def sizes(self) -> dict[str, dict]:
        return self.builder.sizes()

    def result_fingerprint(self, model_info, split: str, config: dict) -> str:
        return result_fingerprint(
            task_key=self.spec.key,
            spec_hash=self.spec.spec_hash,
            split=split,
            data=self.data_checksums,
            model=model_info.name,
            revision=model_info.revision,
            settings=model_info.settings,
            config=config,
            scoring_version=SCORING_VERSION,
        )

    def evaluate(
        self,
        model,
        split: str = "test",
        *,
        limit: int | None = None,
        ties: str = "average",
        use_cache: bool = True,
        progress: bool = True,
        keep_query_ids: bool = True,
    ) -> ResultFile:
        """Score `model` (a workbench model, a SentenceTransformer, an object with encode(sentences, ...)
        or a callable texts -> array; see workbench.models.adapters) on a split; the result file's content."""
        if ties not in (*TIE_POLICIES, PUBLISHER):  # checked before any data or model work
            raise WorkBenchError(f"unknown ties {ties!r}: expected one of {', '.join((*TIE_POLICIES, PUBLISHER))}")
        # ties "publisher": the task's publisher's own scoring (metrics.publisher), not our tie expectation
        protocol = publisher_protocol(self.name, self.spec.source.loader) if ties == PUBLISHER else None
        started = time.perf_counter()
        model = as_model(model)
        if model_kind(model) == "embedding":  # the one place the embedding cache is put around a model
            folder = self.cache_dir / "embeddings" if use_cache and self.cache_dir is not None else None
            model = CachedModel(model, folder, progress=progress)
        dataset = self.dataset(split)
        if limit is not None:
            dataset = dataset.limit(limit)
        config = {"ties": ties, "limit": limit}
        scored = score_dataset(
            model,
            dataset,
            query_type=self.spec.query_type,
            target_type=self.spec.target_type,
            group=self.spec.group,
            metrics=list(self.spec.metrics),
            ties=ties,
            progress=progress,
            protocol=protocol,
        )
        per_query = encode_per_query(dataset.query_ids.tolist(), scored.per_query, keep_ids=keep_query_ids)
        return self._result_file(model.info, dataset, split, config, scored, per_query, started)

    def _result_file(
        self, info, dataset: RankingDataset, split: str, config: dict, scored, per_query, started: float
    ) -> ResultFile:
        spec = self.spec
        return ResultFile(
            schema_version=SCHEMA_VERSION,
            workbench_version=__version__,
            scoring_version=SCORING_VERSION,
            created_at=now_iso(),
            fingerprint=self.result_fingerprint(info, split, config),
            official=config["limit"] is None,
            # the records' fields are the one list of what a result keeps of the task spec and the model info
            task=TaskRecord(
                **spec.model_dump(include=set(TaskRecord.model_fields) - {"spec_hash"}), spec_hash=spec.spec_hash
            ),
            split=split,
            model=ModelRecord(
                **info.model_dump(include=set(ModelRecord.model_fields) - {"prompts"}), prompts=scored.prompts
            ),
            data_files=self.data_checksums,
            config=config,
            sizes={
                "queries": dataset.n_queries,
                "targets": dataset.n_targets,
                "positives": dataset.n_positives,
                **{k: int(v) for k, v in dataset.stats.items()},
            },
            scores=aggregate_scores(per_query),
            per_query=per_query,
            timing=Timing(
                encode_seconds=scored.encode_seconds,
                scoring_seconds=scored.scoring_seconds,
                total_seconds=time.perf_counter() - started,
                texts_encoded=scored.texts_encoded,
            ),
            environment=environment(info),
        )


def load_task(name_or_path: str, data_dir: str | Path | None = None, cache_dir: str | Path | None = None) -> Task:
    return Task(get_task_spec(name_or_path), data_dir=data_dir, cache_dir=cache_dir)
