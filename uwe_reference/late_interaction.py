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

from collections.abc import Iterable
from typing import Literal

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


def _unit_tokens(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Unit-length tokens and their norms (zero padding stays zero)."""
    norms = x.norm(dim=-1).clamp_min(EPS)
    return x / norms.unsqueeze(-1), norms


# Below this τa the max-free exponent of `_soft_scores_no_grad` could underflow to 0 for every target token
# (exp(-2/τa) < float32's smallest normal number at τa ≈ 0.023); the row maximum is subtracted instead.
_MAX_FREE_TAU = 0.05


def _soft_scores_no_grad(qn, q_norm, q_mask, tn, t_norm, t_mask, *, tau_a: float, attention: Attention) -> torch.Tensor:
    """`late_interaction_scores(mode="late")` for scoring, from unit tokens and norms: the same numbers with
    one interaction-sized buffer besides the cosines, updated in place (the autograd form allocates ~7).

    With cosine attention the logits (cos − 1)/τa are ≤ 0 because cos ≤ 1, so the softmax needs no row
    maximum: exp cannot overflow and, for τa ≥ `_MAX_FREE_TAU`, each weight is ≥ e^-40, never all zero.
    """
    bq, m, d = qn.shape
    bt, n, _ = tn.shape
    cos = (qn.reshape(bq * m, d) @ tn.reshape(bt * n, d).T).view(bq, m, bt, n)
    real = t_mask.to(cos.dtype)  # (bt, n), broadcast over the query axes
    if attention == "cosine" and tau_a >= _MAX_FREE_TAU:
        weights = (cos - 1.0).div_(tau_a).exp_().mul_(real)
    else:
        weights = cos / tau_a
        if attention == "dot":  # raw dot products: cosines times both norms
            weights.mul_(q_norm[:, :, None, None]).mul_(t_norm)
        weights.masked_fill_(real == 0, torch.finfo(cos.dtype).min)
        weights.sub_(weights.amax(-1, keepdim=True)).exp_()
    denominators = weights.sum(-1)  # of the softmax, (Bq, m, Bt)
    per_token = weights.mul_(cos).sum(-1).div_(denominators)
    qm = q_mask.to(per_token.dtype)[:, :, None]
    return (per_token * qm).sum(1) / qm.sum(1).clamp_min(1.0)


TargetChunk = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # padded tokens, mask, target positions


def unit_chunk(
    tokens: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, *, dtype: torch.dtype, device: torch.device | str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A target chunk ready for `_soft_scores_no_grad`: (unit tokens, norms, mask, positions) in `dtype`."""
    with torch.no_grad():
        tn, t_norm = _unit_tokens(tokens.to(device=device, dtype=dtype))
    return tn, t_norm, mask.to(device), positions


def chunked_scores(
    q: torch.Tensor,
    q_mask: torch.Tensor,
    target_chunks: Iterable[TargetChunk],
    n_targets: int,
    *,
    tau_a: float = 0.1,
    mode: Mode = "late",
    attention: Attention = "dot",
    max_elements: int = 2**24,
    unit_chunks: Iterable[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]] | None = None,
) -> torch.Tensor:
    """Scores of a query block against a target space given as padded chunks (tokens, mask, positions).

    Queries are split so that one (query rows × chunk) interaction tensor stays under `max_elements`
    floats (at most two such tensors are alive at once), which bounds memory whatever the target space.
    Not differentiable: soft late interaction goes through `_soft_scores_no_grad` (tokens normalised once
    per chunk, in-place softmax), the other modes through `late_interaction_scores`. `unit_chunks`, the
    same chunks already through `unit_chunk` (a target index keeps them), saves that per-call work: for
    a single query it is most of the cost.
    """
    out = torch.empty(q.shape[0], n_targets, dtype=torch.float32)
    with torch.no_grad():
        if mode == "late":
            qn, q_norm = _unit_tokens(q)
            if unit_chunks is None:
                unit_chunks = (unit_chunk(*chunk, dtype=q.dtype, device=q.device) for chunk in target_chunks)
            for tn, t_norm, t_mask, positions in unit_chunks:
                for rows in _query_slices(q, tn, max_elements):
                    block = _soft_scores_no_grad(
                        qn[rows], q_norm[rows], q_mask[rows], tn, t_norm, t_mask, tau_a=tau_a, attention=attention
                    )
                    out[rows, positions] = block.float().cpu()
            return out
        for t, t_mask, positions in target_chunks:
            t = t.to(device=q.device, dtype=q.dtype)
            t_mask = t_mask.to(q.device)
            for rows in _query_slices(q, t, max_elements):
                block = late_interaction_scores(
                    q[rows], q_mask[rows], t, t_mask, tau_a=tau_a, mode=mode, attention=attention
                )
                out[rows, positions] = block.float().cpu()
    return out


def _query_slices(q: torch.Tensor, t: torch.Tensor, max_elements: int) -> list[slice]:
    step = max(1, max_elements // max(1, q.shape[1] * t.shape[0] * t.shape[1]))
    return [slice(start, start + step) for start in range(0, q.shape[0], step)]
