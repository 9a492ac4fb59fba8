"""Lexical and trivial scoring baselines on a toy target space."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import WorkBenchError
from workbench.models.model import ScoringModel, model_kind
from workbench.models.registry import load_model

TOY_TARGETS = [
    "Python (computer programming)",
    "bake bread",
    "drive vehicles",
    "administer medication",
    "manage a team",
    "use spreadsheets software",
    "teach students",
    "SQL",
]
QUERIES = ["bake bread", "SQL", "manage a team", "teach students"]


@pytest.mark.parametrize("name", ["bm25", "tfidf", "edit-distance"])
def test_exact_match_ranks_first(name):
    model = load_model(name)
    assert isinstance(model, ScoringModel) and model_kind(model) == "scoring"
    index = model.index(TOY_TARGETS, target_type="skill_name", group="skill_normalization")
    scores = model.score(QUERIES, index, query_type="skill_name", group="skill_normalization")
    assert scores.shape == (len(QUERIES), len(TOY_TARGETS)) and scores.dtype == np.float32
    assert np.isfinite(scores).all()
    expected = [TOY_TARGETS.index(q) for q in QUERIES]
    assert scores.argmax(axis=1).tolist() == expected
    for row, col in enumerate(expected):  # strictly first, not tied
        assert (np.delete(scores[row], col) < scores[row, col]).all()
    # blocks are independent: scoring one query equals its row in the block
    np.testing.assert_allclose(model.score(QUERIES[1:2], index, query_type="skill_name"), scores[1:2], rtol=1e-6)
    assert model.score([], index, query_type="skill_name").shape == (0, len(TOY_TARGETS))


def test_bm25_unknown_words_give_a_zero_row_and_case_is_ignored():
    model = load_model("bm25")
    index = model.index(TOY_TARGETS, target_type="skill_name")
    scores = model.score(["quantum basket weaving", "", "BAKE Bread"], index, query_type="skill_name")
    assert not scores[0].any() and not scores[1].any()
    assert scores[2].argmax() == TOY_TARGETS.index("bake bread")
    assert model.info.settings["k1"] == 1.5 and model.info.settings["b"] == 0.75
    assert model.info.settings["stopwords"] is None


def test_tfidf_scores_are_cosines():
    model = load_model("tfidf")
    index = model.index(TOY_TARGETS, target_type="skill_name")
    scores = model.score(TOY_TARGETS, index, query_type="skill_name")
    np.testing.assert_allclose(np.diag(scores), 1.0, atol=1e-5)
    assert scores.min() >= 0 and scores.max() <= 1 + 1e-5


def test_edit_distance_refuses_oversubscription():
    with pytest.raises(WorkBenchError, match="workers"):
        load_model("edit-distance", workers=-1)
    model = load_model("edit-distance", workers=2)
    index = model.index(["abc", "xyz"], target_type="text")
    np.testing.assert_allclose(model.score(["ABC!"], index, query_type="text"), [[1.0, 0.0]])


def test_random_is_deterministic_across_calls_blocks_and_instances():
    model = load_model("random")
    index = model.index(TOY_TARGETS, target_type="skill_name")
    full = model.score(QUERIES, index, query_type="skill_name")
    again = load_model("random").score(QUERIES, index, query_type="skill_name")
    blocks = np.vstack(
        [
            model.score(QUERIES[:1], index, query_type="skill_name"),
            model.score(QUERIES[1:], index, query_type="skill_name"),
        ]
    )
    reordered = model.score(QUERIES[::-1], index, query_type="skill_name")[::-1]
    for other in (again, blocks, reordered):
        np.testing.assert_array_equal(full, other)
    assert full.shape == (4, len(TOY_TARGETS)) and full.dtype == np.float32
    assert ((full >= 0) & (full < 1)).all() and len(np.unique(full)) == full.size
    other_seed = load_model("random", seed=1)
    assert not np.array_equal(full, other_seed.score(QUERIES, index, query_type="skill_name"))
    assert other_seed.info.revision != model.info.revision


def test_lexical_revisions_hash_settings():
    assert load_model("bm25").info.revision == load_model("bm25").info.revision
    assert load_model("bm25").info.revision != load_model("bm25", k1=1.2).info.revision
    assert load_model("tfidf").info.revision != load_model("tfidf", sublinear_tf=True).info.revision
