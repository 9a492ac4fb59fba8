"""Publisher protocols: score a task the way the publisher of its data scores it, where the publisher
publishes numbers, so that our results can be compared with theirs digit for digit.

Our own protocol (the default, ``ties="average"``) ranks every target and takes the exact expectation
of each metric over all orders of tied targets. A publisher that evaluates with trec_eval instead
writes a run file and lets trec_eval order and score it (``ties="publisher"``):

1. cut: per query, the publisher's script keeps the first ``depth`` targets by score, descending;
   among equal scores the earlier target of the corpus file comes first (Python's sort is stable);
2. rounding: the run file holds each score with ``decimals`` decimals (``f"{score:.5f}"``), and
   trec_eval reads that text back;
3. trec_eval's order (form_res_rels.c, ``comp_sim_docno``): rounded score descending, then the
   document id descending (``strcmp``: byte order of the UTF-8 ids, which is code point order);
4. trec_eval's measures over that list (``ranked``): a relevant target outside the cut counts as
   not retrieved.

The rounding applies to the scores as the model returns them: a model whose scale differs from the
publisher's (our edit-distance returns fuzz.ratio / 100, MELO's fuzz.ratio) rounds on a coarser grid.
That merges two scores only when they differ by less than 10^-decimals; the benchmark
(benchmarks/melo_publisher_protocol.py) counts such merges on the real data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from workbench.errors import WorkBenchError
from workbench.metrics import ranked
from workbench.metrics.names import parse_metric

PUBLISHER = "publisher"  # the run setting (`--ties publisher`) that selects a task's publisher protocol


@dataclass(frozen=True)
class TrecEvalRun:
    """A publisher's evaluation: a run file of the top `depth` targets per query, scored by trec_eval."""

    publisher: str
    reference: str  # where the publisher's evaluation code says so
    depth: int = 100
    decimals: int | None = 5  # None: scores reach trec_eval unrounded

    def target_order(self, target_ids: Sequence[str]) -> np.ndarray:
        """Each target's position in ascending id order (trec_eval breaks ties by id, descending)."""
        ids = np.asarray([str(t) for t in target_ids], dtype=object)
        position = np.empty(len(ids), np.int64)
        position[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        return position

    def evaluate(
        self,
        scores: np.ndarray,
        relevance: sp.csr_matrix,
        metrics: Sequence[str],
        target_order: np.ndarray,
        excluded: sp.spmatrix | None = None,
    ) -> dict[str, np.ndarray]:
        """One float64 value per query (row) for each metric, as the publisher's trec_eval computes it.

        scores: (n_queries, n_targets) finite; relevance: grades > 0 are relevant, every row has one;
        target_order: from `target_order`; excluded: (query, target) pairs never written to the run."""
        specs = [parse_metric(m) for m in metrics]
        rows, cols = self.run(np.asarray(scores), target_order, excluded)
        rel = sp.csr_matrix(relevance, dtype=np.float64)
        rel.data[~(rel.data > 0)] = 0
        rel.eliminate_zeros()
        grades = np.asarray(rel[rows, cols]).ravel() if len(rows) else np.zeros(0)
        starts = np.searchsorted(rows, np.arange(rel.shape[0]))
        rank = np.arange(len(rows)) - starts[rows] + 1
        hit = grades > 0
        hits = ranked.RankedHits(q=rows[hit], rank=rank[hit], grade=grades[hit], relevance=rel)
        return {name: ranked.FAMILIES[family](hits, k) for name, (family, k) in zip(metrics, specs, strict=True)}

    def run(
        self, scores: np.ndarray, target_order: np.ndarray, excluded: sp.spmatrix | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The run file in trec_eval's order: (row, column) of every listed target, rows ascending,
        and within a row rank 1 first."""
        rows, cols = self._cut(scores, excluded)
        values = scores[rows, cols].astype(np.float64)
        if self.decimals is not None:  # the text the run file holds, read back (exact, unlike np.round)
            values = np.array([float(f"{v:.{self.decimals}f}") for v in values.tolist()])
        order = np.lexsort((-target_order[cols], -values, rows))
        return rows[order], cols[order]

    def _cut(self, scores: np.ndarray, excluded: sp.spmatrix | None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cols) of the first `depth` eligible targets of each row by score descending, the
        earlier column first among equal scores (a stable sort by score, cut), rows ascending."""
        n_q, n_t = scores.shape
        if n_q == 0 or n_t == 0:
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        step = max(1, _CHUNK_CELLS // n_t)  # rows at a time: bounds the scratch arrays
        parts = [self._cut_rows(scores, excluded, r0, min(n_q, r0 + step)) for r0 in range(0, n_q, step)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _cut_rows(self, scores, excluded, r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
        block = scores[r0:r1]
        if excluded is not None:  # scores are finite: -inf marks the excluded, never listed
            eligible = ~excluded[r0:r1].toarray().astype(bool)
            block = np.where(eligible, block, -np.inf)
        d = min(self.depth, block.shape[1])
        # the d-th highest value of each row: everything above it is listed, and as many of the
        # values equal to it as fit, in column order
        threshold = -np.partition(-block, d - 1, axis=1)[:, d - 1 : d]
        above = block > threshold
        equal = block == threshold
        if excluded is not None:
            equal &= eligible
        room = d - above.sum(axis=1, keepdims=True)
        listed = above | (equal & (np.cumsum(equal, axis=1, dtype=np.int32) <= room))
        rows, cols = np.nonzero(listed)
        return rows + r0, cols


_CHUNK_CELLS = 1 << 22  # (query, target) cells cut at once


# The publishers whose evaluation is implemented, by the loader that reads their files.
PROTOCOLS = {
    "melo": TrecEvalRun(
        publisher="MELO (Retyk et al. 2024)",
        reference="github.com/Avature/melo-benchmark @ 014982fe, src/melo_benchmark/evaluation/evaluator.py "
        "(max_relevant_to_consider=100, f'{score:.5f}', trec_eval -m all_trec)",
        depth=100,
        decimals=5,
    ),
}


def publisher_protocol(task_name: str, loader: str) -> TrecEvalRun:
    """The protocol of a task's publisher; an error naming the task where none is implemented."""
    if loader not in PROTOCOLS:
        raise WorkBenchError(
            f"task {task_name}: no publisher protocol is implemented for its source (loader {loader!r}); "
            f"--ties {PUBLISHER} is available for the tasks of loaders: {', '.join(sorted(PROTOCOLS))}"
        )
    return PROTOCOLS[loader]
