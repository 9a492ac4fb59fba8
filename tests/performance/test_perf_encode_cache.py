"""What a cold run encodes: each text once per prompt (not once per role and input type) for models
that declare it, and in batches of similar length."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.caches.embeddings import CachedModel, encode_with_cache
from workbench.dataset.ranking import RankingDataset
from workbench.models.model import ModelInfo
from workbench.scoring.matrix import score_dataset


class HistogramModel:
    """Character histograms: a real deterministic encoder that records every call."""

    def __init__(self, shared: bool, prompts: dict | None = None):
        self.info = ModelInfo(name=f"hist-{shared}", revision="1", kind="embedding", embedding_dim=26)
        self.encode_depends_only_on_prompt = shared
        self.prompts = prompts or {}
        self.calls: list[tuple[str, list[str]]] = []

    def prompt_for(self, *, role, input_type, group=None):
        return self.prompts.get(role)

    def encode(self, texts, *, role, input_type, group=None):
        self.calls.append((role, list(texts)))
        prefix = self.prompts.get(role) or ""
        out = np.zeros((len(texts), 26), np.float32)
        for row, text in enumerate(texts):
            for ch in (prefix + text).lower():
                if "a" <= ch <= "z":
                    out[row, ord(ch) - 97] += 1
            out[row, 0] += 0.5  # no all-zero rows
        return out


def _dataset(queries, targets):
    q = pd.DataFrame({"id": [f"q{i}" for i in range(len(queries))], "text": queries})
    t = pd.DataFrame({"id": [f"t{i}" for i in range(len(targets))], "text": targets})
    qrels = pd.DataFrame({"query_id": q["id"], "target_id": t["id"][: len(q)]})
    return RankingDataset.build(q, t, qrels)


def _run(model, ds, cache_dir, query_type, target_type):
    return score_dataset(
        CachedModel(model, cache_dir),
        ds,
        query_type=query_type,
        target_type=target_type,
        group=None,
        metrics=["map"],
        progress=False,
    )


SKILLS = ["bake bread", "cook", "drive vehicles", "teach students"]
JOBS = ["baker", "chef", "taxi driver", "teacher"]


def test_role_free_model_encodes_a_text_once_across_roles(tmp_path):
    model = HistogramModel(shared=True)
    job2skill = _run(model, _dataset(JOBS, SKILLS), tmp_path, "job_title", "skill_name")
    skill2job = _run(model, _dataset(SKILLS, JOBS), tmp_path, "skill_name", "occupation")
    assert job2skill.texts_encoded == 8 and skill2job.texts_encoded == 0  # all found in the shared cache
    # and the scores are those of a fresh, uncached evaluation
    fresh = _run(HistogramModel(shared=True), _dataset(SKILLS, JOBS), None, "skill_name", "occupation")
    np.testing.assert_array_equal(skill2job.per_query["map"], fresh.per_query["map"])


def test_other_models_and_different_prompts_keep_their_caches_apart(tmp_path):
    plain = HistogramModel(shared=False)
    _run(plain, _dataset(JOBS, SKILLS), tmp_path, "job_title", "skill_name")
    assert _run(plain, _dataset(SKILLS, JOBS), tmp_path, "skill_name", "occupation").texts_encoded == 8
    prompted = HistogramModel(shared=True, prompts={"query": "query: "})
    _run(prompted, _dataset(JOBS, SKILLS), tmp_path, "job_title", "skill_name")
    # the skills were cached as targets (no prompt) and are now queries ("query: "); the jobs the other
    # way round: the prompts differ, so all 8 are new
    assert _run(prompted, _dataset(SKILLS, JOBS), tmp_path, "skill_name", "occupation").texts_encoded == 8


def test_batches_are_filled_shortest_first():
    calls = []

    def encode(texts):
        calls.append(list(texts))
        return np.ones((len(texts), 2), np.float32) * np.array([[len(t), 1] for t in texts], np.float32)

    texts = ["a" * n for n in (9, 1, 5, 3, 7, 2, 8, 4, 6)] + ["a" * 5]  # one duplicate
    matrix, encoded = encode_with_cache(texts, encode, None, batch=4)
    assert encoded == 9
    assert [[len(t) for t in c] for c in calls] == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]
    np.testing.assert_array_equal(matrix[:, 0], [len(t) for t in texts])  # rows still in input order
