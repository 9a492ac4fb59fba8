"""A UWE run that changes graphs, ablations, steps or tau_a names the recipe's model as `variant_of` (the
leaderboard lists it beside the main ranking); the recipe itself, or only a tag, is a submitted model."""

from __future__ import annotations

import pytest

from workbench.uwe_reference.recipes import get_recipe


def test_variant_of_follows_what_the_name_says_differs():
    small = get_recipe("cpu-small")
    assert small.variant_of() is None
    assert small.with_options(tag="h100").variant_of() is None  # a replicate on other hardware: its own row
    assert small.with_options(max_steps=300).variant_of() is None  # the recipe's own step budget
    for changed in (
        small.with_options(graphs=["job"], tag="h100"),
        small.with_options(ablations=["plain"]),
        small.with_options(max_steps=480),
        small.with_options(tau_a=0.3),
    ):
        assert changed.model_name() != "uwe-cpu-small" and changed.variant_of() == "uwe-cpu-small"
    assert get_recipe("paper").with_options(graphs=["alias"]).variant_of() == "uwe-paper"


def test_a_recipe_that_names_only_changes_is_its_own_row():
    long = get_recipe("cpu-long")  # one-directional loss and cosine attention are the recipe's own settings
    assert long.ablations() == ["one-directional", "cosine-attention"]
    assert long.model_name() == "uwe-cpu-long" and long.variant_of() is None
    pooled = long.with_options(ablations=["pooled"])
    assert pooled.model_name() == "uwe-cpu-long-pooled" and pooled.variant_of() == "uwe-cpu-long"
    assert long.with_options(max_steps=300).model_name() == "uwe-cpu-long-300steps"
    # the older recipes keep the names their committed rows and cards carry
    assert get_recipe("cpu-paper").model_name() == "uwe-cpu-paper-cosine-attention"


@pytest.mark.torch
def test_the_naming_switch_is_not_learned_so_a_resume_accepts_it():
    from workbench.uwe_reference.train import _config_hash

    long = get_recipe("cpu-long")
    assert _config_hash(long) == _config_hash(long.model_copy(update={"name_recipe_ablations": True}))
