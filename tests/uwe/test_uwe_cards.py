"""Model cards of the committed UWE rows (uwe_reference/cards/): one per leaderboard/results/uwe-* row, each
matching its row's result files, its data checksums the data manifest's, each a registered model name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.errors import WorkBenchError
from workbench.results.result_file import read_result
from workbench.uwe_reference import named
from workbench.uwe_reference.named import read_card

RESULTS = Path(__file__).resolve().parents[2] / "leaderboard" / "results"
COMMITTED_ROWS = sorted(p.name for p in RESULTS.glob("uwe-*") if p.is_dir())


def test_every_committed_uwe_row_has_a_card_matching_its_results():
    from workbench.data.data_manifest import MANIFEST
    from workbench.models.registry import MODELS, registered_models

    assert COMMITTED_ROWS and sorted(named.card_names()) == COMMITTED_ROWS
    manifest = {entry.path: entry.sha256 for entry in MANIFEST}
    listed = {row["name"]: row for row in registered_models()}
    for name in COMMITTED_ROWS:
        card = read_card(named.CARDS_DIR / f"{name}.json")
        for result_file in sorted((RESULTS / name).glob("*.json")):
            model = read_result(result_file).model
            assert model.name == name and model.revision == card.revision, result_file
            settings = model.settings
            assert settings["tau_a"] == (card.scoring_tau_a or card.recipe.tau_a), result_file
            assert settings["ablations"] == card.recipe.ablations() and settings["seed"] == card.seed, result_file
            assert settings["steps"] == card.training_cost.steps and model.trained_on == card.recipe.graphs
        # the weights' own name is what the recipe names them; a row scored at another tau_a says so
        if card.trainable:
            assert card.weights_name == card.recipe.model_name()
            assert name == card.weights_name + (f"-scored-tau{card.scoring_tau_a:g}" if card.scoring_tau_a else "")
        for data_file in card.training_data:  # the checksums are the data manifest's
            assert manifest[data_file.path] == data_file.sha256, (name, data_file.path)
        assert MODELS.find(name) == name and listed[name]["kind"] == "scoring"  # an entry point names it


def test_a_bad_card_is_one_line_naming_file_and_field(tmp_path):
    good = json.loads((named.CARDS_DIR / "uwe-cpu-small.json").read_text(encoding="utf-8"))
    bad = tmp_path / "uwe-cpu-small.json"
    bad.write_text(json.dumps({**good, "weights_sha256": "not-a-hash"}), encoding="utf-8")
    with pytest.raises(WorkBenchError) as err:
        read_card(bad)
    assert str(bad) in str(err.value) and "weights_sha256" in str(err.value) and "\n" not in str(err.value)
    renamed = tmp_path / "uwe-other.json"
    renamed.write_text(json.dumps(good), encoding="utf-8")
    with pytest.raises(WorkBenchError, match="differs from the file name"):
        read_card(renamed)


def test_the_time_line_comes_from_the_recorded_cost():
    line = named.training_estimate(named.get_card("uwe-cpu-small"))
    assert line.startswith("training uwe-cpu-small from recipe cpu-small (300 steps of 32 edges per graph)")
    assert "~19 CPU-min" in line  # docs/uwe.md: ~19 CPU-min on one thread
    gpu = named.training_estimate(named.get_card("uwe-cpu-small-h100"))
    assert "H100" in gpu and "uwe-cpu-small, its recipe on a CPU, took ~19 CPU-min" in gpu


def test_a_broken_card_fails_its_own_name_not_the_listing(tmp_path, monkeypatch):
    import shutil

    cards = tmp_path / "cards"
    shutil.copytree(named.CARDS_DIR, cards)
    (cards / "uwe-cpu-small.json").write_text("{", encoding="utf-8")
    monkeypatch.setattr(named, "CARDS_DIR", cards)
    named.get_card.cache_clear()
    try:
        models = named.card_models()
        assert sorted(models) == named.card_names()
        broken = models["uwe-cpu-small"]
        assert "broken model card" in broken.workbench_card["description"]
        with pytest.raises(WorkBenchError, match=r"uwe-cpu-small\.json: not JSON"):
            broken()
        assert models["uwe-cpu-small-h100"].workbench_card["parameters"] == 22_713_216
    finally:
        named.get_card.cache_clear()  # the next test reads the committed cards again


def test_a_card_claims_reproducible_only_with_pinned_weights_anyone_can_get_or_rebuild(tmp_path):
    """Issue 26.3: a row is ranked on the main board only when its weights are pinned and obtainable (hub) or
    rebuildable (recipe); a card that says reproducible without a weights sha256 is refused in one line."""
    card = json.loads((named.CARDS_DIR / "uwe-cpu-small.json").read_text(encoding="utf-8"))
    assert card["weights_sha256"] is None
    bad = tmp_path / "uwe-cpu-small.json"
    bad.write_text(json.dumps({**card, "reproducible": True}), encoding="utf-8")
    with pytest.raises(WorkBenchError, match="reproducible is true: the card must pin weights_sha256"):
        read_card(bad)
    pinned = {**card, "reproducible": True, "weights_sha256": "a" * 64, "trainable": True}
    bad.write_text(json.dumps(pinned), encoding="utf-8")
    assert read_card(bad).reproducible


# The rows whose weights are pinned and rebuild from the recipe (a rebuild shown deterministic: docs/uwe.md).
REPRODUCIBLE_ROWS = ["uwe-cpu-mpnet"]


def test_only_the_pinned_rebuildable_uwe_row_is_reproducible_and_the_registry_says_so():
    """Only uwe-cpu-mpnet's weights are pinned and rebuild from its recipe (docs/uwe.md): every other card says
    why not, the registered card carries the flag the board archives by, and the one row whose recipe was
    chosen after test scores were read says which choice."""
    from workbench.models.registry import registered_card

    for name in COMMITTED_ROWS:
        card = read_card(named.CARDS_DIR / f"{name}.json")
        reproducible = name in REPRODUCIBLE_ROWS
        assert card.reproducible is reproducible and registered_card(name)["reproducible"] is reproducible, name
        if reproducible:
            assert card.weights_sha256 and card.trainable and card.selected_with_test is None, name
        else:
            assert card.reproducibility.startswith("not reproducible:"), name
    assert "one-directional loss" in read_card(named.CARDS_DIR / "uwe-cpu-long.json").selected_with_test
    assert registered_card("bm25") is not None and "reproducible" not in registered_card("bm25")
    assert registered_card("no-such-model") is None


def test_every_card_file_is_a_model_name_through_the_one_entry_point():
    """One `workbench.model_sets` entry point lists the cards: each cards/*.json resolves by its name, with its
    card's settings and static card, and a new card needs no entry point of its own."""
    from workbench.models.registry import MODEL_SETS_GROUP, MODELS, accepted_settings, registered_card

    files = sorted(named.CARDS_DIR.glob("*.json"))
    assert len(files) == len(COMMITTED_ROWS)
    for path in files:
        assert MODELS.find(path.stem) == path.stem, path
        assert MODELS.origin(path.stem).endswith(f"(entry point {MODEL_SETS_GROUP} uwe-cards)")
        assert f"uwe_reference/cards/{path.name}" in registered_card(path.stem)["notes"]
        assert set(accepted_settings(path.stem)) == {"device", "batch_size", "data_dir", "disk_cache", "show_progress"}
