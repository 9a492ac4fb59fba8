"""Score one ranking dataset with one model: encode (through the embedding layer, `caches.embeddings`) or
index, score query blocks, compute metrics.

Score matrices are never materialised whole (97k × 14k floats would be 5 GB): queries go through in
blocks whose score matrix stays under `block_bytes`.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from workbench.caches.embeddings import CachedModel, progress_bar
from workbench.dataset.ranking import RankingDataset
from workbench.errors import WorkBenchError
from workbench.metrics import evaluate_scores
from workbench.metrics.publisher import TrecEvalRun
from workbench.models.model import model_kind

DEFAULT_BLOCK_BYTES = 128 * 2**20


@dataclass
class Scored:
    per_query: dict[str, np.ndarray]
    encode_seconds: float = 0.0
    scoring_seconds: float = 0.0
    texts_encoded: int = 0
    prompts: dict[str, str | None] = field(default_factory=dict)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def _push_excluded_down(scores: np.ndarray, excluded) -> np.ndarray:
    """Excluded targets score below everything else in their row, so they never outrank a positive."""
    coo = excluded.tocoo()
    if coo.nnz:
        scores = np.array(scores, copy=True)
        scores[coo.row, coo.col] = scores.min() - 1.0
    return scores


def _embedding_scorer(
    model, dataset: RankingDataset, query_type: str, target_type: str, group: str | None, progress: bool, scored: Scored
):
    """Block scores as cosines of the encoded queries and targets; returns (block_scores, finite)."""
    # the embedding layer (checks, dedupe, cache): the caller's CachedModel, or one without a cache
    encoder = model if isinstance(model, CachedModel) else CachedModel(model, None, progress=progress)
    before = encoder.texts_encoded
    q = encoder.encode(dataset.query_texts.tolist(), role="query", input_type=query_type, group=group)
    t = encoder.encode(dataset.target_texts.tolist(), role="target", input_type=target_type, group=group)
    if q.shape[1] != t.shape[1]:
        raise WorkBenchError(f"model {model.info.name}: query dim {q.shape[1]} differs from target dim {t.shape[1]}")
    scored.texts_encoded = encoder.texts_encoded - before
    scored.prompts = {
        role: encoder.prompt_for(role=role, input_type=kind_of, group=group)
        for role, kind_of in (("query", query_type), ("target", target_type))
    }
    q, t = _unit_rows(q), _unit_rows(t)
    # Cosines of finite unit rows are finite (|s| <= 1): checking the rows here replaces a pass over
    # every block of scores. The embedding layer checked every vector the model returned.
    finite = bool(np.isfinite(q).all() and np.isfinite(t).all())
    t_T = np.ascontiguousarray(t.T)
    return (lambda start, stop: q[start:stop] @ t_T), finite


def _model_scorer(model, dataset: RankingDataset, query_type: str, target_type: str, group: str | None):
    """Block scores from a scoring model's own index; its output is checked block by block."""
    index = model.index(dataset.target_texts.tolist(), target_type=target_type, group=group)
    texts, n_targets = dataset.query_texts.tolist(), dataset.n_targets

    def block_scores(start, stop):
        out = np.asarray(model.score(texts[start:stop], index, query_type=query_type, group=group))
        if out.shape != (stop - start, n_targets):
            raise WorkBenchError(
                f"model {model.info.name}: score returned shape {out.shape}, expected {(stop - start, n_targets)}"
            )
        return out

    return block_scores, False


def _block_metrics(dataset: RankingDataset, metrics: list[str], ties: str, protocol: TrecEvalRun | None):
    """(scores of queries start..stop-1, start, stop) -> each metric per query of that block: our protocol
    (every target ranked, `ties` for tied scores) or, given one, a publisher's (`metrics.publisher`)."""
    if protocol is None:

        def ours(scores, start, stop):
            if dataset.excluded is not None:
                scores = _push_excluded_down(scores, dataset.excluded[start:stop])
            return evaluate_scores(scores, dataset.relevance[start:stop], metrics, ties=ties)

        return ours
    order = protocol.target_order(dataset.target_ids)

    def publishers(scores, start, stop):
        excluded = dataset.excluded[start:stop] if dataset.excluded is not None else None
        return protocol.evaluate(scores, dataset.relevance[start:stop], metrics, order, excluded=excluded)

    return publishers


def _metrics_per_query(
    block_scores,
    finite: bool,
    dataset: RankingDataset,
    metrics: list[str],
    *,
    name: str,
    ties: str,
    rows_per_block: int,
    progress: bool,
    protocol: TrecEvalRun | None = None,
) -> dict[str, np.ndarray]:
    """Each metric per query, one block of queries at a time.

    The metrics of one block (single-threaded numpy) run in a worker thread while the next block's
    scores are computed (multi-threaded BLAS, or the model's scorer): at most two blocks are alive."""
    per_query: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    evaluate = _block_metrics(dataset, metrics, ties, protocol)
    with progress_bar(dataset.n_queries, "score", progress) as bar, ThreadPoolExecutor(max_workers=1) as pool:
        pending = None

        def collect(job) -> None:
            future, rows = job
            values = future.result()
            for metric in metrics:
                per_query[metric].append(values[metric])
            bar.update(rows)

        for start in range(0, dataset.n_queries, rows_per_block):
            stop = min(start + rows_per_block, dataset.n_queries)
            scores = block_scores(start, stop)
            if not finite and not np.isfinite(scores).all():
                raise WorkBenchError(f"model {name}: scores contain NaN/inf for queries {start}..{stop - 1}")
            if pending is not None:
                collect(pending)
            pending = (pool.submit(evaluate, scores, start, stop), stop - start)
        if pending is not None:
            collect(pending)
    return {metric: np.concatenate(parts) for metric, parts in per_query.items()}


def score_dataset(
    model,
    dataset: RankingDataset,
    *,
    query_type: str,
    target_type: str,
    group: str | None,
    metrics: list[str],
    ties: str = "average",
    progress: bool = True,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    protocol: TrecEvalRun | None = None,
) -> Scored:
    """Per-query metrics of `model` on `dataset`: by our protocol (tie expectation under `ties`) or, with
    `protocol`, the way the dataset's publisher scores it (`workbench.metrics.publisher`)."""
    scored = Scored(per_query={})
    t0 = time.perf_counter()
    if model_kind(model) == "embedding":
        block_scores, finite = _embedding_scorer(model, dataset, query_type, target_type, group, progress, scored)
    else:
        block_scores, finite = _model_scorer(model, dataset, query_type, target_type, group)
    scored.encode_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    rows_per_block = max(1, block_bytes // (4 * max(dataset.n_targets, 1)))
    scored.per_query = _metrics_per_query(
        block_scores,
        finite,
        dataset,
        metrics,
        name=model.info.name,
        ties=ties,
        rows_per_block=rows_per_block,
        progress=progress,
        protocol=protocol,
    )
    scored.scoring_seconds = time.perf_counter() - t1
    return scored
