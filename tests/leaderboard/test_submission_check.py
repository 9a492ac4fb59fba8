"""`workbench results check` and the pull-request workflow's script, on the committed board's results:
a good submission (a committed model folder) passes and the board is rebuilt; a tampered copy fails
with one line per problem and exit status 1, before any board is built."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench.leaderboard.submission import card_problems, check_submission
from workbench.results.result_file import ModelRecord
from workbench.taskfiles.catalog import suite_tasks

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "leaderboard" / "results"
SCRIPT = ROOT / ".github" / "scripts" / "check-submissions.sh"
WORKBENCH = Path(sys.executable).with_name("workbench")
GOOD = RESULTS / "all-MiniLM-L6-v2"

pytestmark = pytest.mark.skipif(not GOOD.is_dir(), reason="committed results not present")


def _run_script(folder: Path, out: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WORKBENCH": str(WORKBENCH),
        "RESULTS": str(RESULTS),
        "OUT": str(out),
        "SUITES": "workbench-core",
        "N_BOOTSTRAP": "20",
    }
    return subprocess.run(
        ["bash", str(SCRIPT), str(folder)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def _file_of(folder: Path, task: str) -> Path:
    """The folder's result file of `task` on the test split, whatever the task's version."""
    (path,) = folder.glob(f"{task}__v*__test.json")
    return path


def _tamper(tmp_path: Path) -> Path:
    """The MiniLM results copied as a pip folder named `model`, one score edited, one task removed, one run limited."""
    folder = tmp_path / "model"
    shutil.copytree(GOOD, folder)
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text())
        data["model"]["name"] = "model"
        path.write_text(json.dumps(data))
    edited = _file_of(folder, "esco-jobnorm")
    data = json.loads(edited.read_text())
    data["scores"]["map"] += 0.05
    edited.write_text(json.dumps(data))
    _file_of(folder, "esco-skillnorm").unlink()
    limited = _file_of(folder, "esco-job2skill")
    data = json.loads(limited.read_text())
    data["official"], data["config"]["limit"] = False, 100
    limited.write_text(json.dumps(data))
    return folder


def test_workflow_runs_the_script_on_pull_requests():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "leaderboard.yml").read_text())
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    steps = workflow["jobs"]["check-submission"]["steps"]
    # the base's code judges: the base commit is checked out for code, the head beside it for its results
    base, head = (s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}" and "path" not in base["with"]
    assert head["with"]["ref"] == "${{ github.event.pull_request.head.sha }}" and head["with"]["path"] == "pr-head"
    assert not base["with"]["persist-credentials"] and not head["with"]["persist-credentials"]
    assert any(step.get("run", "") == ".github/scripts/pull-request-check.sh pr-head" for step in steps)
    assert "permissions" not in workflow["jobs"]["check-submission"]  # the read-only default
    # on merge, CI regenerates the site (and the ledger) and commits them: a results-only merge never leaves it stale
    build = " ".join(step.get("run", "") for step in workflow["jobs"]["build"]["steps"])
    assert "make leaderboard" in build and "git add leaderboard/site leaderboard/verification.json" in build
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")


@pytest.mark.slow
def test_script_passes_a_good_submission_and_rebuilds_the_board(tmp_path):
    done = _run_script(GOOD, tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"ok: {GOOD}" in done.stdout
    board = json.loads((tmp_path / "site" / "workbench-core" / "leaderboard.json").read_text())
    assert "all-MiniLM-L6-v2" in [m["name"] for m in board["models"]]


@pytest.mark.slow
def test_script_fails_a_tampered_submission_one_line_per_problem(tmp_path):
    folder = _tamper(tmp_path)
    done = _run_script(folder, tmp_path / "site")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith(f"{folder}: ")]
    # one line per problem: the four below, and one per untouched file, a renamed copy of MiniLM's
    copies = [line for line in lines if line.endswith("(a renamed copy)")]
    assert len(lines) == 4 + len(copies) and len(copies) == len(suite_tasks("workbench-core")) - 3, lines
    text = "\n".join(lines)
    assert f"{_file_of(folder, 'esco-jobnorm').name}: stored map" in text and "file was edited" in text
    assert f"{_file_of(folder, 'esco-job2skill').name}: unofficial run" in text
    assert "incomplete: no accepted official result for esco-job2skill, esco-jobnorm, esco-skillnorm" in text
    assert "already on the board as 'all-MiniLM-L6-v2'" in text
    assert "the check failed: the board is not built" in done.stdout and not (tmp_path / "site").exists()


def test_data_checksums_must_be_canonical(tmp_path):
    folder = tmp_path / "all-MiniLM-L6-v2"
    shutil.copytree(GOOD, folder)
    path = _file_of(folder, "esco-skill2job")
    data = json.loads(path.read_text())
    first = sorted(data["data_files"])[0]
    data["data_files"][first] = "0" * 64
    path.write_text(json.dumps(data))
    report = check_submission(folder, RESULTS)
    # the reference is the package's data manifest, never the checksums other submitted files carry
    (line,) = [p for p in report.problems if "[data-mismatch]" in p]
    assert line.startswith(f"{path.name}: data file {first!r} has sha256 000000000000… but the reference is ")


def test_model_card_fields():
    card = dict(name="m", revision="r", kind="embedding")
    assert len(card_problems(ModelRecord(**card))) == 3  # parameters, license, training data
    assert card_problems(ModelRecord(**card, parameters=10, license="MIT", training_data=["undisclosed"])) == []
    assert card_problems(ModelRecord(**card, training_data=["none"])) == []  # BM25-like: no weights
    assert ["parameters" in p for p in card_problems(ModelRecord(**card, license="MIT", training_data=["x"]))] == [True]
