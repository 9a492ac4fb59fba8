"""A pip-installed package registers a model and a folder of task files through entry points, exactly as
WorkBench's own baselines do. The distribution is written by hand into a temporary site folder (a
.dist-info with METADATA and entry_points.txt, the layout pip writes) and put on PYTHONPATH of a fresh
`workbench` process, as an installed plugin would be."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench.results.result_file import read_result
from workbench.taskfiles.catalog import task_files_dir

PLUGIN = '''
import numpy as np

from workbench.models.model import ModelInfo
from workbench.models.registry import model_card


class LengthScorer:
    """Targets whose length is closest to the query's rank first."""

    def __init__(self, penalty: float = 1.0):
        self.penalty = penalty
        self.info = ModelInfo(name="toy-length", revision="1", kind="scoring", training_data=["none"],
                              settings={"penalty": penalty})

    def index(self, targets, *, target_type, group=None):
        return np.array([len(t) for t in targets], dtype=float)

    def score(self, queries, index, *, query_type, group=None):
        lengths = np.array([len(q) for q in queries], dtype=float)
        return -self.penalty * np.abs(lengths[:, None] - index[None, :])


def word_pairs(ctx):
    """A source loader: queries, targets and relevant pairs given in the task file's params."""
    import pandas as pd

    from workbench.sources import SourceFrames

    pairs = ctx.param("pairs")
    queries = pd.DataFrame({"id": [f"q{i}" for i in range(len(pairs))], "text": [q for q, _ in pairs]})
    targets = pd.DataFrame({"id": [f"t{i}" for i in range(len(pairs))], "text": [t for _, t in pairs]})
    qrels = pd.DataFrame({"query_id": queries["id"], "target_id": targets["id"]})
    return SourceFrames(queries=queries, targets=targets, qrels=qrels)


@model_card(description="rank by length difference", kind="scoring", license="MIT", training_data=["none"])
def toy_length(*, penalty: float = 1.0):
    return LengthScorer(penalty)
'''

ENTRY_POINTS = """[workbench.models]
toy-length = toyplug:toy_length

[workbench.tasks]
toyplug-tasks = toyplug.tasks

[workbench.source_loaders]
toyplug_pairs = toyplug:word_pairs
"""
PAIRS = [
    ["nurse", "nursing"],
    ["software developer", "programming software"],
    ["baker", "baking bread"],
    ["crane operator", "operating cranes"],
    ["teacher", "teaching children"],
]


def write_plugin(site: Path) -> None:
    package = site / "toyplug"
    (package / "tasks").mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN)
    (package / "tasks" / "__init__.py").write_text("")
    spec = yaml.safe_load((task_files_dir() / "esco-job2skill.yaml").read_text(encoding="utf-8"))
    spec.update(name="toyplug-job2skill", suites=[])
    (package / "tasks" / "toyplug-job2skill.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    # a task whose data come from the plugin's own source loader
    spec.update(
        name="toyplug-pairs",
        group="skill_normalization",
        query_type="job_title",
        target_type="skill_name",
        source={"loader": "toyplug_pairs", "params": {"pairs": PAIRS}},
        splits={"method": "hash", "fractions": {"test": 1.0}, "available": ["test", "full"]},
        metrics=["map"],
        main_score="map",
    )
    (package / "tasks" / "toyplug-pairs.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    dist = site / "toyplug-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toyplug\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)


def workbench_cli(site: Path, *args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "WORKBENCH_CACHE_DIR": str(cache),
    }
    return subprocess.run(
        [sys.executable, "-m", "workbench.fronts.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_an_installed_plugin_adds_a_model_and_tasks(tmp_path, esco_data_dir):
    site = tmp_path / "site"
    write_plugin(site)
    listed = workbench_cli(site, "models", "list", cache=tmp_path / "cache")
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if row.startswith("toy-length"))
    assert "[from toyplug 0.1 (entry point workbench.models)]" in line
    bm25 = next(row for row in listed.stdout.splitlines() if row.startswith("bm25"))
    assert "[from workbench-bench" in bm25  # our own baselines come the same way
    out = tmp_path / "results"
    ran = workbench_cli(
        site,
        "run",
        "--model",
        "toy-length",
        "--tasks",
        "toyplug-job2skill",
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(esco_data_dir),
        "--no-progress",
        cache=tmp_path / "cache",
    )
    assert ran.returncode == 0, ran.stderr
    result = read_result(out / "toy-length" / "toyplug-job2skill__v1__full.json")
    assert result.model.name == "toy-length" and result.task.name == "toyplug-job2skill"
    assert 0.0 <= result.main_score <= 1.0
    ran = workbench_cli(
        site,
        "run",
        "--model",
        "bm25",
        "--tasks",
        "toyplug-pairs",
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(esco_data_dir),
        "--no-progress",
        cache=tmp_path / "cache",
    )
    assert ran.returncode == 0, ran.stderr
    pairs = read_result(out / "bm25" / "toyplug-pairs__v1__full.json")
    assert pairs.sizes["queries"] == len(PAIRS) and pairs.main_score > 0.0


def test_without_the_plugin_its_names_are_unknown(tmp_path):
    listed = workbench_cli(tmp_path, "models", "list", cache=tmp_path / "cache")
    assert listed.returncode == 0 and "toy-length" not in listed.stdout


@pytest.mark.slow  # three CLI processes
def test_a_plugin_task_folder_carries_its_own_size_record(tmp_path, esco_data_dir):
    """A new task (the plugin's) is listed without sizes and the command that counts it, and so is one whose
    folder's record is broken; once counted, its sizes come from the plugin folder's own record, not ours."""
    site = tmp_path / "site"
    write_plugin(site)
    cache = tmp_path / "cache"
    before = workbench_cli(site, "tasks", "list", "--json", cache=cache)
    assert before.returncode == 0, before.stderr
    rows = {r["name"]: r for r in json.loads(before.stdout)}
    assert rows["toyplug-pairs"]["sizes"] is None
    assert "tasks sizes --write --tasks toyplug-pairs" in rows["toyplug-pairs"]["error"]
    record = site / "toyplug" / "tasks" / "_sizes.json"
    record.write_text("{not json", encoding="utf-8")
    broken = workbench_cli(site, "tasks", "list", "--json", cache=cache)
    assert broken.returncode == 0, broken.stderr
    rows = {r["name"]: r for r in json.loads(broken.stdout)}
    assert rows["toyplug-job2skill"]["error"].startswith(f"{record}: size record is not JSON")
    assert rows["esco-job2skill"]["sizes"]["test"]["queries"] > 0  # ours still listed with sizes
    counted = workbench_cli(
        site, "tasks", "sizes", "--write", "--tasks", "toyplug-pairs", "--data-dir", str(esco_data_dir), cache=cache
    )
    assert counted.returncode == 0, counted.stderr
    assert f"wrote 1 task(s) into {record}" in counted.stdout
    after = workbench_cli(site, "tasks", "list", "--json", cache=cache)
    row = next(r for r in json.loads(after.stdout) if r["name"] == "toyplug-pairs")
    assert row["sizes"]["test"]["queries"] == len(PAIRS) and "error" not in row
    assert "toyplug-pairs" not in (task_files_dir() / "_sizes.json").read_text(encoding="utf-8")
