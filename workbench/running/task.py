"""A task: its spec (task file) plus the data directory; builds the ranking dataset and evaluates models."""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import itertools
import json
import platform
import sys
import time
from dataclasses import replace
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from workbench import __version__
from workbench.caches.embeddings import CachedModel
from workbench.data.datafiles import ChecksumMemo, checksum_files, resolve_source_files
from workbench.data.settings import caching_in, resolve_data_dir, usable_cache_dir
from workbench.dataset.ranking import RankingDataset
from workbench.errors import WorkBenchError
from workbench.io import atomic_write_bytes, stable_hash
from workbench.metrics.publisher import PUBLISHER, publisher_protocol
from workbench.metrics.stats import TIE_POLICIES
from workbench.models.adapters import as_model
from workbench.models.hashing import source_digest
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
from workbench.sources import LoaderContext, get_loader
from workbench.sources.partition import hash_split
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
        self.data_dir = resolve_data_dir(data_dir)
        self.cache_dir = usable_cache_dir(cache_dir)  # None: not writable, the task runs without a cache

    @property
    def name(self) -> str:
        return self.spec.name

    @cached_property
    def files(self) -> dict[str, Path]:
        return resolve_source_files(self.spec.source.files, self.data_dir, self.name)

    @cached_property
    def data_checksums(self) -> dict[str, str]:
        memo_file = self.cache_dir / "checksums.json" if self.cache_dir is not None else None
        return checksum_files(self.files, self.data_dir, ChecksumMemo(memo_file))

    @cached_property
    def full_dataset(self) -> RankingDataset:
        """The task's ranking dataset (every split), built once per (task file, data, code).

        Building it (parsing the ESCO / O*NET / annotated files, exploding labels, the relevance
        matrix) was a quarter of a warm `workbench run` (py-spy) and ran again in every process and for
        every Task object. It is kept in this process and in <cache>/datasets/, keyed by the task's
        spec hash, the sha256 of its data files (memoised under each file's content key, never its
        metadata: a changed file gives a new key) and the source of the code that builds it (loaders, parsers, dataset).
        """
        loader = get_loader(self.spec.source.loader, task=self.spec)  # its files and params checked first
        key = stable_hash(
            {
                "spec": self.spec.spec_hash,
                "data": self.data_checksums,
                "code": _builder_code_hash(loader),
                "python": sys.version_info[:2],
                "version": __version__,
            }
        )
        if key in _DATASETS:
            return _DATASETS[key]
        path = self.cache_dir / "datasets" / f"{key[:32]}.npz" if self.cache_dir is not None else None
        dataset = _read_dataset(path, key) if path is not None else None
        if dataset is None:
            dataset = self._build_dataset(loader)
            if path is not None:
                # an unwritable cache (or stats that are not JSON) only costs the rebuild
                with contextlib.suppress(OSError, TypeError, ValueError):
                    atomic_write_bytes(path, _dataset_bytes(dataset, key))
        if len(_DATASETS) >= _DATASETS_KEPT:  # a few datasets per process: enough for `tasks list` and suites
            _DATASETS.pop(next(iter(_DATASETS)))
        _DATASETS[key] = dataset
        return dataset

    def _build_dataset(self, loader) -> RankingDataset:
        spec = self.spec
        ctx = LoaderContext(self.data_dir, self.files, dict(spec.source.params), spec.name)
        with caching_in(self.cache_dir):  # read_table's hf-datasets cache: this task's folder, or none
            frames = loader(ctx)
        queries = frames.queries
        if spec.splits.method == "hash":
            fractions = dict(spec.splits.fractions or {})
            queries = queries.assign(split=[hash_split(str(i), fractions, spec.splits.seed) for i in queries["id"]])
        elif "split" not in queries:
            raise WorkBenchError(
                f"task {spec.name}: loader {spec.source.loader!r} assigns no splits but splits.method is {spec.splits.method!r}"
            )
        dataset = RankingDataset.build(
            queries,
            frames.targets,
            frames.qrels,
            duplicate_queries=spec.policies.duplicate_queries,
            duplicate_targets=spec.policies.duplicate_targets,
            exclude_self=spec.policies.exclude_self,
            exclude_pairs=frames.excluded,
            origin=f"task {spec.name}",
        )
        counted = {k: int(v) for k, v in frames.notes.items() if isinstance(v, (int, np.integer)) and v}
        return replace(dataset, stats={**counted, **dataset.stats})

    def dataset(self, split: str = "test") -> RankingDataset:
        if split not in self.spec.splits.available:
            raise WorkBenchError(
                f"task {self.name}: split {split!r} is not offered (available: {self.spec.splits.available})"
            )
        return self.full_dataset.select(split)

    def sizes(self) -> dict[str, dict]:
        """Queries × targets (and positives) per offered split; a split without queries counts zero."""
        full = self.full_dataset
        out = {}
        for split in self.spec.splits.available:
            if split == "full" or (full.query_splits == split).any():
                out[split] = full.select(split).sizes()
            else:
                out[split] = {"queries": 0, "targets": full.n_targets, "positives": 0}
        return out

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


