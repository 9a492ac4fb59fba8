"""Ranking dataset: queries, a target space and a sparse relevance matrix, with explicit policies.

Policies (named in the task file, recorded in results):
- duplicate query texts: ``merge`` (one query per text and split, positives united, grade = max) or ``keep``;
- duplicate target texts: ``keep`` (distinct targets that a model cannot tell apart: ties) or ``merge``;
- queries without any positive are excluded and counted in ``stats``;
- ``exclude_self``: where a query is itself a member of the target space (similarity tasks), that
  target is removed from the query's ranking (``excluded``), so no model is charged for ranking the
  query first;
- ``exclude_pairs`` (from the loader): further (query, target) pairs removed from a query's ranking, e.g.
  a corpus title identical to the query title; such a pair may not also be relevant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from workbench.errors import WorkBenchError

MAX_GRADE = 1e6  # far above any published grading scale, far below float32 overflow in a sum of grades


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

    def select(self, split: str) -> RankingDataset:
        """Rows of one split; ``full`` keeps every query."""
        if split == "full":
            return self
        mask = self.query_splits == split
        if not mask.any():
            present = sorted(set(self.query_splits.tolist()))
            raise WorkBenchError(f"split {split!r} has no queries (splits present: {present})")
        return self._rows(np.flatnonzero(mask))

    def limit(self, n: int) -> RankingDataset:
        """First n queries (deterministic); results built from this are marked unofficial."""
        return self._rows(np.arange(min(n, self.n_queries)))

    def _rows(self, rows: np.ndarray) -> RankingDataset:
        return replace(
            self,
            query_ids=self.query_ids[rows],
            query_texts=self.query_texts[rows],
            relevance=self.relevance[rows],
            query_splits=self.query_splits[rows],
            excluded=self.excluded[rows] if self.excluded is not None else None,
        )

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
        exclude_pairs: pd.DataFrame | None = None,
        origin: str = "dataset",
    ) -> RankingDataset:
        """queries: id, text[, split]; targets: id, text; qrels: query_id, target_id[, grade] (grade > 0)."""
        queries, targets, qrels = _checked_frames(queries, targets, qrels, origin)
        stats: dict = {}
        known_q = qrels["query_id"].isin(queries["id"])
        known_t = qrels["target_id"].isin(targets["id"])
        stats["dropped_pairs_unknown_target"] = int((~known_t).sum())
        stats["dropped_pairs_unknown_query"] = int((~known_q).sum())
        qrels = qrels[known_q & known_t]

        if duplicate_targets == "merge":
            targets, qrels, stats["merged_duplicate_targets"] = _merge_duplicates(targets, ["text"], qrels, "target_id")
        if duplicate_queries == "merge":
            queries, qrels, stats["merged_duplicate_queries"] = _merge_duplicates(
                queries, ["split", "text"], qrels, "query_id"
            )

        qrels = qrels.groupby(["query_id", "target_id"], sort=False, as_index=False)["grade"].max()
        with_pos = queries["id"].isin(qrels["query_id"])
        stats["excluded_queries_without_positives"] = int((~with_pos).sum())
        queries = queries[with_pos]
        if len(queries) == 0:
            raise WorkBenchError(f"{origin}: no query has a relevant target")
        stats["empty_query_texts"] = _count_empty_texts(queries, origin)

        q_index = pd.Index(queries["id"])
        t_index = pd.Index(targets["id"])
        relevance = _relevance_matrix(q_index, t_index, qrels)
        excluded = _exclusions(q_index, t_index, exclude_self, exclude_pairs, stats)
        if excluded is not None and relevance.multiply(excluded).nnz:
            raise WorkBenchError(
                f"{origin}: a query is relevant to itself or to a target the loader excludes "
                f"from its ranking; the exclusion would remove a positive"
            )
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


# Stats that mean the input was not what it claims (a run prints them as warnings), with what was done.
_INPUT_WARNINGS = {
    "dropped_pairs_unknown_query": "relevance pairs name a query id that is not among the queries (dropped)",
    "dropped_pairs_unknown_target": "relevance pairs name a target id that is not among the targets (dropped)",
    "empty_query_texts": "queries have an empty or missing text (scored as '')",
}


def input_warnings(stats: dict) -> list[str]:
    """One line per count in a dataset's stats that says its input was changed on the way in."""
    return [f"{stats[key]} {what}" for key, what in _INPUT_WARNINGS.items() if stats.get(key)]


