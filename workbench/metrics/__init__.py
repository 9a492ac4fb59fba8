"""Ranking metrics over whole score matrices, ties handled explicitly.

    evaluate_scores(scores, relevance, ["map", "rp@10", "ndcg@10"])  # per query
    aggregate(per_query)                                              # means

One module per metric family (ap, rr, cutoff, ndcg); all of them read the tie
counts computed once per block of queries in ``stats``.
"""

from workbench.metrics.evaluate import aggregate, evaluate_scores
from workbench.metrics.names import METRIC_NAMES, parse_metric
from workbench.metrics.stats import TIE_POLICIES

__all__ = ["METRIC_NAMES", "TIE_POLICIES", "aggregate", "evaluate_scores", "parse_metric"]
