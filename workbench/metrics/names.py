"""Metric names: the accepted forms and their parser."""

from __future__ import annotations

import re

# The accepted forms, K standing for any positive integer cutoff.
METRIC_NAMES = ("map", "mrr", "rp@K", "ndcg@K", "recall@K", "hit@K", "precision@K")

_PLAIN = {"map", "mrr"}
_CUTOFF = re.compile(r"(rp|ndcg|recall|hit|precision)@([1-9][0-9]*)")


def parse_metric(name: str) -> tuple[str, int | None]:
    """Split ``"ndcg@10"`` into ``("ndcg", 10)``; ``"map"`` gives ``("map", None)``.

    Anything else raises ValueError naming the value and the accepted forms, so a
    typo in a task file fails before any scoring work is done.
    """
    if isinstance(name, str):
        if name in _PLAIN:
            return name, None
        match = _CUTOFF.fullmatch(name)
        if match:
            return match.group(1), int(match.group(2))
    raise ValueError(
        f"unknown metric {name!r}; accepted forms: {', '.join(METRIC_NAMES)} (K a positive integer, e.g. 'ndcg@10')"
    )
