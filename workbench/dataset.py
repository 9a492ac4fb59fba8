"""Ranking dataset: queries, a target space and a sparse relevance matrix, with explicit policies.

Policies (named in the task file, recorded in results):
- duplicate query texts: ``merge`` (one query per text and split, positives united, grade = max) or ``keep``;
- duplicate target texts: ``keep`` (distinct targets that a model cannot tell apart: ties) or ``merge``;
- queries without any positive are excluded and counted in ``stats``;
- ``exclude_self``: where a query is itself a member of the target space (similarity tasks), that
  target is removed from the query's ranking (``excluded``), so no model is charged for ranking the
  query first.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import WorkBenchError


@dataclass(frozen=True)
class RankingDataset:
    query_ids: np.ndarray
    query_texts: np.ndarray
    target_ids: np.ndarray
    target_texts: np.ndarray
    relevance: sp.csr_matrix
    query_splits: np.ndarray
    stats: dict = field(default_factory=dict)
    excluded: sp.csr_matrix | None = None

    @property
    def n_queries(self) -> int:
        return len(self.query_ids)

    @property
    def n_targets(self) -> int:
        return len(self.target_ids)

    @property
    def n_positives(self) -> int:
        return int(self.relevance.nnz)

    def sizes(self) -> dict:
        return {"queries": self.n_queries, "targets": self.n_targets, "positives": self.n_positives, **self.stats}

    def select(self, split: str) -> "RankingDataset":
        """Rows of one split; ``full`` keeps every query."""
        if split == "full":
            return self
        mask = self.query_splits == split
        if not mask.any():
            present = sorted(set(self.query_splits.tolist()))
            raise WorkBenchError(f"split {split!r} has no queries (splits present: {present})")
        return self._rows(np.flatnonzero(mask))

    def limit(self, n: int) -> "RankingDataset":
        """First n queries (deterministic); results built from this are marked unofficial."""
        return self._rows(np.arange(min(n, self.n_queries)))

    def _rows(self, rows: np.ndarray) -> "RankingDataset":
        return replace(self, query_ids=self.query_ids[rows], query_texts=self.query_texts[rows],
                       relevance=self.relevance[rows], query_splits=self.query_splits[rows],
                       excluded=self.excluded[rows] if self.excluded is not None else None)

    @classmethod
    def build(
        cls,
        queries: pd.DataFrame,
        targets: pd.DataFrame,
        qrels: pd.DataFrame,
        *,
        duplicate_queries: str = "merge",
        duplicate_targets: str = "keep",
        exclude_self: bool = False,
        origin: str = "dataset",
    ) -> "RankingDataset":
        """queries: id, text[, split]; targets: id, text; qrels: query_id, target_id[, grade] (grade > 0)."""
        _require_columns(queries, ["id", "text"], f"{origin} queries")
        _require_columns(targets, ["id", "text"], f"{origin} targets")
        _require_columns(qrels, ["query_id", "target_id"], f"{origin} relevance pairs")
        if len(targets) == 0:
            raise WorkBenchError(f"{origin}: the target space is empty")
        # Plain object ids: pandas 3's Arrow-backed strings make `isin` a per-value Python loop
        # (16 % of a warm suite run, measured with py-spy).
        queries = queries.astype({"id": object})
        targets = targets.astype({"id": object})
        qrels = qrels.astype({"query_id": object, "target_id": object})
        _require_unique(queries["id"], f"{origin} query id")
        _require_unique(targets["id"], f"{origin} target id")
        queries = queries.copy()
        if "split" not in queries:
            queries["split"] = "full"
        qrels = qrels.copy()
        if "grade" not in qrels:
            qrels["grade"] = 1.0
        bad = qrels[~(qrels["grade"].astype(float) > 0)]
        if len(bad):
            raise WorkBenchError(f"{origin}: relevance grades must be > 0, got {bad['grade'].iloc[0]!r} for query {bad['query_id'].iloc[0]!r}")

        stats: dict = {}
        known_q = qrels["query_id"].isin(queries["id"])
        known_t = qrels["target_id"].isin(targets["id"])
        stats["dropped_pairs_unknown_target"] = int((~known_t).sum())
        stats["dropped_pairs_unknown_query"] = int((~known_q).sum())
        qrels = qrels[known_q & known_t]

        if duplicate_targets == "merge":
            canonical = targets.groupby("text", sort=False)["id"].transform("first")
            id_map = dict(zip(targets["id"], canonical))
            stats["merged_duplicate_targets"] = int(len(targets) - canonical.nunique())
            targets = targets[targets["id"] == canonical]
            qrels = qrels.assign(target_id=qrels["target_id"].map(id_map))
        if duplicate_queries == "merge":
            canonical = queries.groupby(["split", "text"], sort=False)["id"].transform("first")
            id_map = dict(zip(queries["id"], canonical))
            stats["merged_duplicate_queries"] = int(len(queries) - canonical.nunique())
            queries = queries[queries["id"] == canonical]
            qrels = qrels.assign(query_id=qrels["query_id"].map(id_map))

        qrels = qrels.groupby(["query_id", "target_id"], sort=False, as_index=False)["grade"].max()
        with_pos = queries["id"].isin(qrels["query_id"])
        stats["excluded_queries_without_positives"] = int((~with_pos).sum())
        queries = queries[with_pos]
        if len(queries) == 0:
            raise WorkBenchError(f"{origin}: no query has a relevant target")

        q_index = pd.Index(queries["id"])
        t_index = pd.Index(targets["id"])
        rows = q_index.get_indexer(qrels["query_id"])
        cols = t_index.get_indexer(qrels["target_id"])
        relevance = sp.csr_matrix(
            (qrels["grade"].to_numpy(np.float32), (rows, cols)), shape=(len(q_index), len(t_index))
        )
        relevance.sort_indices()
        excluded = None
        if exclude_self:
            self_cols = t_index.get_indexer(q_index)
            has = self_cols >= 0
            stats["excluded_self_targets"] = int(has.sum())
            excluded = sp.csr_matrix((np.ones(int(has.sum()), dtype=bool), (np.flatnonzero(has), self_cols[has])),
                                     shape=relevance.shape)
            if relevance.multiply(excluded).nnz:
                raise WorkBenchError(f"{origin}: a query is relevant to itself; exclude_self would remove a positive")
        return cls(
            query_ids=queries["id"].astype(str).to_numpy(object),
            query_texts=queries["text"].astype(str).to_numpy(object),
            target_ids=targets["id"].astype(str).to_numpy(object),
            target_texts=targets["text"].astype(str).to_numpy(object),
            relevance=relevance,
            query_splits=queries["split"].astype(str).to_numpy(object),
            stats={k: v for k, v in stats.items() if v},
            excluded=excluded,
        )


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WorkBenchError(f"{what}: missing columns {missing}; found {list(frame.columns)}")


def _require_unique(values: pd.Series, what: str) -> None:
    dup = values[values.duplicated()]
    if len(dup):
        raise WorkBenchError(f"{what} {dup.iloc[0]!r} occurs more than once ({len(dup)} duplicates)")
