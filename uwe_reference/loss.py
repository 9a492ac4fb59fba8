"""Many-to-many InfoNCE (supervised-contrastive "out" form), in both directions.

For a score matrix S (queries × candidates), positives P (same shape, bool) and temperature τ:

    L = mean over queries q with P(q) ≠ ∅ of
        mean over p ∈ P(q) of  −log( exp(S_qp/τ) / Σ_{y ∈ D(q,p)} exp(S_qy/τ) )

Denominator choice (the paper does not say): with ``mask_other_positives=True`` (default)
D(q,p) = {p} ∪ {negatives of q}, i.e. q's *other* positives are removed from p's denominator, so a
query with many positives is not pushed to prefer one of them over the others (they are not
negatives). With ``False``, D(q,p) = every candidate in the batch (SupCon "out" as written), which
caps each term's optimum at log |P(q)|. Negatives are in-batch only, no hard negatives.

The loss is computed in float32 whatever the input dtype (autocast on GPU would otherwise make the
log-sum-exp lossy at τ = 0.02).
"""

from __future__ import annotations

import torch


def many_to_many_infonce(
    scores: torch.Tensor,
    positives: torch.Tensor,
    temperature: float,
    *,
    mask_other_positives: bool = True,
) -> torch.Tensor:
    """One direction: rows are queries, columns are candidates. Returns a scalar."""
    if scores.shape != positives.shape:
        raise ValueError(f"scores {tuple(scores.shape)} and positives {tuple(positives.shape)} differ in shape")
    pos = positives.bool()
    logits = scores.float() / float(temperature)
    # a finite floor instead of -inf keeps logsumexp and its gradient finite when a row has no negatives
    very_low = torch.finfo(logits.dtype).min
    if mask_other_positives:
        negatives_lse = torch.logsumexp(logits.masked_fill(pos, very_low), dim=1, keepdim=True)
        # denominator of term (q, p): the positive p itself plus q's negatives
        denominators = torch.logaddexp(negatives_lse, logits)
    else:
        denominators = torch.logsumexp(logits, dim=1, keepdim=True).expand_as(logits)
    terms = (denominators - logits) * pos
    n_pos = pos.sum(1)
    has_pos = n_pos > 0
    if not has_pos.any():
        return logits.sum() * 0.0  # keeps the graph connected; no signal
    per_query = terms.sum(1)[has_pos] / n_pos[has_pos]
    return per_query.mean()


def bidirectional_infonce(
    scores_qt: torch.Tensor,
    positives: torch.Tensor,
    temperature: float,
    *,
    scores_tq: torch.Tensor | None = None,
    symmetric: bool = True,
    mask_other_positives: bool = True,
) -> torch.Tensor:
    """L = L(target | query) + L(query | target) over one graph's batch.

    scores_qt: (Q, T) with queries as the scorer's queries; scores_tq: (T, Q) with the roles swapped
    (late interaction is asymmetric, and the model ranks in both directions at test time, e.g.
    Skill2Job queries are skills). When scores_tq is None the transpose of scores_qt is used.
    symmetric=False keeps only the query → target term (ablation).
    """
    loss = many_to_many_infonce(scores_qt, positives, temperature, mask_other_positives=mask_other_positives)
    if symmetric:
        reverse = scores_qt.T if scores_tq is None else scores_tq
        loss = loss + many_to_many_infonce(reverse, positives.T, temperature, mask_other_positives=mask_other_positives)
    return loss