def _count_empty_texts(queries: pd.DataFrame, origin: str) -> int:
    """Queries whose text is missing or blank; every query empty would rank by nothing: an error."""
    empty = int((queries["text"].astype(str).str.strip() == "").sum())
    if empty == len(queries):
        raise WorkBenchError(f"{origin}: every query text is empty or missing ({empty} queries); nothing to rank by")
    return empty


def _checked_frames(
    queries: pd.DataFrame, targets: pd.DataFrame, qrels: pd.DataFrame, origin: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three frames with their columns and ids checked, plain object ids, and the default split and grade."""
    _require_columns(queries, ["id", "text"], f"{origin} queries")
    _require_columns(targets, ["id", "text"], f"{origin} targets")
    _require_columns(qrels, ["query_id", "target_id"], f"{origin} relevance pairs")
    if len(targets) == 0:
        raise WorkBenchError(f"{origin}: the target space is empty")
    # Plain object ids: with pandas 3's Arrow-backed strings `isin` is a per-value Python loop,
    # which would dominate building a large dataset.
    queries = queries.astype({"id": object})
    targets = targets.astype({"id": object})
    qrels = qrels.astype({"query_id": object, "target_id": object})
    _require_unique(queries["id"], f"{origin} query id")
    _require_unique(targets["id"], f"{origin} target id")
    queries = queries.copy()
    queries["text"] = queries["text"].fillna("")  # a missing text is scored as "" (and counted), never dropped
    if "split" not in queries:
        queries["split"] = "full"
    qrels = qrels.copy()
    if "grade" not in qrels:
        qrels["grade"] = 1.0
    grades = qrels["grade"].astype(float)
    # grades are summed in float32 by nDCG: a huge or infinite grade turns a score into inf/inf = NaN
    bad = qrels[~((grades > 0) & (grades <= MAX_GRADE))]
    if len(bad):
        raise WorkBenchError(
            f"{origin}: relevance grades must be > 0 and at most {MAX_GRADE:g}, got "
            f"{bad['grade'].iloc[0]!r} for query {bad['query_id'].iloc[0]!r} ({len(bad)} such pairs)"
        )
    return queries, targets, qrels


def _merge_duplicates(
    items: pd.DataFrame, same: list[str], qrels: pd.DataFrame, id_column: str
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Items equal in the `same` columns become their first one; qrels[id_column] follow. Returns the count merged."""
    canonical = items.groupby(same, sort=False)["id"].transform("first")
    id_map = dict(zip(items["id"], canonical, strict=True))
    merged = int(len(items) - canonical.nunique())
    return items[items["id"] == canonical], qrels.assign(**{id_column: qrels[id_column].map(id_map)}), merged


def _relevance_matrix(q_index: pd.Index, t_index: pd.Index, qrels: pd.DataFrame) -> sp.csr_matrix:
    rows = q_index.get_indexer(qrels["query_id"])
    cols = t_index.get_indexer(qrels["target_id"])
    relevance = sp.csr_matrix((qrels["grade"].to_numpy(np.float32), (rows, cols)), shape=(len(q_index), len(t_index)))
    relevance.sort_indices()
    return relevance


def _exclusions(
    q_index: pd.Index, t_index: pd.Index, exclude_self: bool, pairs: pd.DataFrame | None, stats: dict
) -> sp.csr_matrix | None:
    """Boolean (query, target) matrix of targets removed from a query's ranking, or None when there are none."""
    rows, cols = [], []
    if exclude_self:
        self_cols = t_index.get_indexer(q_index)
        has = self_cols >= 0
        stats["excluded_self_targets"] = int(has.sum())
        rows.append(np.flatnonzero(has))
        cols.append(self_cols[has])
    if pairs is not None and len(pairs):
        r = q_index.get_indexer(pairs["query_id"].astype(object))
        c = t_index.get_indexer(pairs["target_id"].astype(object))
        known = (r >= 0) & (c >= 0)
        stats["excluded_pairs"] = int(known.sum())
        rows.append(r[known])
        cols.append(c[known])
    if not rows:
        return None
    row, col = np.concatenate(rows), np.concatenate(cols)
    matrix = sp.csr_matrix((np.ones(len(row), dtype=bool), (row, col)), shape=(len(q_index), len(t_index)))
    matrix.sum_duplicates()
    return matrix


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WorkBenchError(f"{what}: missing columns {missing}; found {list(frame.columns)}")


def _require_unique(values: pd.Series, what: str) -> None:
    dup = values[values.duplicated()]
    if len(dup):
        raise WorkBenchError(f"{what} {dup.iloc[0]!r} occurs more than once ({len(dup)} duplicates)")
