"""The many-to-many InfoNCE equals its per-pair definition, in value and gradient, with and without masking."""

from __future__ import annotations

import math

import pytest
import torch

from workbench.uwe_reference.loss import bidirectional_infonce, many_to_many_infonce

pytestmark = pytest.mark.torch


def brute_force(scores: torch.Tensor, positives: torch.Tensor, tau: float, mask_other_positives: bool) -> torch.Tensor:
    """The formula written out pair by pair (slow, obviously right)."""
    per_query = []
    for q in range(scores.shape[0]):
        pos = [y for y in range(scores.shape[1]) if positives[q, y]]
        if not pos:
            continue
        terms = []
        for p in pos:
            if mask_other_positives:
                denominator_set = [y for y in range(scores.shape[1]) if y == p or not positives[q, y]]
            else:
                denominator_set = list(range(scores.shape[1]))
            denominator = sum(torch.exp(scores[q, y] / tau) for y in denominator_set)
            terms.append(-torch.log(torch.exp(scores[q, p] / tau) / denominator))
        per_query.append(sum(terms) / len(terms))
    return sum(per_query) / len(per_query)


def random_case(seed: int, n_q: int = 5, n_y: int = 7):
    gen = torch.Generator().manual_seed(seed)
    scores = torch.rand(n_q, n_y, generator=gen, dtype=torch.float64) * 2 - 1
    positives = torch.rand(n_q, n_y, generator=gen) < 0.35
    positives[0] = False  # a query without positives is skipped
    positives[1] = True  # a query whose every candidate is positive
    positives[2, :] = False
    positives[2, 3] = True  # exactly one positive
    return scores, positives


@pytest.mark.parametrize("mask_other_positives", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("tau", [0.05, 0.5])
def test_loss_matches_brute_force_values_and_gradients(mask_other_positives, seed, tau):
    scores, positives = random_case(seed)
    a = scores.clone().requires_grad_(True)
    b = scores.clone().requires_grad_(True)
    fast = many_to_many_infonce(a, positives, tau, mask_other_positives=mask_other_positives)
    slow = brute_force(b, positives, tau, mask_other_positives)
    fast.backward()
    slow.backward()
    assert fast.item() == pytest.approx(slow.item(), rel=1e-5, abs=1e-6)
    torch.testing.assert_close(a.grad.double(), b.grad, rtol=1e-4, atol=1e-6)


def test_masking_choice_matters_where_expected():
    scores = torch.zeros(1, 4)
    positives = torch.tensor([[True, True, True, True]])
    # every candidate positive: with masking each term's denominator is the positive alone -> 0
    assert many_to_many_infonce(scores, positives, 0.1).item() == pytest.approx(0.0, abs=1e-6)
    # without masking each term is -log(1/4)
    assert many_to_many_infonce(scores, positives, 0.1, mask_other_positives=False).item() == pytest.approx(math.log(4))


@pytest.mark.parametrize("mask_other_positives", [True, False])
def test_bidirectional_is_sum_of_both_directions(mask_other_positives):
    scores, positives = random_case(3, n_q=6, n_y=6)
    reverse = torch.rand(6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(9))
    both = bidirectional_infonce(scores, positives, 0.05, scores_tq=reverse, mask_other_positives=mask_other_positives)
    expected = brute_force(scores, positives, 0.05, mask_other_positives) + brute_force(
        reverse, positives.T, 0.05, mask_other_positives
    )
    assert both.item() == pytest.approx(expected.item(), rel=1e-6)
    transposed = bidirectional_infonce(scores, positives, 0.05, mask_other_positives=mask_other_positives)
    expected_t = brute_force(scores, positives, 0.05, mask_other_positives) + brute_force(
        scores.T, positives.T, 0.05, mask_other_positives
    )
    assert transposed.item() == pytest.approx(expected_t.item(), rel=1e-6)
    one_way = bidirectional_infonce(scores, positives, 0.05, symmetric=False, mask_other_positives=mask_other_positives)
    assert one_way.item() == pytest.approx(brute_force(scores, positives, 0.05, mask_other_positives).item(), rel=1e-6)


def test_loss_is_finite_in_low_precision_inputs():
    scores = (torch.rand(8, 8) * 2 - 1).to(torch.bfloat16).requires_grad_(True)
    positives = torch.eye(8, dtype=torch.bool)
    positives[0] = True  # a row without negatives
    loss = many_to_many_infonce(scores, positives, 0.02)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(scores.grad.float()).all()
