"""Reciprocal rank of the first relevant item (mrr)."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from workbench.metrics.stats import RankStats

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
    log_fact = gammaln(np.arange(n[todo].max() + 1) + 1.0)  # log k!, looked up below
    # log P(P = p) = log (n-p)! - log (n-p-r+1)! - [log C(n, r) + log (r-1)!]
    nt, rt = n[todo], r[todo]
    const = log_fact[rt - 1] + log_fact[nt] - log_fact[rt] - log_fact[nt - rt]
    # Expand each row's positions 1..n-r+1 in chunks so a constant scorer over a
    # large matrix stays within memory; one chunk is the usual case.
    lo = 0
    while lo < len(todo):
        hi = max(lo + 1, int(np.searchsorted(ends, ends[lo] - length[lo] + _CHUNK, "right")))
        rows, lens = todo[lo:hi], length[lo:hi]
        start = np.cumsum(lens) - lens
        p = np.arange(lens.sum()) - np.repeat(start, lens) + 1
        rest = np.repeat(n[rows], lens) - p  # n - p
        log_prob = log_fact[rest] - log_fact[rest - np.repeat(r[rows], lens) + 1]
        log_prob -= np.repeat(const[lo:hi], lens)
        # per-row sums with reduceat: each row's value depends on that row alone
        out[rows] = np.add.reduceat(np.exp(log_prob) / (np.repeat(N[rows], lens) + p), start)
        lo = hi
    return out
