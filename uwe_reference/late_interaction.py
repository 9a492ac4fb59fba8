"""Soft late interaction: the one scorer UWE uses for every task.

For query tokens Q (m×d) and target tokens T (n×d):

    A = row-softmax(Q·Tᵀ / τa)          attention of each query token over the target tokens
    C = cos(Q_i, T_j)                    token cosine matrix
    s(q, t) = mean_i Σ_j A_ij C_ij       mean over the query's real tokens

A uses raw dot products (as in the paper; `attention="cosine"` is kept as an option), so the
attention sharpness also depends on token norms. τa → 0 makes A one-hot (hard attention: C at the
best-matching target token, i.e. ColBERT MaxSim for unit-norm tokens or with cosine attention);
τa → ∞ makes A uniform (mean of all token cosines). `mode="maxsim"` is the hard variant and
`mode="pooled"` the plain cosine of mean-pooled embeddings, both kept for ablations.

Padding is masked on both sides: padded target tokens get zero attention, padded query tokens are
left out of the mean. Scores are bounded in [-1, 1] in every mode.
"""
from __future__ import annotations

from typing import Iterable, Literal

import torch

Mode = Literal["late", "maxsim", "pooled"]
Attention = Literal["dot", "cosine"]
MODES = ("late", "maxsim", "pooled")
EPS = 1e-8


def _masked_mean(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(tokens.dtype)
    return (tokens * m).sum(1) / m.sum(1).clamp_min(1.0)


def pooled_scores(q: torch.Tensor, q_mask: torch.Tensor, t: torch.Tensor, t_mask: torch.Tensor) -> torch.Tensor:
    """Cosine of mean-pooled embeddings, (Bq, Bt)."""
    qp = torch.nn.functional.normalize(_masked_mean(q, q_mask), dim=-1, eps=EPS)
    tp = torch.nn.functional.normalize(_masked_mean(t, t_mask), dim=-1, eps=EPS)
    return qp @ tp.T


def late_interaction_scores(
    q: torch.Tensor,
    q_mask: torch.Tensor,
    t: torch.Tensor,
    t_mask: torch.Tensor,
    *,
    tau_a: float = 0.1,
    mode: Mode = "late",
    attention: Attention = "dot",
) -> torch.Tensor:
    """Scores of every query against every target: (Bq, m, d) × (Bt, n, d) → (Bq, Bt). Differentiable.

    Memory is O(Bq·m·Bt·n); callers chunk (see `chunked_scores`). Every target must have at least
    one real token.
    """
    if mode == "pooled":
        return pooled_scores(q, q_mask, t, t_mask)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    bq, m, d = q.shape
    bt, n, _ = t.shape
    # one matmul (Bq·m × d) @ (d × Bt·n) instead of a 4-d einsum: BLAS does the work
    dots = (q.reshape(bq * m, d) @ t.reshape(bt * n, d).T).view(bq, m, bt, n)
    q_inv = 1.0 / q.norm(dim=-1).clamp_min(EPS)  # (Bq, m)
    t_inv = 1.0 / t.norm(dim=-1).clamp_min(EPS)  # (Bt, n)
    cos = dots * q_inv[:, :, None, None] * t_inv[None, None, :, :]
    pad = ~t_mask.bool()[None, None, :, :]
    # finfo.min rather than -inf: a fully padded row gives a finite (uniform) softmax, never NaN
    very_low = torch.finfo(cos.dtype).min
    if mode == "maxsim":
        per_token = cos.masked_fill(pad, very_low).amax(-1)
    else:
        logits = (dots if attention == "dot" else cos) / float(tau_a)
        weights = torch.softmax(logits.masked_fill(pad, very_low), dim=-1)
        per_token = (weights * cos).sum(-1)  # (Bq, m, Bt)
    qm = q_mask.to(per_token.dtype)[:, :, None]
    return (per_token * qm).sum(1) / qm.sum(1).clamp_min(1.0)


def chunked_scores(
    q: torch.Tensor,
    q_mask: torch.Tensor,
    target_chunks: Iterable[tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
    n_targets: int,
    *,
    tau_a: float = 0.1,
    mode: Mode = "late",
    attention: Attention = "dot",
    max_elements: int = 2**24,
) -> torch.Tensor:
    """Scores of a query block against a target space given as padded chunks (tokens, mask, positions).

    Queries are split so that one (query rows × chunk) interaction tensor stays under `max_elements`
    floats (several such tensors are alive at once), which bounds memory whatever the target space.
    """
    out = torch.empty(q.shape[0], n_targets, dtype=torch.float32)
    for t, t_mask, positions in target_chunks:
        t = t.to(device=q.device, dtype=q.dtype)
        t_mask = t_mask.to(q.device)
        per_query = max(1, q.shape[1] * t.shape[0] * t.shape[1])
        step = max(1, max_elements // per_query)
        for start in range(0, q.shape[0], step):
            block = late_interaction_scores(q[start:start + step], q_mask[start:start + step], t, t_mask,
                                            tau_a=tau_a, mode=mode, attention=attention)
            out[start:start + step, positions] = block.float().cpu()
    return out
