"""The scale-out recipes run as scripts on this machine: two shards, merge, leaderboard.

- docs/recipes/workbench-shards.slurm + workbench-merge.slurm, run with bash as SLURM would run them
  (the #SBATCH lines are comments to bash; SLURM_ARRAY_TASK_ID/COUNT set as for `--array=1-2`);
- .github/workflows/scale-shards.yml, its jobs' steps emulated: `run:` steps in bash with the ${{ }}
  expressions they use filled in, artifacts uploaded and downloaded through a folder; the steps that set up
  a runner (checkout, setup-python, cache, the install and data-fetch steps) are this machine's venv and
  the fixture ESCO release.
Both must give the same result files as one unsharded run, and a board that accepts every one of them.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench.results.result_file import read_result

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "docs" / "recipes"
WORKFLOW = REPO / ".github" / "workflows" / "scale-shards.yml"
MODELS = "bm25,tfidf,edit-distance,random"
TASKS = "esco-job2skill,esco-skill2job"
SPLIT = (
    "full"  # the fixture release's queries; no recorded query set for it, so the board checks files among themselves
)
MACHINE_SETUP = {"install", "fetch"}  # step ids this machine stands in for
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _env(tmp_path: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "WORKBENCH_MODELS": MODELS,
        "WORKBENCH_TASKS": TASKS,
        "WORKBENCH_SPLIT": SPLIT,
        "WORKBENCH_SUITE": "workbench-core",
        "WORKBENCH_DATA_DIR": str(data_dir),
        "WORKBENCH_CACHE_DIR": str(tmp_path / "cache"),
        **extra,
    }


def _bash(script: str, *, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _check_against_unsharded(merged: Path, board: Path, tmp_path: Path, env: dict[str, str]) -> None:
    whole = tmp_path / "whole"
    _bash(
        f"workbench run --model {MODELS} --tasks {TASKS} --split {SPLIT} --output {whole} --no-progress",
        cwd=tmp_path,
        env=env,
    )
    expected = {p.relative_to(whole).as_posix(): p for p in whole.glob("*/*.json")}
    found = {p.relative_to(merged).as_posix(): p for p in merged.glob("*/*.json")}
    assert set(found) == set(expected) and len(found) == 8
    for rel, path in expected.items():
        assert read_result(found[rel]).fingerprint == read_result(path).fingerprint, rel
        assert read_result(found[rel]).per_query.values == read_result(path).per_query.values, rel
    board_md = (board / "leaderboard.md").read_text(encoding="utf-8")
    for model in MODELS.split(","):
        assert f"| {model} |" in board_md


def test_slurm_recipe(esco_data_dir, tmp_path):
    run_dir = tmp_path / "run"
    env = _env(tmp_path, esco_data_dir, WORKBENCH_RUN_DIR=str(run_dir), SLURM_ARRAY_TASK_COUNT="2")
    for index in ("1", "2"):  # the array's two tasks
        _bash(f"bash {RECIPES / 'workbench-shards.slurm'}", cwd=tmp_path, env={**env, "SLURM_ARRAY_TASK_ID": index})
    shard_files = [
        {p.relative_to(run_dir / "shards" / i) for p in (run_dir / "shards" / i).glob("*/*.json")} for i in ("1", "2")
    ]
    assert all(shard_files) and sum(map(len, shard_files)) == 8
    out = _bash(f"bash {RECIPES / 'workbench-merge.slurm'}", cwd=tmp_path, env=env)
    assert "8 result files merged" in out and "8 accepted, 0 refused" in out
    _check_against_unsharded(run_dir / "merged", run_dir / "leaderboard", tmp_path, env)


# ---------------------------------------------------------------------------- the Actions workflow
def _expand(text: str, values: dict[str, object]) -> str:
    def value(match: re.Match) -> str:
        expression = match.group(1)
        assert expression in values, f"{WORKFLOW.name} uses ${{{{ {expression} }}}}, which this test does not emulate"
        return str(values[expression])

    return EXPRESSION.sub(value, text)


def _upload(step: dict, workspace: Path, artifacts: Path, values: dict) -> None:
    name = _expand(step["with"]["name"], values)
    paths = [workspace / p.strip() for p in _expand(step["with"]["path"], values).splitlines() if p.strip()]
    if len(paths) == 1:  # one folder: its contents are the artifact
        shutil.copytree(paths[0], artifacts / name)
    else:  # several: kept relative to their common folder (here the workspace)
        for path in paths:
            shutil.copytree(path, artifacts / name / path.relative_to(workspace))


def _download(step: dict, workspace: Path, artifacts: Path, values: dict) -> None:
    pattern, into = step["with"]["pattern"], workspace / _expand(step["with"]["path"], values)
    for artifact in sorted(artifacts.iterdir()):
        if fnmatch.fnmatch(artifact.name, pattern):  # one folder per artifact, as download-artifact@v4 does
            shutil.copytree(artifact, into / artifact.name)


def _run_job(job: dict, workspace: Path, artifacts: Path, env: dict[str, str], values: dict) -> str:
    workspace.mkdir(parents=True)
    env = {**env, "GITHUB_STEP_SUMMARY": str(workspace.parent / f"{workspace.name}-summary.md")}
    out = []
    for step in job["steps"]:
        uses = step.get("uses", "")
        if uses.startswith("actions/upload-artifact"):
            _upload(step, workspace, artifacts, values)
        elif uses.startswith("actions/download-artifact"):
            _download(step, workspace, artifacts, values)
        elif "run" in step and step.get("id") not in MACHINE_SETUP:
            out.append(_bash(_expand(step["run"], values), cwd=workspace, env=env))
        else:
            assert (
                uses.startswith(("actions/checkout", "actions/setup-python", "actions/cache"))
                or step.get("id") in MACHINE_SETUP
            ), step
    return "".join(out)


def test_github_actions_recipe(esco_data_dir, tmp_path):
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    env = _env(tmp_path, esco_data_dir)
    # the workflow's own env, except what the test sets (its inputs and the runner's folders)
    env.update({k: str(v) for k, v in workflow["env"].items() if k not in env})
    assert not any("${{" in v for v in env.values())
    artifacts = tmp_path / "artifacts"
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    assert merge_job["needs"] == "shard" and shard_job["strategy"]["matrix"]["shard"][:2] == [1, 2]
    for index in (1, 2):  # two of the matrix's shards: a matrix of two
        workspace = tmp_path / f"shard-{index}"
        _run_job(
            shard_job,
            workspace,
            artifacts,
            env,
            {"matrix.shard": index, "strategy.job-total": 2, "github.workspace": workspace},
        )
    assert sorted(p.name for p in artifacts.iterdir()) == ["results-shard-1", "results-shard-2"]
    workspace = tmp_path / "merge"
    out = _run_job(merge_job, workspace, artifacts, env, {"github.workspace": workspace})
    assert "8 result files merged" in out and "8 accepted, 0 refused" in out
    assert (artifacts / "results-merged" / "site" / "leaderboard.md").is_file()
    _check_against_unsharded(workspace / "merged", workspace / "site", tmp_path, env)
