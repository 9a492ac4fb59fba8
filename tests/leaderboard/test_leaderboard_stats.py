"""Bootstrap intervals and the paired randomisation test."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.leaderboard.stats import (
    bootstrap_ci,
    interval,
    macro_bootstrap_ci,
    paired_randomisation,
    resampled_means,
    rng_for,
)


def test_rng_depends_only_on_seed_and_labels():
    a = rng_for(0, "ci", "task", "model").random(5)
    assert np.array_equal(a, rng_for(0, "ci", "task", "model").random(5))
    assert not np.array_equal(a, rng_for(1, "ci", "task", "model").random(5))
    assert not np.array_equal(a, rng_for(0, "ci", "task", "other").random(5))


def test_bootstrap_ci_contains_the_mean_and_shrinks_with_more_queries():
    rng = np.random.default_rng(0)
    small, large = rng.beta(2, 3, size=50), rng.beta(2, 3, size=5000)
    for values in (small, large):
        lo, hi = bootstrap_ci(values, rng_for(0, "x"), 500)
        assert lo < values.mean() < hi
    width = lambda v: np.subtract(*bootstrap_ci(v, rng_for(0, "x"), 500)[::-1])  # noqa: E731
    assert width(large) < width(small) / 5
    assert bootstrap_ci(np.full(30, 0.5), rng_for(0, "x"), 100) == (0.5, 0.5)


def test_macro_interval_and_shared_indices():
    rng = np.random.default_rng(1)
    tasks = [rng.random(100), rng.random(300)]
    lo, hi = macro_bootstrap_ci(tasks, rng_for(0, "m"), 500)
    assert lo < np.mean([t.mean() for t in tasks]) < hi
    reps = resampled_means({"a": tasks[0], "b": 2 * tasks[0]}, rng_for(0, "r"), 200)
    assert np.allclose(reps["b"], 2 * reps["a"])  # one set of indices for every metric
    assert interval(reps["a"])[0] <= tasks[0].mean() <= interval(reps["a"])[1]


def test_paired_randomisation():
    rng = np.random.default_rng(2)
    base = rng.beta(2, 3, size=200)
    better = np.clip(base + 0.1, 0, 1)
    assert paired_randomisation([better], [base], rng_for(0, "p"), 1000) == pytest.approx(1 / 1001)
    noise = base + rng.normal(0, 0.05, size=200)
    assert paired_randomisation([noise], [base], rng_for(0, "p"), 1000) > 0.05
    assert paired_randomisation([base], [base], rng_for(0, "p"), 100) == 1.0
    # Symmetric, and deterministic for a fixed generator.
    p1 = paired_randomisation([noise], [base], rng_for(3, "p"), 500)
    assert p1 == paired_randomisation([base], [noise], rng_for(3, "p"), 500)
    # Several tasks: the statistic is the macro difference.
    assert paired_randomisation([better, base], [base, base], rng_for(0, "p"), 500) < 0.01
