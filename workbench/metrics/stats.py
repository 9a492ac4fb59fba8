"""Where each relevant item lands in its row, tie groups included.

Every metric here is a function of four counts per relevant item i of a query:

    N  targets scoring strictly higher than i     n  targets tied with i (i included)
    H  relevant items scoring strictly higher     r  relevant items tied with i (i included)

So instead of sorting each row we only count. N and n come from a per-row histogram
plus exact comparisons with the few targets that share a bin with a relevant item:
a handful of streaming numpy passes per row, O(n_targets) with no log factor and no
per-query Python, which is what makes whole-matrix evaluation several times cheaper
than sorting rows (and massive ties, e.g. BM25 zeros, cost no sort either).
H and r come from a sort of the relevant items only (O(nnz log nnz)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIE_POLICIES = ("average", "pessimistic", "optimistic")


@dataclass
class RankStats:
    """Tie counts of every relevant item of a block of queries, in CSR order."""

    q: np.ndarray  # block-local row of each relevant item (non-decreasing)
    grade: np.ndarray  # float64 relevance grade (> 0)
    N: np.ndarray
    n: np.ndarray
    H: np.ndarray
    r: np.ndarray
    indptr: np.ndarray  # CSR row pointer of the block (length nb + 1)

    @property
    def nb(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_rel(self) -> np.ndarray:
        return np.diff(self.indptr)

    def top_group(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, n, r) of each row's highest-scoring relevant tie group (where H == 0).

        Rank-of-first-relevant metrics (mrr, hit@K) depend on that group alone.
        """
        top = self.H == 0
        rows = self.q[top]
        out = []
        for a in (self.N, self.n, self.r):
            per_row = np.empty(self.nb, np.int64)
            per_row[rows] = a[top]  # all members of the group agree
            out.append(per_row)
        return out[0], out[1], out[2]


class Workspace:
    """Scratch arrays for one chunk of rows, allocated once per evaluation and
    reused: fresh multi-MiB arrays per chunk would cost a page fault per 4 KiB."""

    def __init__(self, rows: int, n_targets: int, dtype) -> None:
        width = n_bins(n_targets) + 2
        self.t = np.empty((rows, n_targets), dtype)  # scaled scores
        self.g32 = np.empty((rows, n_targets), np.int32)  # bins, cheap to cast into
        self.g = np.empty(rows * n_targets, np.intp)  # bins + row offsets, as indices
        self.mask = np.empty(rows * n_targets, bool)
        self.marked = np.zeros(rows * width, bool)  # bins holding a relevant item
        self.first = np.empty(rows * width, np.intp)  # per such bin: its first and
        self.count = np.empty(rows * width, np.intp)  # number of distinct scores

    @staticmethod
    def bytes_per_row(n_targets: int, itemsize: int) -> int:
        return n_targets * (itemsize + 4 + 8 + 1) + (n_bins(n_targets) + 2) * (16 + 17)

    def views(self, nb: int):
        size = nb * self.t.shape[1]
        return self.t[:nb], self.g32[:nb], self.g[:size], self.mask[:size]


