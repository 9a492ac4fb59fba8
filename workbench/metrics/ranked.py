"""Metrics of explicit, cut rankings, as trec_eval computes them (no tie expectation).

A ranked run gives each query a list of targets in one fixed order, possibly cut (only the targets it
lists are retrieved). Every metric below is a function of where the query's relevant items sit in that
list: their 1-based ranks, their grades, and how many relevant items the query has in all (retrieved
or not). A relevant item the run does not list contributes nothing, as in trec_eval:

    map          sum over retrieved relevant items of (relevant at or above it) / rank, over |R|
    mrr          1 / rank of the first retrieved relevant item (0 when none is retrieved)  [recip_rank]
    precision@K  retrieved relevant items at rank <= K, over K                              [P_K]
    recall@K     the same, over |R|                                                         [recall_K]
    hit@K        1 if any relevant item is at rank <= K                                      [success_K]
    rp@K         the same count over min(K, |R|) (ours; trec_eval's Rprec is the count at |R| over |R|)
    ndcg@K       sum of grade / log2(rank + 1) over rank <= K, over the ideal DCG@K          [ndcg_cut_K]

References: trec_eval 10.0, m_map.c, m_recip_rank.c, m_P.c, m_recall.c, m_success.c, m_ndcg_cut.c.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from workbench.metrics.ndcg import ideal_dcg


@dataclass(frozen=True)
class RankedHits:
    """The retrieved relevant items of a block of queries, sorted by (row, rank)."""

    q: np.ndarray  # row of each retrieved relevant item (non-decreasing)
    rank: np.ndarray  # its 1-based rank in the row's list (increasing within a row)
    grade: np.ndarray  # its grade (> 0)
    relevance: sp.csr_matrix  # the block's relevance (grades > 0), every relevant item, retrieved or not

    @property
    def nb(self) -> int:
        return self.relevance.shape[0]

    @property
    def n_rel(self) -> np.ndarray:
        return np.diff(self.relevance.indptr)

    def hits_at(self, k: int) -> np.ndarray:
        return np.bincount(self.q, self.rank <= k, self.nb).astype(np.float64)


def average_precision(h: RankedHits, k: int | None = None) -> np.ndarray:
    # within a row the j-th retrieved relevant item (j = 1, 2, ...) has j relevant items at or above it
    starts = np.searchsorted(h.q, h.q, side="left")
    above = np.arange(1, len(h.q) + 1) - starts
    return np.bincount(h.q, above / h.rank, h.nb) / h.n_rel


def reciprocal_rank(h: RankedHits, k: int | None = None) -> np.ndarray:
    first = np.full(h.nb, np.inf)
    np.minimum.at(first, h.q, h.rank.astype(np.float64))
    return 1.0 / first  # 1 / inf = 0: no relevant item retrieved


def precision(h: RankedHits, k: int) -> np.ndarray:
    return h.hits_at(k) / k


def recall(h: RankedHits, k: int) -> np.ndarray:
    return h.hits_at(k) / h.n_rel


def r_precision(h: RankedHits, k: int) -> np.ndarray:
    return h.hits_at(k) / np.minimum(k, h.n_rel)


def hit(h: RankedHits, k: int) -> np.ndarray:
    return (h.hits_at(k) > 0).astype(np.float64)


def ndcg(h: RankedHits, k: int) -> np.ndarray:
    inside = h.rank <= k
    dcg = np.bincount(h.q[inside], h.grade[inside] / np.log2(h.rank[inside] + 1.0), h.nb)
    rel = h.relevance
    rows = np.repeat(np.arange(h.nb), np.diff(rel.indptr))
    return dcg / ideal_dcg(rows, rel.data.astype(np.float64), rel.indptr, k)


FAMILIES = {
    "map": average_precision,
    "mrr": reciprocal_rank,
    "rp": r_precision,
    "ndcg": ndcg,
    "recall": recall,
    "hit": hit,
    "precision": precision,
}
