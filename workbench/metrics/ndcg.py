"""nDCG@K, trec_eval convention: gain = the relevance grade (linear), discount
1/log2(rank + 1), ideal DCG from the row's grades sorted in descending order."""

from __future__ import annotations

import numpy as np

from workbench.metrics.stats import RankStats


def ndcg(st: RankStats, k: int) -> np.ndarray:
    # cum[m] = sum of the first m discounts, so a tied group spread over ranks
    # N+1 .. N+n contributes grade * (cum[min(N+n, k)] - cum[min(N, k)]) / n in
    # expectation (each item equally likely at each of the n ranks).
    cum = np.concatenate(([0.0], np.cumsum(1.0 / np.log2(np.arange(2.0, k + 2.0)))))
    top, bottom = np.minimum(st.N + st.n, k), np.minimum(st.N, k)
    dcg = np.bincount(st.q, st.grade * (cum[top] - cum[bottom]) / st.n, st.nb)
    return dcg / ideal_dcg(st.q, st.grade, st.indptr, k)


def ideal_dcg(q: np.ndarray, grade: np.ndarray, indptr: np.ndarray, k: int) -> np.ndarray:
    """Per row, the DCG@k of its relevant items' grades in descending order at ranks 1, 2, ...

    q, grade: row and grade of every relevant item of the rows (q non-decreasing, as in CSR order);
    indptr: the rows' CSR row pointer (row i holds items indptr[i] .. indptr[i + 1] - 1)."""
    nb = len(indptr) - 1
    order = np.lexsort((-grade, q))
    q = q[order]
    pos = np.arange(len(q)) - indptr[q]
    keep = pos < k
    return np.bincount(q[keep], grade[order][keep] / np.log2(pos[keep] + 2.0), nb)
