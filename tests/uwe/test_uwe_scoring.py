"""Soft late interaction: its limits, its padding mask, chunking, and the scoring-model wrapper."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.uwe_reference.late_interaction import chunked_scores, late_interaction_scores, pooled_scores, unit_chunk

pytestmark = pytest.mark.torch


def tokens(seed: int, b: int, n: int, d: int = 16, min_len: int = 1):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(b, n, d, generator=gen, dtype=torch.float64) * 3
    lengths = torch.randint(min_len, n + 1, (b,), generator=gen)
    mask = torch.arange(n).unsqueeze(0) < lengths.unsqueeze(1)
    return x, mask


def brute_soft(q, qm, t, tm, tau, attention="dot"):
    out = torch.zeros(q.shape[0], t.shape[0], dtype=torch.float64)
    for a in range(q.shape[0]):
        for b in range(t.shape[0]):
            Q, T = q[a][qm[a]], t[b][tm[b]]
            cos = torch.nn.functional.normalize(Q, dim=-1) @ torch.nn.functional.normalize(T, dim=-1).T
            logits = (Q @ T.T if attention == "dot" else cos) / tau
            out[a, b] = (torch.softmax(logits, dim=-1) * cos).sum(-1).mean()
    return out


def brute_maxsim(q, qm, t, tm):
    out = torch.zeros(q.shape[0], t.shape[0], dtype=torch.float64)
    for a in range(q.shape[0]):
        for b in range(t.shape[0]):
            cos = (
                torch.nn.functional.normalize(q[a][qm[a]], dim=-1)
                @ torch.nn.functional.normalize(t[b][tm[b]], dim=-1).T
            )
            out[a, b] = cos.max(-1).values.mean()
    return out


def brute_mean_cos(q, qm, t, tm):
    out = torch.zeros(q.shape[0], t.shape[0], dtype=torch.float64)
    for a in range(q.shape[0]):
        for b in range(t.shape[0]):
            cos = (
                torch.nn.functional.normalize(q[a][qm[a]], dim=-1)
                @ torch.nn.functional.normalize(t[b][tm[b]], dim=-1).T
            )
            out[a, b] = cos.mean()
    return out


@pytest.mark.parametrize("attention", ["dot", "cosine"])
def test_soft_late_interaction_matches_its_definition(attention):
    q, qm = tokens(0, 4, 6)
    t, tm = tokens(1, 5, 7)
    got = late_interaction_scores(q, qm, t, tm, tau_a=0.7, attention=attention)
    torch.testing.assert_close(got, brute_soft(q, qm, t, tm, 0.7, attention))


def test_small_tau_gives_colbert_maxsim():
    q, qm = tokens(2, 4, 6)
    t, tm = tokens(3, 5, 7)
    expected = brute_maxsim(q, qm, t, tm)
    # cosine attention: the limit is MaxSim whatever the token norms
    torch.testing.assert_close(late_interaction_scores(q, qm, t, tm, tau_a=1e-5, attention="cosine"), expected)
    # dot attention (the paper's): the same limit for unit-norm tokens, as ColBERT uses
    qu, tu = torch.nn.functional.normalize(q, dim=-1), torch.nn.functional.normalize(t, dim=-1)
    torch.testing.assert_close(late_interaction_scores(qu, qm, tu, tm, tau_a=1e-5, attention="dot"), expected)
    torch.testing.assert_close(late_interaction_scores(q, qm, t, tm, mode="maxsim"), expected)


@pytest.mark.parametrize("attention", ["dot", "cosine"])
def test_large_tau_gives_mean_of_cosines(attention):
    q, qm = tokens(4, 3, 5)
    t, tm = tokens(5, 4, 6)
    got = late_interaction_scores(q, qm, t, tm, tau_a=1e9, attention=attention)
    torch.testing.assert_close(got, brute_mean_cos(q, qm, t, tm))


@pytest.mark.parametrize("mode", ["late", "maxsim", "pooled"])
def test_padding_changes_nothing(mode):
    q, qm = tokens(6, 3, 5)
    t, tm = tokens(7, 4, 6)
    base = late_interaction_scores(q, qm, t, tm, tau_a=0.1, mode=mode)
    gen = torch.Generator().manual_seed(8)
    # extra padded positions holding large garbage, on both sides; masked out they must not matter
    q2 = torch.cat([q, 50 * torch.randn(3, 4, 16, generator=gen, dtype=torch.float64)], 1)
    t2 = torch.cat([t, 50 * torch.randn(4, 3, 16, generator=gen, dtype=torch.float64)], 1)
    qm2 = torch.cat([qm, torch.zeros(3, 4, dtype=torch.bool)], 1)
    tm2 = torch.cat([tm, torch.zeros(4, 3, dtype=torch.bool)], 1)
    # garbage also in already-masked slots
    q2[~qm2] = 99.0
    t2[~tm2] = -99.0
    padded = late_interaction_scores(q2, qm2, t2, tm2, tau_a=0.1, mode=mode)
    torch.testing.assert_close(padded, base)


def test_pooled_is_cosine_of_masked_means():
    q, qm = tokens(9, 3, 5)
    t, tm = tokens(10, 4, 6)
    qmean = torch.stack([q[i][qm[i]].mean(0) for i in range(3)])
    tmean = torch.stack([t[i][tm[i]].mean(0) for i in range(4)])
    expected = torch.nn.functional.normalize(qmean, dim=-1) @ torch.nn.functional.normalize(tmean, dim=-1).T
    torch.testing.assert_close(pooled_scores(q, qm, t, tm), expected)


def test_chunked_scores_equal_direct_scores():
    q, qm = tokens(11, 7, 5)
    t, tm = tokens(12, 9, 6)
    direct = late_interaction_scores(q, qm, t, tm, tau_a=0.1)
    positions = torch.tensor([4, 0, 8, 2, 6, 1, 3, 5, 7])
    chunks = [(t[positions[i : i + 4]], tm[positions[i : i + 4]], positions[i : i + 4]) for i in range(0, 9, 4)]
    got = chunked_scores(q, qm, chunks, 9, tau_a=0.1, max_elements=100)  # forces query splitting too
    torch.testing.assert_close(got.double(), direct, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("attention", ["dot", "cosine"])
@pytest.mark.parametrize("tau", [1e-3, 0.02, 0.1, 3.0])
def test_chunked_inference_kernel_equals_the_autograd_form(attention, tau):
    # the in-place, max-free (cosine, τa ≥ 0.05) or max-subtracting kernel must give the definition's numbers,
    # with garbage in padded slots and one query made only of padding
    q, qm = tokens(13, 6, 5)
    t, tm = tokens(14, 11, 7)
    q[~qm], t[~tm] = 77.0, -55.0
    qm[2] = False
    direct = late_interaction_scores(q, qm, t, tm, tau_a=tau, attention=attention)
    positions = torch.randperm(11, generator=torch.Generator().manual_seed(0))
    chunks = [(t[positions[i : i + 4]], tm[positions[i : i + 4]], positions[i : i + 4]) for i in range(0, 11, 4)]
    got = chunked_scores(q, qm, chunks, 11, tau_a=tau, attention=attention, max_elements=150)
    assert torch.isfinite(got).all()
    prepared = [unit_chunk(*c, dtype=q.dtype, device="cpu") for c in chunks]  # what a target index keeps
    torch.testing.assert_close(
        chunked_scores(q, qm, [], 11, tau_a=tau, attention=attention, max_elements=150, unit_chunks=prepared), got
    )
    torch.testing.assert_close(got.double(), direct, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(
        got.double(),
        brute_soft(q, qm, t, tm, tau, attention).masked_fill(~qm.any(1)[:, None], 0.0),
        rtol=1e-5,
        atol=1e-6,
    )


def test_scoring_model_index_cache_and_chunking(minilm_encoder, tmp_path):
    from workbench.models.model import model_kind
    from workbench.uwe_reference.model import uwe_from_base

    targets = [
        "Python (computer programming)",
        "bake bread",
        "drive vehicles",
        "teach students",
        "SQL",
        "administer medication to patients in a hospital ward",
        "first aid",
    ]
    queries = ["python coding", "baking", "taxi driver", "nurse", "database queries"]
    model = uwe_from_base(encoder=minilm_encoder, cache_dir=tmp_path)
    assert model_kind(model) == "scoring" and model.info.settings["base_model"] == "all-MiniLM-L6-v2"
    index = model.index(targets)
    files = list((tmp_path / "uwe-index").glob("*.safetensors"))
    assert len(files) == 1 and index.packed.tokens.dtype == torch.float16
    scores = model.score(queries, index)
    assert scores.shape == (5, 7) and np.isfinite(scores).all()
    assert (scores.argmax(1)[:3] == [0, 1, 2]).all()
    # a second index comes from disk and scores identically
    again = model.index(targets)
    assert torch.equal(again.packed.tokens, index.packed.tokens)
    np.testing.assert_array_equal(model.score(queries, again), scores)
    # chunk size and query grouping do not change scores
    small = uwe_from_base(encoder=minilm_encoder, cache_dir=tmp_path, chunk_tokens=8, max_elements=64, disk_cache=False)
    np.testing.assert_allclose(small.score(queries, small.index(targets)), scores, rtol=1e-5, atol=1e-6)
    # a corrupt cache file is ignored and rewritten
    files[0].write_bytes(b"not safetensors")
    rebuilt = model.index(targets)
    assert torch.equal(rebuilt.packed.tokens, index.packed.tokens)
    # one query scored alone equals its row in the block up to float noise of the batch padding
    np.testing.assert_allclose(model.score(queries[1:2], index), scores[1:2], rtol=1e-4, atol=1e-5)
