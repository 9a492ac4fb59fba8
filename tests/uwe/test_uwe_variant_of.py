"""A UWE run that changes graphs, ablations, steps or tau_a names the recipe's model as `variant_of` (the
leaderboard lists it beside the main ranking); the recipe itself, or only a tag, is a submitted model."""

from __future__ import annotations

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
