"""Average precision (map), with the exact expectation over tied orderings."""

from __future__ import annotations

import numpy as np
from scipy.special import digamma

from workbench.metrics.stats import RankStats


def harmonic(x: np.ndarray) -> np.ndarray:
    """H(x) = 1 + 1/2 + ... + 1/x, for whole arrays at once."""
    return digamma(x + 1.0) + np.euler_gamma


def average_precision(st: RankStats, k: int | None = None) -> np.ndarray:
    """AP per row: mean over relevant items of precision at the item's rank.

    Tied groups (McSherry & Najork 2008): the item sits at a uniform position p of
    its group of n, at rank N + p, with H + 1 + X relevant at or above it where
    E[X | p] = (p - 1)(r - 1)/(n - 1). Averaging (H + 1 + X)/(N + p) over p gives
        (1/n) [(H + 1) D + (r - 1)/(n - 1) (n - (N + 1) D)],  D = H(N + n) - H(N).
    """
    N, n, H, r = (a.astype(np.float64) for a in (st.N, st.n, st.H, st.r))
    single = (H + 1) / (N + 1)  # exact, and the common case
    item = single
    tied = st.n > 1
    if tied.any():
        N, n, H, r = N[tied], n[tied], H[tied], r[tied]
        D = harmonic(N + n) - harmonic(N)
        item = single.copy()
        item[tied] = ((H + 1) * D + (r - 1) / (n - 1) * (n - (N + 1) * D)) / n
    return np.bincount(st.q, item, st.nb) / st.n_rel