def n_bins(n_targets: int) -> int:
    """Histogram bins per row: about a quarter of the targets (a power of two).

    More bins mean fewer exact comparisons but a bigger histogram; T/4 measured best.
    """
    return int(min(max(16, 1 << max(0, (n_targets // 4 - 1)).bit_length()), 16384))


def rank_stats(chunks, indptr, indices, grades, ties: str, ws: Workspace) -> RankStats:
    """Tie counts for a block of queries.

    chunks: iterable of (first row, X), X a finite (rows, T) score array, together
        covering the block's rows in order: the passes over targets run per chunk
        (cache-sized), the work per relevant item once per block.
    indptr, indices, grades: the block's relevance in CSR form.
    """
    parts = [_target_counts(X, row0, indptr, indices, ws) for row0, X in chunks]
    v, N, n = (np.concatenate(a) for a in zip(*parts))
    q = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    H, r, k = _relevant_counts(q, v, grades, indptr, by_grade=ties != "average")
    if ties != "average":
        # A fixed order inside each tie group turns every item into a group of one.
        # pessimistic: non-relevant first, then relevant by ascending grade;
        # optimistic: relevant first by descending grade. k is the 0-based index of
        # the item among the group's relevant items sorted by ascending grade.
        j = k + 1 if ties == "pessimistic" else r - k
        rank = N + j + (n - r if ties == "pessimistic" else 0)
        N, n, H, r = rank - 1, np.ones_like(n), H + j - 1, np.ones_like(r)
    return RankStats(q, np.asarray(grades, np.float64), N, n, H, r, indptr)


_FMAX = {np.dtype(t): float(np.finfo(t).max) for t in (np.float32, np.float64)}


def _target_counts(X, row0, indptr, indices, ws: Workspace):
    """Scores, N and n of the relevant items of one chunk of rows (X).

    A histogram of each row counts the targets in strictly higher bins; the
    targets sharing a bin with a relevant item are then compared exactly.
    """
    nb, T = X.shape
    dt = X.dtype
    B = n_bins(T)
    width = B + 2  # bins -1 (below the row's lowest relevant score) .. B (above)
    ip = indptr[row0 : row0 + nb + 1]
    q = np.repeat(np.arange(nb), np.diff(ip))
    flat = q * T + indices[ip[0] : ip[-1]]
    # + 0 folds -0.0 into 0.0 so that sorting and equality agree on them.
    v = X.ravel()[flat] + dt.type(0)
    # Bins span [lowest, highest] relevant score of the row: targets outside that
    # range are only counted, never compared. A row whose relevant items all share
    # one score gets a narrow window around it instead.
    lo = np.minimum.reduceat(v, ip[:-1] - ip[0])
    span = np.maximum.reduceat(v, ip[:-1] - ip[0]).astype(np.float64) - lo
    span = np.where(span > 0, span, np.maximum(np.abs(lo), 1e-6))
    # A finite scale keeps (x - lo) * scale free of NaN (0 * inf); overflow to inf
    # is harmless as the clip below catches it.
    scale = np.minimum((B - 1) / span, _FMAX[dt]).astype(dt)

    # bin(x) = trunc(clip((x - lo) * scale, -1, B)) + 1 + row * width. Only
    # monotonicity matters (x <= y implies bin(x) <= bin(y), true whatever the
    # rounding): targets in a higher bin score strictly higher, in a lower bin
    # strictly lower, and only same-bin targets need an exact comparison.
    t, g32, g, mask = ws.views(nb)
    with np.errstate(over="ignore"):  # overflow to +-inf is clipped just below
        np.subtract(X, lo[:, None], out=t)
        t *= scale[:, None]
    np.clip(t, -1, B, out=t)
    # float -> int32 -> intp: two cheap vectorised casts beat one float -> int64
    np.copyto(g32, t, casting="unsafe")
    g32 += (np.arange(nb, dtype=np.int32) * width + 1)[:, None]
    np.copyto(g, g32.ravel())
    cum = np.cumsum(np.bincount(g, minlength=nb * width).reshape(nb, width), axis=1)
    g_rel = g[flat]
    above = T - cum.ravel()[g_rel]  # targets in strictly higher bins

    # Exact step, O(candidates): the distinct relevant scores u of each marked bin,
    # then every target of the bin is compared with each of them (usually one).
    order = np.argsort(_pairs(g_rel, v))
    bs, vs = g_rel[order], v[order]
    new_u = np.concatenate(([True], (bs[1:] != bs[:-1]) | (vs[1:] != vs[:-1])))
    u_of = np.empty(len(v), np.intp)
    u_of[order] = np.cumsum(new_u) - 1
    u_bin, u_val = bs[new_u], vs[new_u]
    first = np.flatnonzero(np.concatenate(([True], u_bin[1:] != u_bin[:-1])))
    ws.first[u_bin[first]] = first
    ws.count[u_bin[first]] = np.diff(np.append(first, len(u_bin)))
    ws.marked[g_rel] = True
    cand = np.flatnonzero(np.take(ws.marked, g, out=mask))
    ws.marked[g_rel] = False
    c_bin, c_val = g[cand], X.ravel()[cand]
    m = ws.count[c_bin]
    u = ws.first[c_bin]
    if m.max() > 1:  # expand
        rep = np.repeat(np.arange(len(cand)), m)
        u = u[rep] + np.arange(len(rep)) - np.repeat(np.cumsum(m) - m, m)
        c_val = c_val[rep]
    higher = np.bincount(u[c_val > u_val[u]], minlength=len(u_val))
    equal = np.bincount(u[c_val == u_val[u]], minlength=len(u_val))
    return v, above + higher[u_of], equal[u_of]


def _pairs(a, b) -> np.ndarray:
    """Complex keys a + ib: numpy sorts them by (a, b) in one argsort, and both
    parts are exact (a: integers below 2**53, b: float32 or float64 scores)."""
    key = np.empty(len(a), np.complex128)
    key.real, key.imag = a, b
    return key


def _relevant_counts(q, v, grades, indptr, by_grade: bool):
    """H, r and the within-group index (by ascending grade) of every relevant item.

    The index k is only used by the fixed-order policies; without it one argsort
    on (row, score) is cheaper than a three-key lexsort.
    """
    order = np.lexsort((grades, v, q)) if by_grade else np.argsort(_pairs(q, v))
    qs, vs = q[order], v[order]
    start, end = _run_bounds((qs[1:] != qs[:-1]) | (vs[1:] != vs[:-1]))
    H, r, k = (np.empty(len(q), np.int64) for _ in range(3))
    H[order] = indptr[1:][qs] - end  # rows are sorted ascending by score
    r[order] = end - start
    k[order] = np.arange(len(q)) - start
    return H, r, k


def _run_bounds(breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of the run holding each position of a sorted array.

    breaks[i] is True where position i + 1 opens a new run.
    """
    opens = np.concatenate(([True], breaks))
    starts = np.flatnonzero(opens)
    run = np.cumsum(opens) - 1
    ends = np.append(starts[1:], len(opens))
    return starts[run], ends[run]
