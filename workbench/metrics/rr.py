"""Reciprocal rank of the first relevant item (mrr)."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .stats import RankStats

# Bound on the (row, position) pairs expanded at once for tied top groups.
_CHUNK = 1 << 22


def log_comb(a, b):
    """log C(a, b) for whole arrays (0 <= b <= a)."""
    return gammaln(a + 1.0) - gammaln(b + 1.0) - gammaln(a - b + 1.0)


def reciprocal_rank(st: RankStats, k: int | None = None) -> np.ndarray:
    """1/rank of the first relevant item; only the top relevant group matters.

    With r relevant among n tied targets behind N higher ones, the first relevant
    item's position P in the group has P(P = p) = C(n - p, r - 1) / C(n, r),
    p = 1 .. n - r + 1, and the expected value is sum_p P(P = p) / (N + p).
    """
    N, n, r = st.top_group()
    out = 1.0 / (N + 1.0)  # exact when the group is one item or all relevant
    todo = np.flatnonzero((n > 1) & (r < n))
    if len(todo) == 0:
        return out
    length = n[todo] - r[todo] + 1
    ends = np.cumsum(length)
    # Expand each row's positions 1..n-r+1 in chunks so a constant scorer over a
    # large matrix stays within memory; one chunk is the usual case.
    lo = 0
    while lo < len(todo):
        hi = max(lo + 1, int(np.searchsorted(ends, ends[lo] - length[lo] + _CHUNK, "right")))
        rows, lens = todo[lo:hi], length[lo:hi]
        owner = np.repeat(np.arange(hi - lo), lens)
        p = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens) + 1.0
        Nr, nr, rr = N[rows][owner], n[rows][owner], r[rows][owner]
        prob = np.exp(log_comb(nr - p, rr - 1.0) - log_comb(nr, rr))
        out[rows] = np.bincount(owner, prob / (Nr + p), hi - lo)
        lo = hi
    return out
