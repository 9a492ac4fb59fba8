"""End to end on a fixture ESCO release in the publisher's format: task file → dataset → model → result file."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from workbench.errors import WorkBenchError
from workbench.models.registry import load_model
from workbench.results.result_file import read_result, result_path
from workbench.running.runner import run
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec


@pytest.fixture
def job2skill(esco_data_dir, cache_dir):
    return Task(get_task_spec("esco-job2skill"), data_dir=esco_data_dir, cache_dir=cache_dir)


def test_dataset_from_fixture_release(job2skill):
    full = job2skill.dataset("full")
    assert full.n_queries == 8 and full.n_targets == 12
    assert full.n_positives == 20
    splits = {
        s: job2skill.dataset(s).n_queries
        for s in ("train", "val", "test")
        if (job2skill.full_dataset.query_splits == s).any()
    }
    assert sum(splits.values()) == 8


def test_tfidf_beats_random_and_result_file_is_complete(job2skill, tmp_path):
    tfidf = job2skill.evaluate(load_model("tfidf"), "full", progress=False)
    rnd = job2skill.evaluate(load_model("random"), "full", progress=False)
    assert tfidf.scores["map"] > rnd.scores["map"]
    assert tfidf.official and tfidf.task.name == "esco-job2skill" and tfidf.task.version == 1
    assert set(tfidf.data_files) == {
        "esco/v1.1.1/ESCO dataset - v1.1.1 - classification - en - csv.zip",
        "esco/v1.1.1/ESCO dataset - v1.1.1 - classification -  - csv.zip",
    }
    assert tfidf.sizes["queries"] == 8 and tfidf.model.revision
    per_query = tfidf.per_query.decode()
    assert len(per_query["map"]) == 8 and np.isclose(per_query["map"].mean(), tfidf.scores["map"])


def test_runner_reuses_only_exact_matches(esco_data_dir, cache_dir, tmp_path):
    spec = get_task_spec("esco-job2skill")
    out = tmp_path / "results"
    kwargs = dict(
        split="full",
        output=out,
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda m: None,
    )
    first = run(["tfidf"], [spec], **kwargs)
    assert len(first.written) == 1
    again = run(["tfidf"], [spec], **kwargs)
    assert again.reused == first.written and not again.written
    # a different split, tie policy or limit never reuses the file
    assert len(run(["tfidf"], [spec], **{**kwargs, "ties": "pessimistic"}).written) == 1
    limited = run(["tfidf"], [spec], **{**kwargs, "limit": 3})
    assert not read_result(limited.written[0]).official


def test_edited_result_is_recomputed(esco_data_dir, cache_dir, tmp_path):
    spec = get_task_spec("esco-job2skill")
    out = tmp_path / "results"
    kwargs = dict(
        split="full",
        output=out,
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda m: None,
    )
    path = run(["tfidf"], [spec], **kwargs).written[0]
    data = json.loads(path.read_text())
    data["scores"]["map"] = 0.99
    path.write_text(json.dumps(data))
    with pytest.raises(WorkBenchError, match="file was edited or corrupted"):
        read_result(path)
    assert run(["tfidf"], [spec], **kwargs).written == [path]
    assert read_result(path).scores["map"] != 0.99


@pytest.mark.slow  # four CLI processes
def test_cli_run_and_tasks_list(esco_data_dir, cache_dir, tmp_path):
    out = tmp_path / "cli-results"
    env_cmd = [sys.executable, "-m", "workbench.fronts.cli"]
    done = subprocess.run(
        env_cmd
        + [
            "run",
            "--model",
            "tfidf",
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
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert result_path(out, "tfidf", "esco-job2skill", 1, "full").exists()
    listed = subprocess.run(
        env_cmd + ["tasks", "list", "--json", "--data-dir", str(esco_data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["esco-job2skill"]["sizes"]["full"]["queries"] == 8
    bad = subprocess.run(
        env_cmd
        + [
            "run",
            "--model",
            "no-such-model",
            "--tasks",
            "esco-job2skill",
            "--data-dir",
            str(esco_data_dir),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 1 and "no-such-model" in bad.stderr and "Traceback" not in bad.stderr
    missing = subprocess.run(
        env_cmd + ["run", "--model", "tfidf", "--tasks", "esco-job2skill", "--data-dir", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr


def test_import_is_light():
    code = "import sys, time; t=time.time(); import workbench, workbench.fronts.cli.main; print(time.time()-t); print(any(m in sys.modules for m in ('torch', 'sentence_transformers')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.split()
    assert out[1] == "False"


@pytest.mark.torch
def test_threads_option_does_not_import_torch():
    # torch reads OMP_NUM_THREADS when it loads; a warm run that never needs torch must not pay its import
    code = (
        "import sys; from workbench.fronts.cli.run import _limit_threads; _limit_threads(1); "
        "print('torch' in sys.modules); import torch; print(torch.get_num_threads())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.split()
    assert out[0] == "False"
    assert out == ["False"] or out[1] == "1"  # no torch installed: nothing else to check
