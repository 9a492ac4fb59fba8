"""The same command twice gives the same result files, byte for byte in the scores and per-query values.

Two `workbench run` processes with different PYTHONHASHSEED (so set/dict-order accidents would show)
and separate caches, for tfidf, random, edit-distance and all-MiniLM-L6-v2; then MiniLM through a warm
embedding cache (nothing re-encoded, same bytes). The random model's seed is in its result.
"""

from __future__ import annotations

import pytest

from rel_support import cli, comparable, minilm, result_files  # noqa: F401 (minilm is a fixture)
from workbench.results.result_file import read_result
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

MODELS = ("tfidf", "random", "edit-distance", "all-MiniLM-L6-v2")
TASKS = ("esco-job2skill", "esco-skillnorm")


@pytest.mark.torch
def test_same_command_twice_gives_identical_results(esco_data_dir, tmp_path):
    pytest.importorskip("sentence_transformers")
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        done = cli(
            "run",
            "--model",
            ",".join(MODELS),
            "--tasks",
            ",".join(TASKS),
            "--split",
            "full",
            "--output",
            str(out),
            "--data-dir",
            str(esco_data_dir),
            "--no-progress",
            cache_dir=tmp_path / f"cache-{seed}",
            env={"PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"8 written, 0 reused, 0 failed → {out}"
        outputs.append(result_files(out))
    first, second = outputs
    assert sorted(first) == sorted(second) and len(first) == len(MODELS) * len(TASKS)
    for rel in first:
        a, b = read_result(first[rel]), read_result(second[rel])
        assert a.per_query.values == b.per_query.values, rel  # base64 of the float32 bytes
        assert (
            a.per_query.query_ids == b.per_query.query_ids and a.scores == b.scores and a.fingerprint == b.fingerprint
        )
        assert comparable(first[rel]) == comparable(second[rel]), rel
    random_result = read_result(first["random/esco-job2skill__v1__full.json"])
    assert random_result.model.settings["seed"] == 0
    minilm_result = read_result(first["all-MiniLM-L6-v2/esco-job2skill__v1__full.json"])
    assert minilm_result.model.settings["trust_remote_code"] is False


@pytest.mark.torch
def test_minilm_through_a_warm_cache_is_byte_identical(minilm, esco_data_dir, tmp_path):  # noqa: F811 - the fixture
    task = Task(get_task_spec("esco-skillnorm"), data_dir=esco_data_dir, cache_dir=tmp_path / "cache")
    uncached = task.evaluate(minilm, "full", use_cache=False, progress=False)
    cold = task.evaluate(minilm, "full", progress=False)
    warm = task.evaluate(minilm, "full", progress=False)
    assert cold.timing.texts_encoded == uncached.timing.texts_encoded > 0 and warm.timing.texts_encoded == 0
    assert uncached.per_query.values == cold.per_query.values == warm.per_query.values
    assert uncached.fingerprint == cold.fingerprint == warm.fingerprint


def test_random_seed_is_recorded_and_changes_the_scores(esco_data_dir, cache_dir):
    from workbench.models.registry import load_model

    task = Task(get_task_spec("esco-skillnorm"), data_dir=esco_data_dir, cache_dir=cache_dir)
    zero, seven = (task.evaluate(load_model("random", seed=s), "full", progress=False) for s in (0, 7))
    assert (zero.model.settings["seed"], seven.model.settings["seed"]) == (0, 7)
    assert zero.fingerprint != seven.fingerprint and zero.per_query.values != seven.per_query.values
    assert (
        task.evaluate(load_model("random", seed=7), "full", progress=False).per_query.values == seven.per_query.values
    )
