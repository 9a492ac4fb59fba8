"""The scripts in examples/ run as a reader would run them, on the fixture ESCO release, and write
result files that `workbench` reads back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.models.weights import minilm_folder
from workbench.results.result_file import read_result

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TASK, SPLIT = "esco-job2skill", "full"


def run_example(script: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def env(esco_data_dir, cache_dir):
    return {"WORKBENCH_DATA_DIR": str(esco_data_dir), "WORKBENCH_CACHE_DIR": str(cache_dir), "HF_HUB_OFFLINE": "1"}


@pytest.mark.parametrize(
    "script, model", [("custom_encoder.py", "trigram-hasher"), ("index_score_model.py", "word-overlap")]
)
def test_models_written_in_python(script, model, env, tmp_path):
    out = tmp_path / "results"
    printed = run_example(script, TASK, SPLIT, str(out), env=env)
    result = read_result(out / model / f"{TASK}__v1__{SPLIT}.json")
    assert f"{TASK}: map = {result.main_score}" in printed and "written" in printed
    assert 0.0 < result.main_score <= 1.0 and result.model.training_data == ["none"]


@pytest.mark.torch
def test_sentence_transformer_object(env, tmp_path):
    out = tmp_path / "results"
    printed = run_example("sentence_transformer_object.py", str(minilm_folder()), TASK, SPLIT, str(out), env=env)
    result = read_result(out / "all-MiniLM-L6-v2" / f"{TASK}__v1__{SPLIT}.json")
    assert "written" in printed and result.model.name == "all-MiniLM-L6-v2" and len(result.model.revision) == 64


@pytest.mark.torch
def test_hub_id_and_prompts(env, tmp_path, hub_cache):
    env = {**env, "HF_HUB_CACHE": str(hub_cache.path)}
    out = tmp_path / "results"
    printed = run_example("hub_model.py", hub_cache.repo, TASK, SPLIT, str(out), env=env)
    assert f"{hub_cache.repo} at commit {hub_cache.commit}" in printed
    result = read_result(out / hub_cache.repo.replace("/", "_") / f"{TASK}__v1__{SPLIT}.json")
    assert result.model.revision == hub_cache.commit
    printed = run_example("roles_and_prompts.py", hub_cache.repo, TASK, SPLIT, str(out), env=env)
    assert "job2skill -> 'Represent this occupation for finding the skills it needs: '" in printed
    prompted = read_result(out / "minilm-with-prompts" / f"{TASK}__v1__{SPLIT}.json")
    assert prompted.model.prompts["query"].startswith("Represent this occupation")
