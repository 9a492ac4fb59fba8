"""The approximate top-k experiment (benchmarks/ann.py): cutoff metrics computed from ranked top-k
lists equal the exact whole-matrix metrics, and the IVF search is exact when it probes every list."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from workbench.metrics import evaluate_scores


def _load_benchmark_module(name: str):
    """A module of benchmarks/ (not a package, not installed), loaded from its file."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ann = _load_benchmark_module("ann")
cutoff_metrics_from_topk, exact_topk, topk_recall = ann.cutoff_metrics_from_topk, ann.exact_topk, ann.topk_recall

METRICS = ["recall@10", "precision@5", "rp@10", "hit@3", "ndcg@10"]


def _data(n_q=300, n_t=3000, d=32, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_q, d)).astype(np.float32)
    t = rng.standard_normal((n_t, d)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    scores = q @ t.T
    # relevance: 1-15 targets per query, graded 1-3, a third of them drawn from the query's own top 20
    rows, cols, vals = [], [], []
    for i in range(n_q):
        near = np.argsort(-scores[i])[:20]
        pick = np.unique(np.concatenate([rng.choice(near, rng.integers(0, 6)), rng.choice(n_t, rng.integers(1, 10))]))
        rows += [i] * len(pick)
        cols += pick.tolist()
        vals += rng.integers(1, 4, len(pick)).tolist()
    rel = sp.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(n_q, n_t))
    return q, t, scores, rel


def test_topk_metrics_equal_exact_whole_matrix_metrics():
    q, t, scores, rel = _data()
    top11 = -np.sort(-scores, axis=1)[:, :11]
    assert (np.diff(top11, axis=1) < 0).all()  # no ties around the cutoffs: one ranking
    top = exact_topk(q, t, 10, block_bytes=64 * 3000 * 4)  # several blocks
    np.testing.assert_array_equal(top[:, 0], scores.argmax(axis=1))
    ours = cutoff_metrics_from_topk(top, rel, METRICS)
    exact = evaluate_scores(scores, rel, METRICS)
    for name in METRICS:
        np.testing.assert_allclose(ours[name], exact[name], rtol=0, atol=1e-12, err_msg=name)
    assert topk_recall(top, top) == 1.0


def test_topk_metrics_refuse_what_a_top_k_cannot_give():
    q, t, _scores, rel = _data(n_q=5, n_t=50)
    top = exact_topk(q, t, 5)
    with pytest.raises(ValueError, match="only cutoff metrics"):
        cutoff_metrics_from_topk(top, rel, ["map"])
    with pytest.raises(ValueError, match="only 5 searched"):
        cutoff_metrics_from_topk(top, rel, ["recall@10"])


def test_ivf_search_is_exact_when_every_list_is_probed_and_close_with_few():
    IVFIndex = ann.IVFIndex

    q, t, _scores, rel = _data(n_q=200, n_t=5000)
    index = IVFIndex(t, n_lists=50)
    assert index.n_lists == 50 and sorted(index.ids.tolist()) == list(range(5000))
    exact = exact_topk(q, t, 10)
    every = index.search(q, 10, n_probe=50)
    assert topk_recall(every, exact) == 1.0
    np.testing.assert_array_equal(every, exact)  # same order too (no ties near the top)
    some = index.search(q, 10, n_probe=10)
    assert some.shape == (200, 10) and some.min() >= 0
    assert 0.4 <= topk_recall(some, exact) < 1.0  # uniform random vectors: the hard case for any index
    a = cutoff_metrics_from_topk(some, rel, ["recall@10"])["recall@10"].mean()
    e = cutoff_metrics_from_topk(exact, rel, ["recall@10"])["recall@10"].mean()
    assert abs(a - e) < 0.1
    # fewer than k targets in the probed lists: the rest is marked -1
    tiny = IVFIndex(t[:30], n_lists=10)
    short = tiny.search(q[:5], 10, n_probe=1)
    assert (short[:, -1] == -1).any()
