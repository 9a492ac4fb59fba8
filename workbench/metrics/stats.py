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

    More bins mean fewer exact comparisons but a bigger histogram to fill and scan; about T/4 keeps
    both costs of the same order.
    """
    return int(min(max(16, 1 << max(0, (n_targets // 4 - 1)).bit_length()), 16384))


def rank_stats(chunks, v, indptr, indices, grades, ties: str, ws: Workspace) -> RankStats:
    """Tie counts for a block of queries.

    chunks: iterable of (first row, X), X a finite (rows, T) score array, together
        covering the block's rows in order. The passes over targets run per chunk
        (cache-sized); everything per relevant item runs once per block.
    v, indptr, indices, grades: the block's relevance in CSR form, with v the
        scores of the relevant items (as X holds them).
    """
    q = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    v = v + v.dtype.type(0)  # folds -0.0 into 0.0 so sorting and equality agree
    bins = _Bins(v, q, indptr, ws.t.shape[1])
    above = np.empty(len(v), np.int64)
    higher, equal = np.zeros(len(bins.u_val), np.int64), np.zeros(len(bins.u_val), np.int64)
    for row0, X in chunks:
        _count_chunk(X, row0, q, indices, indptr, bins, ws, above, higher, equal)
    N, n = above + higher[bins.u_of], equal[bins.u_of]
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


class _Bins:
    """Per-row histogram bins, and where the block's relevant items fall in them.

    bin(x) = trunc(clip((x - lo) * scale, -1, B)) + 1 for a row's targets, with
    [lo, lo + (B - 1) / scale] the range of the row's relevant scores: targets
    outside it are only counted, never compared. Only monotonicity matters (x <= y
    implies bin(x) <= bin(y), whatever the rounding): targets in a higher bin score
    strictly higher, in a lower bin strictly lower, and only targets sharing a bin
    with a relevant item are compared exactly, against each distinct relevant
    score u of that bin (usually one).
    """

    def __init__(self, v, q, indptr, n_targets: int) -> None:
        dt = v.dtype
        self.B = B = n_bins(n_targets)
        self.width = width = B + 2
        lo = np.minimum.reduceat(v, indptr[:-1])
        span = np.maximum.reduceat(v, indptr[:-1]).astype(np.float64) - lo
        # all relevant items tied: a narrow window around their score instead
        span = np.where(span > 0, span, np.maximum(np.abs(lo), 1e-6))
        # finite scale: (x - lo) * scale never meets 0 * inf; overflow to inf is
        # harmless since clipped
        self.lo, self.scale = lo, np.minimum((B - 1) / span, _FMAX[dt]).astype(dt)
        # The relevant items' bins, by the same elementwise float operations that
        # _count_chunk applies to whole rows (IEEE results are bit-identical).
        with np.errstate(over="ignore"):
            t = v - lo[q]
            t *= self.scale[q]
        self.bin = q * width + np.clip(t, -1, B).astype(np.int32) + 1  # block-wide
        # distinct (bin, score) pairs u; per marked bin its first u and their count
        order = np.argsort(_pairs(self.bin, v))
        bs, vs = self.bin[order], v[order]
        new_u = np.concatenate(([True], (bs[1:] != bs[:-1]) | (vs[1:] != vs[:-1])))
        self.u_of = np.empty(len(v), np.intp)
        self.u_of[order] = np.cumsum(new_u) - 1
        u_bin, self.u_val = bs[new_u], vs[new_u]
        self.first = np.flatnonzero(np.concatenate(([True], u_bin[1:] != u_bin[:-1])))
        self.marked = u_bin[self.first]
        self.count = np.diff(np.append(self.first, len(u_bin)))
        row_starts = np.arange(len(indptr)) * width
        self.marked_ptr = np.searchsorted(self.marked, row_starts)  # per row, like indptr
        self.u_ptr = np.searchsorted(u_bin, row_starts)


def _count_chunk(X, row0, q, indices, indptr, bins: _Bins, ws: Workspace, above, higher, equal):
    """The passes over the targets of one chunk of rows (X): counts of targets in
    strictly higher bins (into `above`, per relevant item), then of targets higher
    than / equal to each distinct relevant score u of their bin (`higher`, `equal`)."""
    nb, T = X.shape
    B, width = bins.B, bins.width
    r1 = row0 + nb
    t, g32, g, mask = ws.views(nb)
    with np.errstate(over="ignore"):  # overflow to +-inf is clipped just below
        np.subtract(X, bins.lo[row0:r1, None], out=t)
        t *= bins.scale[row0:r1, None]
    np.clip(t, -1, B, out=t)
    # float -> int32 -> intp: two cheap vectorised casts beat one float -> int64
    np.copyto(g32, t, casting="unsafe")
    g32 += (np.arange(nb, dtype=np.int32) * width + 1)[:, None]
    np.copyto(g, g32.ravel())
    cum = np.cumsum(np.bincount(g, minlength=nb * width).reshape(nb, width), axis=1).ravel()
    i0, i1 = indptr[row0], indptr[r1]
    own = bins.bin[i0:i1] - row0 * width  # chunk-local bins of the chunk's relevant items
    if not np.array_equal(g[(q[i0:i1] - row0) * T + indices[i0:i1]], own):
        raise RuntimeError("relevant items binned inconsistently; please report")
    above[i0:i1] = T - cum[own]

    s, e = bins.marked_ptr[row0], bins.marked_ptr[r1]
    marked = bins.marked[s:e] - row0 * width
    ws.marked[marked] = True
    ws.first[marked], ws.count[marked] = bins.first[s:e], bins.count[s:e]
    cand = np.flatnonzero(np.take(ws.marked, g, out=mask))
    ws.marked[marked] = False
    c_bin, c_val = g[cand], X.ravel()[cand]
    u, m = ws.first[c_bin], ws.count[c_bin]
    if m.max() > 1:  # pair each candidate with every distinct score of its bin
        rep = np.repeat(np.arange(len(cand)), m)
        u = u[rep] + np.arange(len(rep)) - np.repeat(np.cumsum(m) - m, m)
        c_val = c_val[rep]
    u0, u1 = bins.u_ptr[row0], bins.u_ptr[r1]
    ref = bins.u_val[u]
    higher[u0:u1] = np.bincount(u[c_val > ref] - u0, minlength=u1 - u0)
    equal[u0:u1] = np.bincount(u[c_val == ref] - u0, minlength=u1 - u0)


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
