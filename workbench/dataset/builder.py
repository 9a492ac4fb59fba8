"""Building a task's ranking dataset: the task file's spec plus the data directory -> `RankingDataset`, once
per (task file, data, code), kept in this process and in <cache>/datasets/ (`npz_cache`).

The cache key holds the task's spec hash, the sha256 of its data files (memoised under each file's content
key, never its metadata) and the source of the code that builds it (this module, the loaders and parsers,
the dataset): a change to any of them builds anew.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import sys
from dataclasses import replace
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from workbench import __version__
from workbench.data.datafiles import ChecksumMemo, checksum_files, resolve_source_files
from workbench.data.settings import caching_in
from workbench.dataset.npz_cache import dataset_bytes, read_dataset
from workbench.dataset.ranking import RankingDataset
from workbench.errors import WorkBenchError
from workbench.io import atomic_write_bytes, source_digest, stable_hash
from workbench.sources import LoaderContext, get_loader
from workbench.sources.partition import hash_split
from workbench.taskfiles.spec import TaskSpec

_DATASETS: dict[str, RankingDataset] = {}  # in-process: key -> dataset (treated as read-only by all callers)
_DATASETS_KEPT = 16


class DatasetBuilder:
    """The dataset of one task file over one data directory (`cache_dir` None: no on-disk cache)."""

    def __init__(self, spec: TaskSpec, data_dir: Path, cache_dir: Path | None):
        self.spec = spec
        self.data_dir = data_dir
        self.cache_dir = cache_dir

    @cached_property
    def files(self) -> dict[str, Path]:
        return resolve_source_files(self.spec.source.files, self.data_dir, self.spec.name)

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
        dataset = read_dataset(path, key) if path is not None else None
        if dataset is None:
            dataset = self.build(loader)
            if path is not None:
                # an unwritable cache (or stats that are not JSON) only costs the rebuild
                with contextlib.suppress(OSError, TypeError, ValueError):
                    atomic_write_bytes(path, dataset_bytes(dataset, key))
        if len(_DATASETS) >= _DATASETS_KEPT:  # a few datasets per process: enough for `tasks list` and suites
            _DATASETS.pop(next(iter(_DATASETS)))
        _DATASETS[key] = dataset
        return dataset

    def build(self, loader) -> RankingDataset:
        """Parse the task's files with its loader, assign splits, and build the ranking dataset (no cache)."""
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
                f"task {self.spec.name}: split {split!r} is not offered (available: {self.spec.splits.available})"
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
