"""Single-query latency against a pre-encoded target space."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import WorkBenchError
from workbench.models.registry import load_model
from workbench.running.latency import _top_k, hardware_description, measure_latency

TARGETS = [f"skill number {i}" for i in range(50)] + ["bake bread", "drive vehicles"]
QUERIES = ["bake bread", "drive a car", "cook meals"]
KEYS = {"mean_ms", "median_ms", "p95_ms", "n_queries", "n_targets", "batch_size", "hardware", "target_prepare_s"}


def test_scoring_model_latency():
    result = measure_latency(
        load_model("bm25"),
        QUERIES,
        TARGETS,
        query_type="skill_name",
        target_type="skill_name",
        group="skill_normalization",
        n_queries=20,
        warmup=2,
    )
    assert result.keys() >= KEYS
    assert result["n_queries"] == 20 and result["n_targets"] == len(TARGETS) and result["batch_size"] == 1
    assert 0 < result["median_ms"] <= result["p95_ms"] and result["mean_ms"] > 0
    hardware = result["hardware"]
    assert hardware["cpu"] and hardware["cpu_count"] >= 1 and hardware["device"] == "cpu"


@pytest.mark.torch
@pytest.mark.parametrize("fixture", ["e5", "minilm"])
def test_embedding_model_latency(fixture, request):
    model = request.getfixturevalue(fixture)
    result = measure_latency(
        model,
        QUERIES,
        TARGETS,
        query_type="skill_name",
        target_type="skill_name",
        group="skill_normalization",
        n_queries=5,
        warmup=1,
    )
    assert result["kind"] == "embedding" and result["mean_ms"] > 0 and result["model"] == model.info.name
    if fixture == "minilm":
        assert result["hardware"]["torch_threads"] >= 1


def test_top_k_and_errors():
    scores = np.array([0.1, 0.9, 0.5, 0.9, 0.2], dtype=np.float32)
    assert _top_k(scores, 3).tolist()[2] == 2 and set(_top_k(scores, 3)[:2]) == {1, 3}
    assert _top_k(scores[:2], 10).tolist() == [1, 0]
    with pytest.raises(WorkBenchError):
        measure_latency(load_model("random"), [], TARGETS, query_type="x", target_type="x", group=None)
    assert hardware_description()["cpu_usable"] >= 1


def test_latency_is_recorded_in_the_file_of_the_runs_settings(esco_data_dir, cache_dir, tmp_path):
    """`latency -s k1=…` finds the file `run -s k1=…` wrote (its own settings-tagged file), never the default one."""
    from click.testing import CliRunner

    from workbench.fronts.cli.main import main
    from workbench.results.result_file import read_result

    out = tmp_path / "results"
    common = ["--data-dir", str(esco_data_dir), "--split", "full", "--output", str(out)]
    runner = CliRunner()
    for settings in ([], ["-s", "k1=1.2"]):
        done = runner.invoke(main, ["run", "--model", "bm25", "--tasks", "esco-job2skill", *settings, *common])
        assert done.exit_code == 0, done.output
    measured = runner.invoke(
        main, ["latency", "--model", "bm25", "--task", "esco-job2skill", "--n", "3", "-s", "k1=1.2", *common]
    )
    assert measured.exit_code == 0, measured.output
    files = {p.name: read_result(p, check=False) for p in (out / "bm25").glob("*.json")}
    tagged = [name for name in files if "__settings-" in name]
    assert len(files) == 2 and len(tagged) == 1
    assert files[tagged[0]].latency is not None and f"latency recorded in {out / 'bm25' / tagged[0]}" in measured.output
    assert files["esco-job2skill__v1__full.json"].latency is None


def test_latency_relative_to_a_baseline_measured_in_the_same_run(esco_data_dir):
    """`latency --baseline`: both models timed over the same queries, and the ratio of their medians."""
    import json

    from click.testing import CliRunner

    from workbench.fronts.cli.main import main

    args = ["latency", "--model", "bm25", "--baseline", "edit-distance", "--task", "esco-job2skill", "--n", "6"]
    done = CliRunner().invoke(main, [*args, "--split", "full", "--data-dir", str(esco_data_dir)])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["model"]["model"] == "bm25" and report["baseline"]["model"] == "edit-distance"
    assert report["n_queries"] == 6 and report["batch_size"] == 1
    assert report["ratio_median"] == pytest.approx(report["model"]["median_ms"] / report["baseline"]["median_ms"])
    assert all(0 < row["median_ms"] <= row["p95_ms"] for row in (report["model"], report["baseline"]))
