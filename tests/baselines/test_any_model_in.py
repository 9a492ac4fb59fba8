"""Any model in: hub ids from a Hugging Face cache, Python objects, and folder names that say which model.

The hub cache is built in the test in the exact layout huggingface_hub writes
(models--ORG--NAME/snapshots/<commit>/ + refs/main), its files linked to the pip-installed MiniLM
weights; the hub itself is never contacted (HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from workbench.errors import WorkBenchError
from workbench.models.registry import load_model
from workbench.models.weights import minilm_folder

pytestmark = pytest.mark.torch


def link_tree(source, target):
    shutil.copytree(source, target, copy_function=os.symlink)


def test_hub_id_from_the_local_cache_records_the_commit(hub_cache, minilm):
    model = load_model(hub_cache.repo)
    assert model.info.name == hub_cache.repo and model.info.revision == hub_cache.commit
    pinned = load_model(f"{hub_cache.repo}@{hub_cache.commit}", batch_size=8)
    assert pinned.info.revision == hub_cache.commit
    texts = ["data scientist", "operate cranes"]
    got = model.encode(texts, role="query", input_type="job_title")
    np.testing.assert_allclose(got, minilm.encode(texts, role="query", input_type="job_title"), atol=1e-6)


def test_hub_id_offline_and_not_cached_is_one_line(hub_cache):
    with pytest.raises(WorkBenchError) as err:
        load_model("sentence-transformers/not-downloaded")
    message = str(err.value)
    assert "\n" not in message and "offline" in message and "not-downloaded" in message
    with pytest.raises(WorkBenchError, match="offline"):
        load_model(f"{hub_cache.repo}@{'0' * 40}")  # a revision the cache does not hold


def test_a_folder_is_named_by_its_card_or_by_name_never_model(tmp_path):
    bare = tmp_path / "model"
    link_tree(minilm_folder(), bare)
    (bare / "README.md").unlink()  # no card: the folder name 'model' says nothing
    with pytest.raises(WorkBenchError, match="-s name=NAME"):
        load_model(str(bare))
    unnamed = load_model(str(bare), name="my-minilm").info
    assert unnamed.name == "my-minilm" and unnamed.training_data == []  # declares nothing: zero-shot unknown
    carded = tmp_path / "checkpoint-500"
    link_tree(minilm_folder(), carded)
    info = load_model(str(carded)).info
    assert info.name == "all-MiniLM-L6-v2"  # the card's title
    assert {"s2orc", "ms_marco", "natural_questions"} <= set(info.training_data)  # the card's `datasets:`
    named = tmp_path / "job-embedder-v3"
    shutil.copytree(bare, named, symlinks=True)
    assert load_model(str(named)).info.name == "job-embedder-v3"


def test_workbench_run_takes_a_hub_id(hub_cache, esco_data_dir, cache_dir, tmp_path):
    from click.testing import CliRunner

    from workbench.fronts.cli.main import main
    from workbench.results.result_file import read_result, result_path

    out = tmp_path / "results"
    done = CliRunner().invoke(
        main,
        [
            "run",
            "--model",
            hub_cache.repo,
            "--tasks",
            "esco-job2skill",
            "--split",
            "full",
            "--output",
            str(out),
            "--data-dir",
            str(esco_data_dir),
            "--no-progress",
        ],
    )
    assert done.exit_code == 0, done.output
    result = read_result(result_path(out, hub_cache.repo, "esco-job2skill", 1, "full"))
    assert result.model.name == hub_cache.repo and result.model.revision == hub_cache.commit
