"""Whole-matrix evaluation: validation, query blocks, dispatch to metric families."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from workbench.metrics import ap, cutoff, ndcg, rr
from workbench.metrics.names import parse_metric
from workbench.metrics.stats import TIE_POLICIES, Workspace, n_bins, rank_stats

FAMILIES = {
    "map": ap.average_precision,
    "mrr": rr.reciprocal_rank,
    "rp": cutoff.r_precision,
    "ndcg": ndcg.ndcg,
    "recall": cutoff.recall,
    "hit": cutoff.hit,
    "precision": cutoff.precision,
}

# Chunks (rows whose targets are scanned together) are kept near the size of a CPU
# cache: each chunk goes through several numpy passes, which are faster while its rows
# stay in cache, and much smaller chunks pay more in per-call overhead.
_CACHE_BYTES = 4 * 2**20


def evaluate_scores(
    scores: np.ndarray,
    relevance,
    metrics: Sequence[str],
    ties: str = "average",
    block_bytes: int = 256 * 2**20,
) -> dict[str, np.ndarray]:
    """One float64 value per query (row) for each metric name in ``metrics``.

    scores: (n_queries, n_targets) finite floats, higher = more relevant.
    relevance: scipy sparse matrix of the same shape; entries > 0 are relevant
        and their value is the grade (used by ndcg only); every row needs one.
    ties: how tied scores are ordered: "average" (exact expectation over all
        orderings of the tied targets), "pessimistic" (relevant last, lower grades
        first) or "optimistic" (relevant first, higher grades first).
    block_bytes: cap on the working memory of one block of queries.
    """
    specs = [parse_metric(m) for m in metrics]
    if ties not in TIE_POLICIES:
        raise ValueError(f"unknown ties policy {ties!r}; expected one of {TIE_POLICIES}")
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"scores must be 2-D (queries, targets), got shape {scores.shape}")
    if not sp.issparse(relevance):
        raise TypeError(f"relevance must be a scipy sparse matrix, got {type(relevance).__name__}")
    if relevance.shape != scores.shape:
        raise ValueError(f"shape mismatch: scores {scores.shape} vs relevance {tuple(relevance.shape)}")
    rel = _positive_csr(relevance)
    # float32 stays float32 (half the memory traffic); everything else is float64.
    work = np.float32 if scores.dtype in (np.float16, np.float32) else np.float64
    n_q, n_t = scores.shape
    itemsize, converts = np.dtype(work).itemsize, scores.dtype != work
    chunk, block = _block_rows(scores.shape, rel.nnz, itemsize, block_bytes, converts)
    ws = Workspace(min(chunk, n_q), n_t, work)
    out = {name: np.empty(n_q, np.float64) for name in metrics}
    for r0 in range(0, n_q, block):
        r1 = min(n_q, r0 + block)
        chunks = ((c0 - r0, _finite_chunk(scores, c0, min(r1, c0 + chunk), work)) for c0 in range(r0, r1, chunk))
        lo, hi = rel.indptr[r0], rel.indptr[r1]
        ip = rel.indptr[r0 : r1 + 1] - lo
        cols = rel.indices[lo:hi]
        v = np.asarray(scores[np.repeat(np.arange(r0, r1), np.diff(ip)), cols], dtype=work)
        if not np.isfinite(v).all():
            raise _nonfinite_error(scores)
        st = rank_stats(chunks, v, ip, cols, rel.data[lo:hi], ties, ws)
        for name, (family, k) in zip(metrics, specs, strict=True):
            out[name][r0:r1] = FAMILIES[family](st, k)
    return out


def aggregate(per_query: dict[str, np.ndarray]) -> dict[str, float]:
    """Plain mean over queries of each metric."""
    return {name: float(np.mean(values)) for name, values in per_query.items()}


def _positive_csr(relevance) -> sp.csr_matrix:
    """A private CSR copy holding only grades > 0, duplicates summed."""
    rel = sp.csr_matrix(relevance, dtype=np.float64, copy=True)
    rel.sum_duplicates()
    rel.data[~(rel.data > 0)] = 0  # zero, negative and NaN grades are non-relevant
    rel.eliminate_zeros()
    empty = np.flatnonzero(np.diff(rel.indptr) == 0)
    if len(empty):
        raise ValueError(
            f"row {empty[0]} has no relevant item (grade > 0); {len(empty)} row(s) in "
            "total; queries without positives must be excluded before evaluation"
        )
    return rel


def _block_rows(shape, nnz: int, itemsize: int, block_bytes: int, converts: bool):
    """(chunk, block) sizes in queries, both within block_bytes.

    A chunk goes through the passes over targets at once and is kept near cache
    size; its bound counts the worst case where every target is compared exactly
    (~64 B each). A block (whole chunks) goes through the per-relevant-item work
    (~200 B per relevant item).
    """
    n_q, n_t = shape
    per_row = Workspace.bytes_per_row(n_t, itemsize) + converts * n_t * itemsize
    chunk = min(_CACHE_BYTES // per_row, block_bytes // (per_row + 64 * n_t))
    # global bin ids are int32: row * (bins + 2) must stay below 2**31
    chunk = max(1, min(chunk, (2**31 - 1) // (n_bins(n_t) + 2)))
    block = block_bytes // (200 * (nnz // max(n_q, 1) + 1)) // chunk * chunk
    return int(chunk), int(max(chunk, block))


def _finite_chunk(scores: np.ndarray, r0: int, r1: int, work) -> np.ndarray:
    X = np.ascontiguousarray(scores[r0:r1], dtype=work)
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.isfinite(X.sum()) or np.isfinite(X).all()  # sum: one cheap pass
    if not finite:
        raise _nonfinite_error(scores)
    return X


def _nonfinite_error(scores: np.ndarray) -> ValueError:
    count, first = 0, None
    for r0 in range(0, scores.shape[0], 1024):
        bad = ~np.isfinite(scores[r0 : r0 + 1024])
        if first is None and bad.any():
            i, j = np.argwhere(bad)[0]
            first = (r0 + int(i), int(j))
        count += int(bad.sum())
    return ValueError(f"scores contain {count} non-finite value(s) (NaN or inf); first at (row, col) = {first}")