_DATASETS: dict[str, RankingDataset] = {}  # in-process: key -> dataset (treated as read-only by all callers)
_DATASETS_KEPT = 16


# The on-disk form: plain arrays in an .npz read with allow_pickle=False (no pickle: a cache file is
# data, never code). String columns are one UTF-8 text plus offsets, sparse matrices their CSR parts.
_TEXT_COLUMNS = ("query_ids", "query_texts", "target_ids", "target_texts", "query_splits")


def _dataset_bytes(dataset: RankingDataset, key: str) -> bytes:
    arrays: dict[str, np.ndarray] = {"key": np.array(key), "stats": np.array(json.dumps(dataset.stats))}
    for column in _TEXT_COLUMNS:
        values = [str(v) for v in getattr(dataset, column)]
        arrays[f"{column}.text"] = np.frombuffer("".join(values).encode("utf-8"), dtype=np.uint8)
        arrays[f"{column}.offsets"] = np.cumsum([0] + [len(v) for v in values], dtype=np.int64)
    for name in ("relevance", "excluded"):
        matrix = getattr(dataset, name)
        if matrix is not None:
            for part in ("data", "indices", "indptr"):
                arrays[f"{name}.{part}"] = getattr(matrix, part)
            arrays[f"{name}.shape"] = np.array(matrix.shape, dtype=np.int64)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _read_dataset(path: Path, key: str) -> RankingDataset | None:
    """A dataset from the on-disk cache, or None (missing, damaged or another key: rebuilt)."""
    import scipy.sparse as sp

    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            columns = {}
            for column in _TEXT_COLUMNS:
                text = stored[f"{column}.text"].tobytes().decode("utf-8")
                offsets = stored[f"{column}.offsets"].tolist()
                columns[column] = np.array([text[a:b] for a, b in itertools.pairwise(offsets)] or [], dtype=object)
            matrices = {}
            for name in ("relevance", "excluded"):
                if f"{name}.shape" in stored.files:
                    matrices[name] = sp.csr_matrix(
                        (stored[f"{name}.data"], stored[f"{name}.indices"], stored[f"{name}.indptr"]),
                        shape=tuple(stored[f"{name}.shape"].tolist()),
                    )
            stats = json.loads(str(stored["stats"]))
    except Exception:  # missing, damaged or foreign: a cache only ever costs time
        return None
    if "relevance" not in matrices:
        return None
    return RankingDataset(**columns, relevance=matrices["relevance"], excluded=matrices.get("excluded"), stats=stats)


@cache
def _package_code_hash() -> str:
    """sha256 over the source of the modules that turn data files into a dataset."""
    from workbench import sources
    from workbench.dataset import ranking
    from workbench.ontologies import esco
    from workbench.sources import partition

    files = [Path(__file__), Path(ranking.__file__), Path(partition.__file__)]
    files += sorted(Path(sources.__file__).parent.glob("*.py")) + sorted(Path(esco.__file__).parent.glob("*.py"))
    return source_digest((file.name, file) for file in files)


def _builder_code_hash(loader) -> str:
    """The package's builder code plus the loader's own source file (a loader registered outside it)."""
    try:
        loader_source = Path(inspect.getsourcefile(loader) or "").read_bytes()
    except (OSError, TypeError):
        loader_source = repr(loader).encode()
    name = f"{getattr(loader, '__module__', '')}.{getattr(loader, '__qualname__', '')}".encode()
    return hashlib.sha256(_package_code_hash().encode() + name + loader_source).hexdigest()


def load_task(name_or_path: str, data_dir: str | Path | None = None, cache_dir: str | Path | None = None) -> Task:
    return Task(get_task_spec(name_or_path), data_dir=data_dir, cache_dir=cache_dir)
