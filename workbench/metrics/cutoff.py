"""Cutoff metrics built on the (expected) number of relevant items in the top K:
recall@K, precision@K, rp@K and hit@K."""

from __future__ import annotations

import numpy as np

from workbench.metrics.rr import log_comb
from workbench.metrics.stats import RankStats


def expected_hits(st: RankStats, k: int) -> np.ndarray:
    """Relevant items in the top k per row, in expectation over tied orderings.

    A tied item at one of n equally likely positions after N higher targets is in
    the top k with probability clip(k - N, 0, n) / n.
    """
    inside = np.clip(k - st.N, 0, st.n) / st.n
    return np.bincount(st.q, inside, st.nb)


def recall(st: RankStats, k: int) -> np.ndarray:
    return expected_hits(st, k) / st.n_rel


def precision(st: RankStats, k: int) -> np.ndarray:
    return expected_hits(st, k) / k


def r_precision(st: RankStats, k: int) -> np.ndarray:
    """Hits in the top k over min(k, |R|): reaches 1 whenever the cutoff allows."""
    return expected_hits(st, k) / np.minimum(k, st.n_rel)


def hit(st: RankStats, k: int) -> np.ndarray:
    """1 if any relevant item is in the top k (probability of it, for ties).

    Only the top relevant group decides: it is either wholly inside the cutoff,
    wholly outside, or straddles it with m = k - N of its n slots inside; then a
    miss means all m slots went to the n - r non-relevant members.
    """
    N, n, r = (a.astype(np.float64) for a in st.top_group())
    m = np.clip(k - N, 0, n)
    can_miss = (m < n) & (m <= n - r)
    a = np.where(can_miss, n - r, 0.0)
    b = np.where(can_miss, m, 0.0)
    miss = np.where(can_miss, np.exp(log_comb(a, b) - log_comb(n, b)), 0.0)
    return np.where(m == 0, 0.0, 1.0 - miss)
