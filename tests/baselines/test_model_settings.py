"""`--model-setting KEY=VALUE`: model settings from the command line reach the models that accept them
(device, devices, batch size, max_seq_length, bm25's k1 ...), are recorded in the result files, and a
setting no model accepts is one clear error."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from workbench.errors import WorkBenchError
from workbench.fronts.cli.main import main
from workbench.fronts.cli.options import parse_model_settings, settings_per_model
from workbench.models.registry import accepted_settings
from workbench.results.result_file import read_result
from workbench.results.result_store import planned_path


def test_values_are_json_when_they_parse_else_text():
    parsed = parse_model_settings(["batch_size=8", "fp16=true", 'devices=["cpu", "cpu"]', "device=cuda:1", "k1=1.2"])
    assert parsed == {"batch_size": 8, "fp16": True, "devices": ["cpu", "cpu"], "device": "cuda:1", "k1": 1.2}
    for bad in ("batch_size", "=3", "batch size=3"):
        with pytest.raises(WorkBenchError, match="expected KEY=VALUE"):
            parse_model_settings([bad])
    with pytest.raises(WorkBenchError, match="given twice"):
        parse_model_settings(["k1=1", "k1=2"])


def test_each_model_gets_the_settings_it_accepts():
    for name in ("all-MiniLM-L6-v2", "all-mpnet-base-v2"):
        assert {"device", "devices", "batch_size", "max_seq_length", "fp16", "prompts"} <= set(accepted_settings(name))
    assert accepted_settings("bm25") == ["k1", "b", "method", "stopwords"]
    split = settings_per_model(["all-MiniLM-L6-v2", "bm25"], {"batch_size": 8, "k1": 1.2})
    assert split == {"all-MiniLM-L6-v2": {"batch_size": 8}, "bm25": {"k1": 1.2}}
    with pytest.raises(WorkBenchError) as err:
        settings_per_model(["bm25", "random"], {"batch_size": 8, "k1": 1.2})
    assert "batch_size" in str(err.value) and "k1" not in str(err.value).split(":")[0]
    assert "random: seed" in str(err.value)  # what each model would accept


@pytest.mark.torch
def test_cli_settings_reach_the_models_and_the_result_files(esco_data_dir, cache_dir, tmp_path):
    out = tmp_path / "results"
    base = [
        "run",
        "--model",
        "all-MiniLM-L6-v2,bm25",
        "--tasks",
        "esco-job2skill",
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(esco_data_dir),
        "--no-progress",
    ]
    done = CliRunner().invoke(main, base + ["-s", "max_seq_length=16", "-s", "k1=1.2", "-s", "batch_size=3"])
    assert done.exit_code == 0, done.output
    # settings given to a run get their own file (result_store.tagged_path), never the default one's
    minilm = read_result(
        planned_path(
            out,
            model="all-MiniLM-L6-v2",
            task="esco-job2skill",
            version=1,
            split="full",
            settings={"max_seq_length": 16, "batch_size": 3},
        )
    )
    bm25 = read_result(
        planned_path(out, model="bm25", task="esco-job2skill", version=1, split="full", settings={"k1": 1.2})
    )
    assert minilm.model.settings["max_seq_length"] == 16 and bm25.model.settings["k1"] == 1.2

    # another score-changing setting: a new model identity, recomputed, not reused from the first run
    again = CliRunner().invoke(main, base + ["--model-setting", "max_seq_length=32"])
    assert again.exit_code == 0, again.output
    redone = read_result(
        planned_path(
            out,
            model="all-MiniLM-L6-v2",
            task="esco-job2skill",
            version=1,
            split="full",
            settings={"max_seq_length": 32},
        )
    )
    assert redone.model.settings["max_seq_length"] == 32 and redone.fingerprint != minilm.fingerprint
    assert "2 written, 0 reused" in again.output  # bm25 too: back to its default k1

    wrong = CliRunner().invoke(main, base + ["-s", "k3=1"])
    assert wrong.exit_code == 2 and "k3" in wrong.output and "accepted by none of the models" in wrong.output
