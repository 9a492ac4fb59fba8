"""Independent check: MAP from the runner equals MAP computed here from SentenceTransformer.encode,
cosine similarity and a brute-force average precision, to 1e-6."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.models.registry import load_model
from workbench.models.weights import minilm_folder
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

pytestmark = pytest.mark.torch


def brute_force_ap(scores: np.ndarray, relevant: set[int]) -> float:
    order = sorted(range(len(scores)), key=lambda j: -scores[j])
    hits, total = 0, 0.0
    for rank, j in enumerate(order, start=1):
        if j in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


def test_runner_map_equals_direct_sentence_transformers(esco_data_dir, cache_dir):
    from sentence_transformers import SentenceTransformer

    task = Task(get_task_spec("esco-job2skill"), data_dir=esco_data_dir, cache_dir=cache_dir)
    result = task.evaluate(load_model("all-MiniLM-L6-v2"), "full", progress=False)

    ds = task.dataset("full")
    st = SentenceTransformer(str(minilm_folder()), device="cpu")
    q = st.encode(ds.query_texts.tolist(), convert_to_numpy=True).astype(np.float64)
    t = st.encode(ds.target_texts.tolist(), convert_to_numpy=True).astype(np.float64)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    scores = q @ t.T
    rel = ds.relevance.tocsr()
    aps = [brute_force_ap(scores[i], set(rel[i].indices.tolist())) for i in range(ds.n_queries)]
    assert len(set(np.round(scores.ravel(), 6))) == scores.size  # tie-free, so tie policy cannot matter
    np.testing.assert_allclose(result.per_query.decode()["map"], aps, atol=1e-6)
    assert abs(result.scores["map"] - float(np.mean(aps))) < 1e-6
